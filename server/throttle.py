"""Sign-in throttling: failed attempts are counted in the database (so every server
process counts the same ones), under three keys.

- An account from one address (``user:NAME@ADDRESS``): ``ACCOUNT_FAILURES`` failures
  within ``WINDOW`` lock that account *for that address* for ``LOCK``; every attempt
  from there, even with the right password, gets 429 with ``Retry-After``.
- An account from anywhere (``user:NAME``): past ``ACCOUNT_FAILURES`` failures, each
  further attempt waits a growing delay (``DELAYS``, at most a minute). A stranger
  guessing from elsewhere cannot lock an officer out for long, and a guesser spread over
  many addresses gets about one try a minute.
- An address (``ip:ADDRESS``): past ``ADDRESS_FAILURES`` failures across usernames, the
  same growing delays. Behind a reverse proxy every client has the proxy's address
  unless ``FORWARDED_ALLOW_IPS`` names it, and a delay (not a lock) keeps one person from
  shutting everyone out even then.

This holds for usernames that do not exist too, so the answer never tells which ones
do. A completed sign-in (the password and, where the account has one, the second
factor) clears the account's counts (not the address's); a wrong second-factor code
counts like a wrong password. Each lock and first delay is written to the audit log.
An administrator's unlock of an account also clears its counts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from . import metrics
from .errors import AppError
from .i18n import N_
from .models import AuditEvent, SignInThrottle

ACCOUNT_FAILURES = 5
ADDRESS_FAILURES = 20
WINDOW = timedelta(minutes=15)
LOCK = timedelta(minutes=15)
DELAYS = (4, 8, 16, 32, 60)  # seconds, after the free failures of a delay key


class TooManyAttempts(AppError):
    status = 429
    code = "too_many_attempts"
    message = N_("Too many failed sign-ins. Try again in %(minutes)s minutes.")

    def __init__(self, seconds: int) -> None:
        super().__init__(minutes=max(1, -(-seconds // 60)))
        self.headers = {"Retry-After": str(seconds)}


def _name(username: str) -> str:
    return username.strip().lower()[:100]


def _keys(username: str, ip: str) -> list[str]:
    """The account from this address (locks), the account, the address (both delay)."""
    keys = [f"user:{_name(username)}@{ip[:64]}", f"user:{_name(username)}"]
    if ip:
        keys.append(f"ip:{ip[:150]}")
    return keys


def _locks(key: str) -> bool:
    return key.startswith("user:") and "@" in key


async def check(username: str, ip: str) -> None:
    """Refuse the attempt (``TooManyAttempts``) while the username or address is locked."""
    moment = datetime.now(UTC)
    rows = await SignInThrottle.filter(key__in=_keys(username, ip), locked_until__gt=moment)
    until = [row.locked_until for row in rows if row.locked_until is not None]
    if until:
        raise TooManyAttempts(max(1, int((max(until) - moment).total_seconds())))


async def failed(username: str, ip: str) -> None:
    """Count a failure against the username and the address; lock whichever reached its
    limit."""
    moment = datetime.now(UTC)
    metrics.SIGN_IN_FAILURES.inc()
    for key in _keys(username, ip):
        limit = ACCOUNT_FAILURES if key.startswith("user:") else ADDRESS_FAILURES
        row = await _count(key, moment)
        if row.failures < limit:
            continue
        if _locks(key):
            if row.locked_until is not None and row.locked_until > moment:
                continue
            until = moment + LOCK
            # Locked once per window: a new window starts when the lock ends.
            await SignInThrottle.filter(id=row.id).update(
                locked_until=until, failures=0, window_started_at=until
            )
        else:
            # A growing wait before the next attempt, never a long lock.
            step = min(row.failures - limit, len(DELAYS) - 1)
            until = moment + timedelta(seconds=DELAYS[step])
            await SignInThrottle.filter(id=row.id).update(locked_until=until)
            if row.failures != limit:
                continue  # audited once, when the delays begin
        metrics.SIGN_IN_LOCKS.inc()
        await AuditEvent.create(
            action="sign_in_throttled",
            target=key[:200],
            ip=ip[:64],
            detail={"failures": row.failures, "until": until.isoformat()},
        )


async def _count(key: str, moment: datetime) -> SignInThrottle:
    """Add one failure to ``key`` (a new window if the last one is over); the row after."""
    for _attempt in range(3):
        row = await SignInThrottle.get_or_none(key=key)
        if row is None:
            try:
                return await SignInThrottle.create(key=key, failures=1, window_started_at=moment)
            except IntegrityError:
                continue  # another request created it first: count on it
        if moment - row.window_started_at > WINDOW:
            await SignInThrottle.filter(id=row.id).update(failures=1, window_started_at=moment)
        else:
            await SignInThrottle.filter(id=row.id).update(failures=F("failures") + 1)
        await row.refresh_from_db(fields=["failures", "window_started_at", "locked_until"])
        return row
    raise RuntimeError("could not count a failed sign-in")


async def succeeded(username: str, ip: str) -> None:
    """A completed sign-in from ``ip``: the account's count and its count from that
    address end; a guesser's lock at another address stays, as do address counts."""
    name = _name(username)
    await SignInThrottle.filter(key__in=[f"user:{name}", f"user:{name}@{ip[:64]}"]).delete()


async def cleared(username: str) -> None:
    """An administrator's unlock: every count of the account ends, at every address."""
    name = _name(username)
    await SignInThrottle.filter(key=f"user:{name}").delete()
    await SignInThrottle.filter(key__startswith=f"user:{name}@").delete()
