"""The files in deploy/ pass their tools' own validators, installed in a scratch root:
``systemd-analyze verify`` for the units and timers, ``nginx -t`` for the proxy. And the
proxy's size limits are the server's, its address is the one the settings trust."""

from __future__ import annotations

import datetime
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from server import settings as settings_module
from server.__main__ import uvicorn_options
from server.api.common import MAX_BODY
from server.auth import FILE_MAX, FORM_MAX
from tests.live import ROOT

DEPLOY = ROOT / "deploy"
UNITS = sorted(DEPLOY.glob("*.service")) + sorted(DEPLOY.glob("*.timer"))


def _scratch_root(root: Path) -> None:
    """What the units refer to, under ``root``: systemd's own units, a shell, the app."""
    (root / "etc/systemd/system").mkdir(parents=True)
    for unit in UNITS:
        shutil.copy(unit, root / "etc/systemd/system")
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    (root / "bin").mkdir()
    shutil.copy("/bin/sh", root / "bin/sh")
    app = root / "srv/luutru/.venv/bin/luutru"
    app.parent.mkdir(parents=True)
    app.write_text("#!/bin/sh\n")
    app.chmod(0o755)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="make test-deps")
def test_the_systemd_units_and_timers_verify(tmp_path: Path) -> None:
    _scratch_root(tmp_path)
    installed = [str(tmp_path / "etc/systemd/system" / u.name) for u in UNITS]
    checked = subprocess.run(
        ["systemd-analyze", "verify", f"--root={tmp_path}", *installed],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert checked.returncode == 0 and not checked.stderr.strip(), checked.stderr
    names = {u.name for u in UNITS}
    assert {"luutru.service", "luutru-backup.timer", "luutru-purge.timer"} <= names
    for timer in DEPLOY.glob("*.timer"):
        assert (DEPLOY / timer.name.replace(".timer", ".service")).exists()


def _certificate(folder: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "luutru.example.vn")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    folder.mkdir(parents=True)
    (folder / "fullchain.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "privkey.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


@pytest.mark.skipif(not Path("/usr/sbin/nginx").exists(), reason="make test-deps")
def test_the_proxy_configuration_passes_nginx_t(tmp_path: Path) -> None:
    site = (DEPLOY / "nginx.conf").read_text()
    _certificate(tmp_path / "ssl")
    site = site.replace("/etc/ssl/luutru/", f"{tmp_path}/ssl/")
    (tmp_path / "site.conf").write_text(site)
    temp = {name: tmp_path / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    main = f"""
        pid {tmp_path}/nginx.pid;
        error_log {tmp_path}/error.log;
        events {{}}
        http {{
            access_log off;
            client_body_temp_path {temp["body"]};
            proxy_temp_path {temp["proxy"]};
            fastcgi_temp_path {temp["fastcgi"]};
            uwsgi_temp_path {temp["uwsgi"]};
            scgi_temp_path {temp["scgi"]};
            include {tmp_path}/site.conf;
        }}
    """
    (tmp_path / "nginx.conf").write_text(main)
    checked = subprocess.run(
        ["/usr/sbin/nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr


def _kilobytes(text: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([km])", text).groups()  # type: ignore[union-attr]
    return int(number) * (1024 if unit == "m" else 1)


def test_the_proxy_limits_and_trust_match_the_server() -> None:
    site = (DEPLOY / "nginx.conf").read_text()
    limits = re.findall(r"client_max_body_size (\w+);", site)
    assert [_kilobytes(x) for x in limits] == [
        FORM_MAX // 1024,
        MAX_BODY // 1024,
        (FORM_MAX + FILE_MAX) // 1024,
    ]
    assert 'Strict-Transport-Security "max-age=63072000' in site
    stream = site[site.index("location = /police/declarations/stream") :]
    assert "proxy_buffering off;" in stream.split("}")[0]
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in site  # replaced, not appended
    # The server keeps an idle connection longer than the proxy does: else the proxy may
    # reuse one the server has just closed, and a hotel's batch gets a 502.
    (proxy_idle,) = re.findall(r"keepalive_timeout (\d+)s;", site.split("}")[0])
    server_idle = uvicorn_options(settings_module.load({"TESTING": "1"}))["timeout_keep_alive"]
    assert server_idle > int(proxy_idle)

    env = dict(
        line.split("=", 1)
        for line in (DEPLOY / "luutru.env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    with pytest.raises(settings_module.SettingsError, match="SECRET_KEY is still"):
        settings_module.load(env)  # copied without choosing a secret: refused
    production = settings_module.load({**env, "SECRET_KEY": "s" * 48})
    assert production.forwarded_allow_ips == "127.0.0.1"
    assert re.search(r"server 127\.0\.0\.1:8000;", site) and env["PORT"] == "8000"
    assert production.cookie_secure and production.two_factor_required
    assert not production.demo and not production.testing
    assert production.log_format == "json" and production.metrics_allow_ips
