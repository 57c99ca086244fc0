"""A common name prefix tested from the queue's indexes (issue 18, part 6).

The four queue-order indexes also hold the name, last. A name that many guests share
("mu" in a city ward) is tested on each row walked in the queue's order
(``police.queue.rows_page``): the walk now reads no row until a page is found. On
PostgreSQL at a million rows, "mu" with the "late" flag had ANDed the name's range with
every flagged row and sorted them (16 ms); walked, 0.3 ms.

PostgreSQL: 0004's pattern-operator index of every name in the country goes. Every name
search names its range (``police.queue.name_prefix``), which the plain name index serves
under any collation; and the planner, which guesses a prefix's share a hundred times too
small, took it over the jurisdiction's name index for a ward's count (2 ms against 0.1).
"""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index


async def drop_pattern_name_index(apps, editor):
    if editor.client.capabilities.dialect == "postgres":
        await editor.client.execute_script("DROP INDEX IF EXISTS declaration_name_prefix")


async def restore_pattern_name_index(apps, editor):
    if editor.client.capabilities.dialect == "postgres":
        await editor.client.execute_script(
            "CREATE INDEX IF NOT EXISTS declaration_name_prefix "
            "ON declaration (name_search varchar_pattern_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [('models', '0009_queue_covering_indexes')]

    initial = False

    operations = [
        ops.RunPython(drop_pattern_name_index, restore_pattern_name_index),
        ops.RemoveIndex(
            model_name='Declaration',
            name=None,
            fields=['police_unit_id', 'review_state', 'queue_rank', 'arrived_at', 'id', 'flags', 'nationality', 'establishment_id', 'received_at'],
        ),
        ops.RemoveIndex(
            model_name='Declaration',
            name=None,
            fields=['province_id', 'review_state', 'queue_rank', 'arrived_at', 'id', 'flags', 'nationality', 'establishment_id', 'received_at'],
        ),
        ops.RemoveIndex(
            model_name='Declaration',
            name=None,
            fields=['police_unit_id', 'queue_rank', 'arrived_at', 'id', 'flags', 'nationality', 'establishment_id', 'received_at'],
        ),
        ops.RemoveIndex(
            model_name='Declaration',
            name=None,
            fields=['province_id', 'queue_rank', 'arrived_at', 'id', 'flags', 'nationality', 'establishment_id', 'received_at'],
        ),
        ops.AddIndex(
            model_name='Declaration',
            index=Index(fields=['police_unit_id', 'review_state', 'queue_rank', 'arrived_at', 'id', 'flags', 'nationality', 'establishment_id', 'received_at', 'name_search']),
        ),
        ops.AddIndex(
            model_name='Declaration',
            index=Index(fields=['province_id', 'review_state', 'queue_rank', 'arrived_at', 'id', 'flags', 'nationality', 'establishment_id', 'received_at', 'name_search']),
        ),
        ops.AddIndex(
            model_name='Declaration',
            index=Index(fields=['police_unit_id', 'queue_rank', 'arrived_at', 'id', 'flags', 'nationality', 'establishment_id', 'received_at', 'name_search']),
        ),
        ops.AddIndex(
            model_name='Declaration',
            index=Index(fields=['province_id', 'queue_rank', 'arrived_at', 'id', 'flags', 'nationality', 'establishment_id', 'received_at', 'name_search']),
        ),
    ]
