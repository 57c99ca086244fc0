"""Settings: read from the environment, refuse unsafe secrets, all documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from server import settings as settings_module
from server.settings import DEMO_SECRET, SettingsError

ROOT = Path(__file__).resolve().parent.parent


def test_secret_key_is_required_outside_demo_and_test() -> None:
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        settings_module.load({})


def test_published_demo_key_is_refused_in_production() -> None:
    with pytest.raises(SettingsError, match="demo key"):
        settings_module.load({"SECRET_KEY": DEMO_SECRET})


def test_short_secret_is_refused_in_production() -> None:
    with pytest.raises(SettingsError, match="32 characters"):
        settings_module.load({"SECRET_KEY": "short"})


def test_demo_runs_without_a_secret_and_defaults_to_local_sqlite() -> None:
    settings = settings_module.load({"DEMO": "1"})
    assert settings.database_url.startswith("sqlite://")
    assert settings.database_url.endswith("data/luutru.sqlite3")
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert not settings.is_postgres


def test_postgres_url_switches_engine() -> None:
    settings = settings_module.load(
        {"SECRET_KEY": "x" * 40, "DATABASE_URL": "postgres://u:p@127.0.0.1:5432/luutru"}
    )
    assert settings.is_postgres
    assert settings.cookie_secure, "production cookies must be Secure"


def test_unknown_database_scheme_is_refused() -> None:
    with pytest.raises(SettingsError, match="DATABASE_URL"):
        settings_module.load({"DEMO": "1", "DATABASE_URL": "mysql://x"})


def test_every_setting_is_documented_in_the_readme() -> None:
    source = (ROOT / "server" / "settings.py").read_text()
    names = set(re.findall(r'config\(\s*"([A-Z_]+)"', source))
    assert {"DATABASE_URL", "SECRET_KEY", "HOST", "PORT", "DEMO"} <= names
    readme = (ROOT / "README.md").read_text()
    missing = sorted(name for name in names if f"`{name}`" not in readme)
    assert not missing, f"settings missing from README.md: {missing}"


def test_a_retired_receipt_key_that_is_not_one_is_refused_at_start(tmp_path: Path) -> None:
    """Found when the settings load, not as a 500 at the first receipt."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    good = tmp_path / "old.pem"
    good.write_bytes(
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    loaded = settings_module.load({"TESTING": "1", "RECEIPT_RETIRED_KEYS": str(good)})
    assert loaded.receipt_retired_keys == (good,)
    (tmp_path / "junk.pem").write_text("not a key")
    for wrong in (tmp_path / "missing.pem", tmp_path / "junk.pem"):
        with pytest.raises(SettingsError, match="RECEIPT_RETIRED_KEYS"):
            settings_module.load({"TESTING": "1", "RECEIPT_RETIRED_KEYS": f"{good},{wrong}"})
