"""SQLite: every stored moment in UTC (see ``db._utc_text``).

Before, a moment kept the offset it arrived with (a phone's arrival time in +07:00, the
server's clock in +00:00). SQLite compares them as text, so range filters over mixed
offsets were off by up to seven hours. This rewrites each one that is not in UTC; on
PostgreSQL (timestamptz) there is nothing to do."""

from datetime import UTC, datetime
from typing import Any

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


def _columns() -> list[tuple[str, str]]:
    from server import models

    found = []
    for name in models.__all__:
        model = getattr(models, name)
        meta = getattr(model, "_meta", None)
        if meta is None or not getattr(meta, "db_table", ""):
            continue
        for field in meta.fields_map.values():
            if isinstance(field, fields.DatetimeField):
                found.append((meta.db_table, field.source_field or field.model_field_name))
    return found


async def to_utc(apps: Any, schema_editor: Any) -> None:
    client = schema_editor.client
    if client.capabilities.dialect != "sqlite":
        return
    for table, column in _columns():
        _, rows = await client.execute_query(
            f'SELECT rowid, "{column}" FROM "{table}" '  # noqa: S608 — names from the models
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
