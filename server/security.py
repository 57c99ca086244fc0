"""Passwords, random secrets and their hashes.

Passwords are hashed with Argon2id. Session keys and API tokens are 256-bit random
values, so a plain SHA-256 of them is enough to store (and lets us look them up by hash).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()
# Verified against when the username does not exist, so that a wrong username costs
# the same time as a wrong password and the response cannot tell them apart.
_DUMMY_HASH = _hasher.hash("not-a-real-password-" + secrets.token_hex(8))

TOKEN_PREFIX = "lt_"  # noqa: S105 (a prefix, not a secret)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; always spends one Argon2 verification."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def new_api_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def sign(secret: str, message: str) -> str:
    """A keyed signature of ``message`` (HMAC-SHA256, 32 hex digits), to hand a value to a
    browser and know it comes back unchanged."""
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()[:32]
