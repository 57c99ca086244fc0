from tortoise import migrations
from tortoise.migrations import operations as ops
from server.models.establishments import EstablishmentStatus
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

APPEND_ONLY = ("audit_event", "access_log")


async def append_only_logs(apps, editor):
    """The audit and access logs refuse UPDATE and DELETE in the database itself, so no
    code path of the application (or a bug in one) can rewrite them."""
    if editor.client.capabilities.dialect == "postgres":
        script = [
            "CREATE OR REPLACE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$"
        ]
        for table in APPEND_ONLY:
            script.append(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION refuse_change()"
            )
            script.append(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION refuse_change()"
            )
    else:
        script = []
        for table in APPEND_ONLY:
            for event in ("UPDATE", "DELETE"):
                script.append(
                    f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )
    await editor.client.execute_script(";\n".join(script) + ";")


async def drop_append_only_logs(apps, editor):
    postgres = editor.client.capabilities.dialect == "postgres"
    script = []
    for table in APPEND_ONLY:
        if postgres:
            script.append(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            script.append(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        else:
            script.append(f"DROP TRIGGER IF EXISTS {table}_no_update")
            script.append(f"DROP TRIGGER IF EXISTS {table}_no_delete")
    await editor.client.execute_script(";\n".join(script) + ";")


class Migration(migrations.Migration):
    dependencies = [('models', '0004_police_console')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Feedback',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('declaration_id', fields.UUIDField()),
                ('decision_event_id', fields.BigIntField(unique=True)),
                ('establishment_id', fields.IntField()),
                ('police_unit_id', fields.IntField()),
                ('province_id', fields.IntField()),
                ('decision', fields.CharField(max_length=16)),
                ('rating', fields.SmallIntField()),
                ('comment', fields.CharField(default='', max_length=1000)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', null=True, db_constraint=True, to_field='id', related_name='feedback', on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'feedback', 'app': 'models', 'indexes': [Index(fields=['police_unit_id', 'created_at']), Index(fields=['establishment_id', 'created_at'])], 'pk_attr': 'id', 'table_description': "An establishment's rating of the police service after a decision (1–5, a comment)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RecoveryCode',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='recovery_codes', on_delete=OnDelete.CASCADE)),
                ('code_hash', fields.CharField(max_length=64)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'recovery_code', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A one-use code that stands in for the authenticator app. Stored as SHA-256.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Declaration',
            name='purged_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddIndex(
            model_name='Declaration',
            index=Index(fields=['police_unit_id', 'received_at']),
        ),
        ops.AddIndex(
            model_name='Declaration',
            index=Index(fields=['province_id', 'received_at']),
        ),
        ops.AddIndex(
            model_name='Declaration',
            index=Index(fields=['stay_status', 'departed_at']),
        ),
        ops.AddIndex(
            model_name='Declaration',
            index=Index(fields=['stay_status', 'updated_at']),
        ),
        ops.AlterField(
            model_name='Establishment',
            name='status',
            field=fields.CharEnumField(default=EstablishmentStatus.PENDING, description='PENDING: pending\nACTIVE: active\nSUSPENDED: suspended\nREJECTED: rejected', enum_type=EstablishmentStatus, max_length=16),
        ),
        ops.AddField(
            model_name='Establishment',
            name='decided_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Establishment',
            name='decided_by_id',
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name='Establishment',
            name='privacy_accepted_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Establishment',
            name='representative_birth_date',
            field=fields.DateField(null=True),
        ),
        ops.AddField(
            model_name='Establishment',
            name='representative_document',
            field=fields.CharField(default='', max_length=30),
        ),
        ops.AddField(
            model_name='Establishment',
            name='representative_name',
            field=fields.CharField(default='', max_length=200),
        ),
        ops.AddField(
            model_name='Establishment',
            name='representative_phone',
            field=fields.CharField(default='', max_length=30),
        ),
        ops.AddField(
            model_name='Establishment',
            name='status_reason',
            field=fields.CharField(default='', max_length=500),
        ),
        ops.AddField(
            model_name='User',
            name='lock_reason',
            field=fields.CharField(default='', max_length=300),
        ),
        ops.AddField(
            model_name='User',
            name='locked_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='User',
            name='must_change_password',
            field=fields.BooleanField(default=False),
        ),
        ops.AddField(
            model_name='User',
            name='totp_enabled_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='User',
            name='totp_last_step',
            field=fields.BigIntField(null=True),
        ),
        ops.AddField(
            model_name='User',
            name='totp_secret',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name='WebSession',
            name='attempts',
            field=fields.SmallIntField(default=0),
        ),
        ops.AddField(
            model_name='WebSession',
            name='pending',
            field=fields.CharField(default='', max_length=8),
        ),
        ops.RunPython(append_only_logs, drop_append_only_logs),
    ]
