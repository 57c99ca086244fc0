"""Sign-in throttling: failed attempts are counted per username and per address, in the
database (so every server process counts the same ones).

- A username with ``ACCOUNT_FAILURES`` failures within ``WINDOW`` is locked for ``LOCK``:
  every attempt, even with the right password, gets 429 with ``Retry-After``. This holds
  for usernames that do not exist too, so the answer never tells which ones do.
- An address with ``ADDRESS_FAILURES`` failures within ``WINDOW`` (password guessing
  across many usernames) is refused in the same way.
- A completed sign-in (the password and, where the account has one, the second factor)
  clears its username's count (not the address's); a wrong second-factor code counts
  like a wrong password.

Each lock is written to the audit log. An administrator's unlock of an account (a
permanent lock, ``User.locked_at``) also clears its throttle.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from .errors import AppError
from .i18n import N_
from .models import AuditEvent, SignInThrottle

ACCOUNT_FAILURES = 5
ADDRESS_FAILURES = 20
WINDOW = timedelta(minutes=15)
LOCK = timedelta(minutes=15)


class TooManyAttempts(AppError):
    status = 429
    code = "too_many_attempts"
    message = N_("Too many failed sign-ins. Try again in %(minutes)s minutes.")

    def __init__(self, seconds: int) -> None:
        super().__init__(minutes=max(1, -(-seconds // 60)))
        self.headers = {"Retry-After": str(seconds)}


def _keys(username: str, ip: str) -> list[str]:
    keys = [f"user:{username.strip().lower()[:150]}"]
    if ip:
        keys.append(f"ip:{ip[:150]}")
    return keys


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
    for key in _keys(username, ip):
        limit = ACCOUNT_FAILURES if key.startswith("user:") else ADDRESS_FAILURES
        row = await _count(key, moment)
        if row.failures >= limit and (row.locked_until is None or row.locked_until <= moment):
            until = moment + LOCK
            # Locked once per window: a new window starts when the lock ends.
            await SignInThrottle.filter(id=row.id).update(
                locked_until=until, failures=0, window_started_at=until
            )
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


async def succeeded(username: str) -> None:
    await SignInThrottle.filter(key=_keys(username, "")[0]).delete()
