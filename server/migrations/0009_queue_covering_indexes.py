"""The review queue's tabs counted, and its filters tested, from its indexes alone
(issue 18, part 6).

- The queue-order indexes end in the flags, the nationality, the establishment and the
  time received: a tab's count under those filters, and the overdue tab's, reads no row
  (PostgreSQL at a million rows: a flag tab of 34,845 counted in 0.5 ms, was 11.4), and
  a page walks the index testing them.
- The name indexes lead with the review state and end in the time received, the rank
  and the flags: each tab of a name search is its own range, and its overdue count and
  its count under a flag filter are in it too. Nationality gets indexes of the same
  shape: a nationality that few guests have is found without walking the ward.
- PostgreSQL: 0004's pattern-operator copies of the old name indexes go; the new ones
  serve the prefix as a range, under any collation (``police.queue.name_prefix``).
- SQLite: ``luutru migrate`` gathers the planner's statistics after every run
  (``db.refresh_statistics``). New indexes without them, beside old ones with them,
  misled the planner into sorting a whole ward for one page (900 ms at a million rows).
"""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

async def drop_pattern_name_indexes(apps, editor):
    if editor.client.capabilities.dialect == "postgres":
        await editor.client.execute_script(
            "DROP INDEX IF EXISTS declaration_unit_name_prefix;"
            "DROP INDEX IF EXISTS declaration_province_name_prefix"
        )


async def restore_pattern_name_indexes(apps, editor):
    if editor.client.capabilities.dialect == "postgres":
        await editor.client.execute_script(
            "CREATE INDEX IF NOT EXISTS declaration_unit_name_prefix "
            "ON declaration (police_unit_id, name_search varchar_pattern_ops, review_state);"
            "CREATE INDEX IF NOT EXISTS declaration_province_name_prefix "
            "ON declaration (province_id, name_search varchar_pattern_ops, review_state)"
        )


class Migration(migrations.Migration):
    dependencies = [('models', '0008_utc_moments')]

    initial = False

    operations = [
        ops.RunPython(drop_pattern_name_indexes, restore_pattern_name_indexes),
        ops.RemoveIndex(
            model_name='Declaration',
            name=None,
            fields=['police_unit_id', 'review_state', 'queue_rank', 'arrived_at', 'id'],
        ),
        ops.RemoveIndex(
            model_name='Declaration',
            name=None,
            fields=['province_id', 'review_state', 'queue_rank', 'arrived_at', 'id'],
        ),
        ops.RemoveIndex(
            model_name='Declaration',
            name=None,
            fields=['police_unit_id', 'queue_rank', 'arrived_at', 'id'],
        ),
        ops.RemoveIndex(
            model_name='Declaration',
            name=None,
            fields=['province_id', 'queue_rank', 'arrived_at', 'id'],
        ),
        ops.RemoveIndex(
            model_name='Declaration',
            name=None,
            fields=['police_unit_id', 'name_search', 'review_state'],
        ),
        ops.RemoveIndex(
            model_name='Declaration',
            name=None,
            fields=['province_id', 'name_search', 'review_state'],
        ),
        ops.AddIndex(
            model_name='Declaration',
            index=Index(fields=['police_unit_id', 'review_state', 'queue_rank', 'arrived_at', 'id', 'flags', 'nationality', 'establishment_id', 'received_at']),
        ),
        ops.AddIndex(
            model_name='Declaration',
            index=Index(fields=['province_id', 'review_state', 'queue_rank', 'arrived_at', 'id', 'flags', 'nationality', 'establishment_id', 'received_at']),
        ),
        ops.AddIndex(
            model_name='Declaration',
            index=Index(fields=['police_unit_id', 'queue_rank', 'arrived_at', 'id', 'flags', 'nationality', 'establishment_id', 'received_at']),
        ),
        ops.AddIndex(
            model_name='Declaration',
            index=Index(fields=['province_id', 'queue_rank', 'arrived_at', 'id', 'flags', 'nationality', 'establishment_id', 'received_at']),
        ),
        ops.AddIndex(
            model_name='Declaration',
            index=Index(fields=['police_unit_id', 'review_state', 'name_search', 'received_at', 'queue_rank', 'flags']),
        ),
        ops.AddIndex(
            model_name='Declaration',
            index=Index(fields=['province_id', 'review_state', 'name_search', 'received_at', 'queue_rank', 'flags']),
        ),
        ops.AddIndex(
            model_name='Declaration',
            index=Index(fields=['police_unit_id', 'review_state', 'nationality', 'received_at']),
        ),
        ops.AddIndex(
            model_name='Declaration',
            index=Index(fields=['province_id', 'review_state', 'nationality', 'received_at']),
        ),
    ]
