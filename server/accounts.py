"""Managing other people's accounts: create with a temporary password, reset, disable,
lock. Used by owners (their staff) and administrators (police accounts, any lock).

A temporary password is shown once to whoever created or reset it; the account must
choose its own at the next sign-in (``User.must_change_password``).
"""

from __future__ import annotations

import secrets

from tortoise.transactions import in_transaction

from . import security, throttle
from .auth import now
from .i18n import N_, gettext
from .models import ApiToken, Role, User, WebSession
from .registration import username_problem

_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def temporary_password() -> str:
    """Like ``Xk7p-2mQt-9bFa``: easy to read out over the phone, 71 bits."""
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(3))


async def check_new_account(
    form: dict[str, str], *, by_admin: bool = False
) -> tuple[str, str, dict[str, str]]:
    """The username and full name of an account being created, and the translated
    problems with them, by field. Only an administrator may take a reserved name."""
    username = form.get("username", "").strip().lower()
    full_name = " ".join(form.get("full_name", "").split())[:200]
    errors: dict[str, str] = {}
    problem = await username_problem(username, for_staff=by_admin)
    if problem:
        errors["username"] = gettext(problem)
    if not full_name:
        errors["full_name"] = gettext(N_("Required."))
    return username, full_name, errors


async def sign_out_everywhere(user: User, keep_session_id: int | None = None) -> None:
    """End every web session and revoke every API token of ``user``; with
    ``keep_session_id``, the session making the change stays (a password change)."""
    sessions = WebSession.filter(user_id=user.id)
    if keep_session_id is not None:
        sessions = sessions.exclude(id=keep_session_id)
    await sessions.delete()
    await ApiToken.filter(user_id=user.id, revoked_at__isnull=True).update(revoked_at=now())


async def create(
    *,
    username: str,
    full_name: str,
    role: Role,
    establishment_id: int | None = None,
    police_unit_id: int | None = None,
    phone: str = "",
    email: str = "",
) -> tuple[User, str]:
    password = temporary_password()
    user = await User.create(
        username=username,
        full_name=full_name,
        password_hash=await security.hashed(password),
        role=role,
        establishment_id=establishment_id,
        police_unit_id=police_unit_id,
        phone=phone,
        email=email,
        must_change_password=True,
    )
    return user, password


async def reset_password(user: User) -> str:
    password = temporary_password()
    password_hash = await security.hashed(password)  # before the write lock
    async with in_transaction("default"):
        user.password_hash = password_hash
        user.must_change_password = True
        await user.save(update_fields=["password_hash", "must_change_password"])
        await sign_out_everywhere(user)
    return password


async def set_active(user: User, active: bool) -> None:
    async with in_transaction("default"):
        user.is_active = active
        await user.save(update_fields=["is_active"])
        if not active:
            await sign_out_everywhere(user)


async def lock(user: User, reason: str) -> None:
    async with in_transaction("default"):
        user.locked_at = now()
        user.lock_reason = reason
        await user.save(update_fields=["locked_at", "lock_reason"])
        await sign_out_everywhere(user)


async def unlock(user: User) -> None:
    user.locked_at = None
    user.lock_reason = ""
    await user.save(update_fields=["locked_at", "lock_reason"])
    await throttle.cleared(user.username)  # a temporary lock ends with it
