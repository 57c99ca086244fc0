from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

async def name_prefix_index(apps, editor):
    """PostgreSQL: an index that serves ``LIKE 'prefix%'`` whatever the database's
    collation (SQLite uses the plain index, with ``case_sensitive_like`` on)."""
    if editor.client.capabilities.dialect == "postgres":
        await editor.client.execute_script(
            "CREATE INDEX IF NOT EXISTS declaration_name_prefix "
            "ON declaration (name_search varchar_pattern_ops);"
            "CREATE INDEX IF NOT EXISTS declaration_unit_name_prefix "
            "ON declaration (police_unit_id, name_search varchar_pattern_ops, review_state);"
            "CREATE INDEX IF NOT EXISTS declaration_province_name_prefix "
            "ON declaration (province_id, name_search varchar_pattern_ops, review_state)"
        )


async def drop_name_prefix_index(apps, editor):
    if editor.client.capabilities.dialect == "postgres":
        await editor.client.execute_script(
            "DROP INDEX IF EXISTS declaration_name_prefix;"
            "DROP INDEX IF EXISTS declaration_unit_name_prefix;"
            "DROP INDEX IF EXISTS declaration_province_name_prefix"
        )


class Migration(migrations.Migration):
    dependencies = [('models', '0003_review_queue')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AccessLog',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', null=True, db_constraint=True, to_field='id', related_name='accesses', on_delete=OnDelete.SET_NULL)),
                ('police_unit_id', fields.IntField(null=True)),
                ('province_id', fields.IntField(null=True)),
                ('action', fields.CharField(max_length=16)),
                ('target', fields.CharField(default='', max_length=200)),
                ('detail', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('ip', fields.CharField(default='', max_length=64)),
            ],
            options={'table': 'access_log', 'app': 'models', 'indexes': [Index(fields=['police_unit_id', 'id']), Index(fields=['province_id', 'id'])], 'pk_attr': 'id', 'table_description': "Every view of a guest's personal data, search and export by a police user."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WatchEntry',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('police_unit', fields.ForeignKeyField('models.PoliceUnit', source_field='police_unit_id', db_constraint=True, to_field='id', related_name='watch_entries', on_delete=OnDelete.RESTRICT)),
                ('document_number', fields.CharField(null=True, db_index=True, max_length=20)),
                ('nationality', fields.CharField(null=True, max_length=3)),
                ('full_name', fields.CharField(default='', max_length=100)),
                ('name_search', fields.CharField(null=True, db_index=True, max_length=100)),
                ('date_of_birth', fields.CharField(null=True, max_length=10)),
                ('reason', fields.CharField(max_length=500)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='watch_entries', on_delete=OnDelete.SET_NULL)),
                ('removed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('removed_by', fields.ForeignKeyField('models.User', source_field='removed_by_id', null=True, db_constraint=True, to_field='id', related_name='watch_removals', on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'watch_entry', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A person the police want to be told about when they check in.'},
            bases=['Model'],
        ),
        ops.AddIndex(
            model_name='Declaration',
            index=Index(fields=['establishment_id', 'received_at']),
        ),
        ops.AddIndex(
            model_name='Declaration',
            index=Index(fields=['establishment_id', 'party_id']),
        ),
        ops.AddIndex(
            model_name='Declaration',
            index=Index(fields=['guardian_id']),
        ),
        ops.AddIndex(
            model_name='Declaration',
            index=Index(fields=['police_unit_id', 'queue_rank', 'arrived_at', 'id']),
        ),
        ops.AddIndex(
            model_name='Declaration',
            index=Index(fields=['province_id', 'queue_rank', 'arrived_at', 'id']),
        ),
        ops.AddIndex(
            model_name='Declaration',
            index=Index(fields=['police_unit_id', 'review_state', 'received_at']),
        ),
        ops.AddIndex(
            model_name='Declaration',
            index=Index(fields=['province_id', 'review_state', 'received_at']),
        ),
        ops.AddIndex(
            model_name='Declaration',
            index=Index(fields=['police_unit_id', 'name_search', 'review_state']),
        ),
        ops.AddIndex(
            model_name='Declaration',
            index=Index(fields=['province_id', 'name_search', 'review_state']),
        ),
        ops.RunPython(name_prefix_index, drop_name_prefix_index),
        ops.AddField(
            model_name='PoliceUnit',
            name='review_target_hours',
            field=fields.IntField(default=24),
        ),
    ]
