from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0002_declarations')]

    initial = False

    operations = [
        ops.RemoveIndex(
            model_name='Declaration',
            name=None,
            fields=['police_unit_id', 'review_state', 'arrived_at'],
        ),
        ops.RemoveIndex(
            model_name='Declaration',
            name=None,
            fields=['province_id', 'review_state', 'arrived_at'],
        ),
        ops.AddField(
            model_name='Declaration',
            name='flags',
            field=fields.CharField(default=' ', max_length=300),
        ),
        ops.AddField(
            model_name='Declaration',
            name='queue_rank',
            field=fields.SmallIntField(default=1),
        ),
        ops.AddField(
            model_name='Declaration',
            name='reviewed_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Declaration',
            name='reviewed_by',
            field=fields.ForeignKeyField('models.User', source_field='reviewed_by_id', null=True, db_constraint=True, to_field='id', related_name='reviews', on_delete=OnDelete.SET_NULL),
        ),
        ops.AddIndex(
            model_name='Declaration',
            index=Index(fields=['police_unit_id', 'review_state', 'queue_rank', 'arrived_at', 'id']),
        ),
        ops.AddIndex(
            model_name='Declaration',
            index=Index(fields=['province_id', 'review_state', 'queue_rank', 'arrived_at', 'id']),
        ),
    ]
