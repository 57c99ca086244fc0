"""Two-factor sign-in: time-based one-time codes (RFC 6238) and recovery codes.

Plain functions, no web or ORM imports. A code is accepted once: the caller stores the
time step it matched and passes it back as ``last_step``.
"""

from __future__ import annotations

import base64
import os
import secrets
import time
import unicodedata
from collections.abc import Sequence

import pyotp
import segno
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from . import security

ISSUER = "Luu tru"
DIGITS = 6
WINDOW = 1  # accept the previous and the next 30-second step (clock drift on phones)
RECOVERY_CODES = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i


def new_secret() -> str:
    return pyotp.random_base32()


# --- the secret at rest: sealed with a key derived from SECRET_KEY ----------------------
# AES-GCM over the secret's 20 raw bytes, base85 so it fits the 64-character column:
# "e1:" + 60 characters. A database copy alone no longer holds anyone's second factor.

_SEALED = "e1:"
_ASSOCIATED = b"luutru totp secret"


def _key(secret_key: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"luutru totp secret v1"
    ).derive(secret_key.encode())


def seal(secret: str, secret_key: str) -> str:
    """``secret`` (base32, as apps take it) sealed for storage."""
    nonce = os.urandom(12)
    raw = base64.b32decode(secret)
    box = AESGCM(_key(secret_key)).encrypt(nonce, raw, _ASSOCIATED)
    return _SEALED + base64.b85encode(nonce + box).decode()


def unseal(stored: str, secret_keys: Sequence[str]) -> tuple[str, bool]:
    """The base32 secret, and whether it should be sealed again: it was stored in clear
    (before sealing existed) or with a previous key (``SECRET_KEY_PREVIOUS``, after a
    rotation). Raises ``ValueError`` if no key opens it."""
    if not stored.startswith(_SEALED):
        return stored, True
    blob = base64.b85decode(stored[len(_SEALED) :])
    for index, secret_key in enumerate(secret_keys):
        try:
            raw = AESGCM(_key(secret_key)).decrypt(blob[:12], blob[12:], _ASSOCIATED)
        except InvalidTag:
            continue
        return base64.b32encode(raw).decode(), index > 0
    raise ValueError("the second-factor secret was sealed with a key this server lacks")


def provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_svg(data: str) -> str:
    """An inline SVG of ``data`` as a QR code (no XML declaration, no fixed size)."""
    qr = segno.make(data, error="m")
    svg: str = qr.svg_inline(scale=4, border=2, dark="#000", light="#fff", omitsize=True)
    return svg


def clean(code: str) -> str:
    """What was typed, as ASCII: digits of any script (full-width, Arabic-Indic …) become
    the digits they are, ASCII letters stay (recovery codes); everything else goes."""
    out = []
    for ch in code:
        if ch.isdecimal():
            out.append(str(unicodedata.decimal(ch)))
        elif ch.isascii() and ch.isalnum():
            out.append(ch.lower())
    return "".join(out)


def verify(secret: str, code: str, last_step: int | None, at: float | None = None) -> int | None:
    """The time step ``code`` matches, if it is valid now and newer than ``last_step``."""
    code = clean(code)
    if len(code) != DIGITS or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now_step = int((time.time() if at is None else at) // totp.interval)
    for step in range(now_step - WINDOW, now_step + WINDOW + 1):
        if last_step is not None and step <= last_step:
            continue
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def now_code(secret: str, at: float | None = None) -> str:
    """The current code (for tests and the demo)."""
    return pyotp.TOTP(secret).at(time.time() if at is None else at)


def new_recovery_codes() -> list[str]:
    """Ten codes like ``k7pq-2mxt-9bfa``, shown once; store only ``recovery_hash`` of each."""
    return [
        "-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(3))
        for _ in range(RECOVERY_CODES)
    ]


def recovery_hash(code: str) -> str:
    return security.digest(clean(code))


def looks_like_recovery_code(code: str) -> bool:
    return len(clean(code)) == 12
