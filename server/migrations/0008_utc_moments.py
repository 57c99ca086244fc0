"""SQLite: every stored moment in UTC (see ``db._utc_text``).

Before, a moment kept the offset it arrived with (a phone's arrival time in +07:00, the
server's clock in +00:00). SQLite compares them as text, so range filters over mixed
offsets were off by up to seven hours. This rewrites each one that is not in UTC; on
PostgreSQL (timestamptz) there is nothing to do."""

from datetime import UTC, datetime
from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops


# The moment columns as of this migration (a later model must not change what it rewrites).
# Not audit_event.at nor access_log.at: those tables refuse UPDATE, and only ever held the
# server's clock in UTC.
COLUMNS = {
    "api_token": ("created_at", "expires_at", "last_used_at", "revoked_at"),
    "declaration": (
        "declared_at", "arrived_at", "received_at", "reviewed_at", "departed_at", "purged_at",
        "updated_at",
    ),
    "declaration_event": ("at",),
    "declaration_revision": ("created_at",),
    "establishment": ("privacy_accepted_at", "decided_at", "created_at", "updated_at"),
    "feedback": ("created_at",),
    "recovery_code": ("used_at",),
    "sign_in_throttle": ("window_started_at", "locked_until"),
    "app_user": ("created_at", "last_login_at", "locked_at", "totp_enabled_at"),
    "watch_entry": ("created_at", "removed_at"),
    "web_session": ("created_at", "last_seen_at", "expires_at"),
}  # fmt: skip


async def to_utc(apps: Any, schema_editor: Any) -> None:
    client = schema_editor.client
    if client.capabilities.dialect != "sqlite":
        return
    for table, column in ((t, c) for t, columns in COLUMNS.items() for c in columns):
        _, rows = await client.execute_query(
            f'SELECT rowid, "{column}" FROM "{table}" '  # noqa: S608 — names from the list above
            f"WHERE \"{column}\" IS NOT NULL AND \"{column}\" NOT LIKE '%+00:00'"
        )
        changed = []
        for rowid, value in (tuple(r) for r in rows):
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is not None:
                changed.append([moment.astimezone(UTC).isoformat(" "), rowid])
        if changed:
            await client.execute_many(
                f'UPDATE "{table}" SET "{column}" = ? WHERE rowid = ?',  # noqa: S608
                changed,
            )


class Migration(migrations.Migration):
    dependencies = [("models", "0007_report_totals")]

    initial = False

    operations = [ops.RunPython(to_utc, ops.RunPython.noop)]
