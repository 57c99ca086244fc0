from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from server.models.declarations import ReviewState, StayStatus
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ChangeCounter',
            fields=[
                ('id', fields.IntField(primary_key=True, generated=False, unique=True, db_index=True)),
                ('value', fields.BigIntField(default=0)),
            ],
            options={'table': 'change_counter', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One row: the last position handed out in the change feed. Taking numbers with'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Declaration',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('establishment', fields.ForeignKeyField('models.Establishment', source_field='establishment_id', db_constraint=True, to_field='id', related_name='declarations', on_delete=OnDelete.RESTRICT)),
                ('police_unit_id', fields.IntField()),
                ('province_id', fields.IntField()),
                ('receipt_number', fields.CharField(unique=True, max_length=16)),
                ('content_hash', fields.CharField(max_length=64)),
                ('full_name', fields.CharField(max_length=100)),
                ('name_search', fields.CharField(max_length=100)),
                ('sex', fields.CharField(max_length=1)),
                ('date_of_birth', fields.CharField(max_length=10)),
                ('nationality', fields.CharField(max_length=3)),
                ('document_type', fields.CharField(max_length=24)),
                ('document_number', fields.CharField(max_length=20)),
                ('document_expiry', fields.DateField()),
                ('entry_kind', fields.CharField(max_length=32)),
                ('visa_category', fields.CharField(null=True, max_length=4)),
                ('entry_document_number', fields.CharField(null=True, max_length=20)),
                ('entry_document_issued_on', fields.DateField(null=True)),
                ('stay_permitted_until', fields.DateField(null=True)),
                ('entry_date', fields.DateField()),
                ('entry_port', fields.CharField(max_length=20)),
                ('purpose', fields.CharField(max_length=24)),
                ('arrived_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expected_departure', fields.DateField()),
                ('room', fields.CharField(null=True, max_length=20)),
                ('phone', fields.CharField(null=True, max_length=20)),
                ('email', fields.CharField(null=True, max_length=254)),
                ('party_id', fields.CharField(null=True, max_length=64)),
                ('party_leader', fields.BooleanField(default=False)),
                ('guardian_id', fields.UUIDField(null=True)),
                ('relationship', fields.CharField(null=True, max_length=16)),
                ('mrz', fields.CharField(null=True, max_length=200)),
                ('declared_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('clock_skew_seconds', fields.IntField()),
                ('warnings', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('stay_status', fields.CharEnumField(default=StayStatus.IN_HOUSE, description='IN_HOUSE: in_house\nCHECKED_OUT: checked_out\nCANCELLED: cancelled', enum_type=StayStatus, max_length=16)),
                ('review_state', fields.CharEnumField(default=ReviewState.NEW, description='NEW: new\nCONFIRMED: confirmed\nRETURNED: returned\nESCALATED: escalated', enum_type=ReviewState, max_length=16)),
                ('review_reason', fields.CharField(null=True, max_length=500)),
                ('departed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('cancel_reason', fields.CharField(null=True, max_length=500)),
                ('revision', fields.IntField(default=1)),
                ('version', fields.IntField(default=1)),
                ('change_seq', fields.BigIntField(db_index=True)),
                ('created_by', fields.ForeignKeyField('models.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='declarations', on_delete=OnDelete.SET_NULL)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'declaration', 'app': 'models', 'indexes': [Index(fields=['establishment_id', 'change_seq']), Index(fields=['document_number', 'stay_status']), Index(fields=['police_unit_id', 'review_state', 'arrived_at']), Index(fields=['province_id', 'review_state', 'arrived_at']), Index(fields=['name_search'])], 'pk_attr': 'id', 'table_description': "One guest's stay at one establishment. The primary key is the client's UUID, which"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DeclarationEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('declaration', fields.ForeignKeyField('models.Declaration', source_field='declaration_id', db_constraint=True, to_field='id', related_name='events', on_delete=OnDelete.CASCADE)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', null=True, db_constraint=True, to_field='id', related_name='declaration_events', on_delete=OnDelete.SET_NULL)),
                ('action', fields.CharField(max_length=24)),
                ('from_state', fields.CharField(default='', max_length=16)),
                ('to_state', fields.CharField(default='', max_length=16)),
                ('ip', fields.CharField(default='', max_length=64)),
                ('detail', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
            ],
            options={'table': 'declaration_event', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Who did what to a declaration, when, and from where. Append-only.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DeclarationRevision',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('declaration', fields.ForeignKeyField('models.Declaration', source_field='declaration_id', db_constraint=True, to_field='id', related_name='revisions', on_delete=OnDelete.CASCADE)),
                ('number', fields.IntField()),
                ('data', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('content_hash', fields.CharField(max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', null=True, db_constraint=True, to_field='id', related_name='revisions', on_delete=OnDelete.SET_NULL)),
                ('ip', fields.CharField(default='', max_length=64)),
            ],
            options={'table': 'declaration_revision', 'app': 'models', 'unique_together': (('declaration_id', 'number'),), 'pk_attr': 'id', 'table_description': 'The content of a declaration as sent, one row per version (first one included).'},
            bases=['Model'],
        ),
        # The change feed's single counter row (see models.declarations.ChangeCounter).
    ops.RunSQL(
        "INSERT INTO change_counter (id, value) VALUES (1, 0)",
        reverse_sql="DELETE FROM change_counter WHERE id = 1",
    ),
    ]
