"""A common name prefix tested from the queue's indexes (issue 18, part 6).

The four queue-order indexes also hold the name, last. A name that many guests share
("mu" in a city ward) is tested on each row walked in the queue's order
(``police.queue.rows_page``): the walk now reads no row until a page is found. On
PostgreSQL at a million rows, "mu" with the "late" flag had ANDed the name's range with
every flagged row and sorted them (16 ms); walked, 0.3 ms.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0009_queue_covering_indexes')]

    initial = False

    operations = [
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
