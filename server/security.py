"""Passwords, random secrets and their hashes.

Passwords are hashed with Argon2id. Session keys and API tokens are 256-bit random
values, so a plain SHA-256 of them is enough to store (and lets us look them up by hash).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import weakref
from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from .errors import ServiceUnavailable, come_back_in

T = TypeVar("T")

_hasher = PasswordHasher()
# Argon2 spends a tenth of a second or more of CPU by design. On the event loop that would
# stop every other request of the process meanwhile (a few sign-ins a second, or a flood
# of wrong ones, and the process answers nobody). The request paths hash and verify on
# worker threads (argon2-cffi releases the interpreter's lock), at most ARGON2_AT_ONCE
# at a time per process; past ARGON2_WAITING waiting for one, a request is answered 503
# with Retry-After at once instead of piling up.
ARGON2_AT_ONCE = 2
ARGON2_WAITING = 32
_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
    weakref.WeakKeyDictionary()
)
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


async def _argon2(work: Callable[[], T]) -> T:
    loop = asyncio.get_running_loop()
    limiter = _limiters.get(loop)
    if limiter is None:  # one per event loop (the tests run one per test)
        limiter = _limiters[loop] = anyio.CapacityLimiter(ARGON2_AT_ONCE)
    if limiter.statistics().tasks_waiting >= ARGON2_WAITING:
        raise come_back_in(ServiceUnavailable(), 2)
    return await anyio.to_thread.run_sync(work, limiter=limiter)


async def hashed(password: str) -> str:
    """``hash_password`` off the event loop (see ``ARGON2_AT_ONCE``)."""
    return await _argon2(lambda: hash_password(password))


async def matches(password_hash: str | None, password: str) -> bool:
    """``verify_password`` off the event loop (see ``ARGON2_AT_ONCE``)."""
    return await _argon2(lambda: verify_password(password_hash, password))


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
