"""Accounts, their API tokens and web sessions, and the audit trail of what they did."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from .establishments import Establishment
from .geo import PoliceUnit


class Role(StrEnum):
    OWNER = "owner"
    STAFF = "staff"
    POLICE_OFFICER = "police_officer"
    POLICE_SUPERVISOR = "police_supervisor"
    IMMIGRATION_OFFICER = "immigration_officer"
    ADMIN = "admin"

    @property
    def is_hotel(self) -> bool:
        return self in (Role.OWNER, Role.STAFF)

    @property
    def is_police(self) -> bool:
        return self in (Role.POLICE_OFFICER, Role.POLICE_SUPERVISOR, Role.IMMIGRATION_OFFICER)

    @property
    def is_supervisor(self) -> bool:
        """Manages the watch list and review targets, reads the access log."""
        return self in (Role.POLICE_SUPERVISOR, Role.IMMIGRATION_OFFICER)


HOTEL_ROLES = (Role.OWNER, Role.STAFF)
POLICE_ROLES = (Role.POLICE_OFFICER, Role.POLICE_SUPERVISOR, Role.IMMIGRATION_OFFICER)
# Who manages the watch list and review targets and reads the access log: a unit's
# supervisors, and the province immigration division (PA08), which oversees every ward.
SUPERVISOR_ROLES = tuple(role for role in Role if role.is_supervisor)


class User(Model):
    """The account of one person. It belongs to exactly one establishment or one police unit."""

    id = fields.IntField(primary_key=True)
    username = fields.CharField(max_length=64, unique=True)
    full_name = fields.CharField(max_length=200)
    password_hash = fields.CharField(max_length=255)
    role = fields.CharEnumField(Role, max_length=24)
    establishment: fields.ForeignKeyNullableRelation[Establishment] = fields.ForeignKeyField(
        "models.Establishment", related_name="users", null=True, on_delete=fields.RESTRICT
    )
    police_unit: fields.ForeignKeyNullableRelation[PoliceUnit] = fields.ForeignKeyField(
        "models.PoliceUnit", related_name="users", null=True, on_delete=fields.RESTRICT
    )
    email = fields.CharField(max_length=254, default="")
    phone = fields.CharField(max_length=30, default="")
    language = fields.CharField(max_length=8, null=True)
    is_active = fields.BooleanField(default=True)  # the owner (or an admin) disabled it
    created_at = fields.DatetimeField(auto_now_add=True)
    last_login_at = fields.DatetimeField(null=True)
    # Locked by an administrator: no sign-in until an administrator unlocks it.
    locked_at = fields.DatetimeField(null=True)
    lock_reason = fields.CharField(max_length=300, default="")
    # Set by a password reset: the next sign-in must choose a new password first.
    must_change_password = fields.BooleanField(default=False)
    # Two-factor sign-in (RFC 6238 TOTP). The secret must be readable to check codes;
    # the last accepted time step stops a code being used twice.
    totp_secret = fields.CharField(max_length=64, null=True)
    totp_enabled_at = fields.DatetimeField(null=True)
    totp_last_step = fields.BigIntField(null=True)

    establishment_id: int | None
    police_unit_id: int | None

    class Meta:
        table = "app_user"
        ordering = ["username"]


class ApiToken(Model):
    """A bearer token. Only its SHA-256 is stored: the secret is shown once, at creation."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="tokens", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=100)
    token_hash = fields.CharField(max_length=64, unique=True)
    prefix = fields.CharField(max_length=16)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    user_id: int

    class Meta:
        table = "api_token"
        ordering = ["-id"]


class WebSession(Model):
    """A signed-in browser. The cookie holds a random key, the table holds its SHA-256."""

    id = fields.IntField(primary_key=True)
    key_hash = fields.CharField(max_length=64, unique=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="sessions", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    last_seen_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    ip = fields.CharField(max_length=64, default="")
    user_agent = fields.CharField(max_length=300, default="")
    # "" a full session; "code" waits for the second factor; "enrol" must set it up first.
    # A session with a pending step signs nobody in (see auth._user_from_session).
    pending = fields.CharField(max_length=8, default="")
    attempts = fields.SmallIntField(default=0)

    user_id: int

    class Meta:
        table = "web_session"


class RecoveryCode(Model):
    """A one-use code that stands in for the authenticator app. Stored as SHA-256."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="recovery_codes", on_delete=fields.CASCADE
    )
    code_hash = fields.CharField(max_length=64)
    used_at = fields.DatetimeField(null=True)

    user_id: int

    class Meta:
        table = "recovery_code"


class AuditEvent(Model):
    """Append-only record of security-relevant actions (sign-ins, tokens, account changes)."""

    id = fields.BigIntField(primary_key=True)
    at = fields.DatetimeField(auto_now_add=True)
    user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="audit_events", null=True, on_delete=fields.SET_NULL
    )
    action = fields.CharField(max_length=64)
    target = fields.CharField(max_length=200, default="")
    ip = fields.CharField(max_length=64, default="")
    detail: dict[str, Any] = fields.JSONField(default=dict)

    user_id: int | None

    class Meta:
        table = "audit_event"
        ordering = ["-id"]
        indexes = (("action", "at"),)


class SignInThrottle(Model):
    """Recent failed sign-ins of one username (``user:NAME``) or one address (``ip:ADDR``),
    and until when further attempts are refused. In the database so that every server
    process counts the same failures."""

    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=200, unique=True)
    failures = fields.IntField(default=0)
    window_started_at = fields.DatetimeField()
    locked_until = fields.DatetimeField(null=True)

    class Meta:
        table = "sign_in_throttle"
