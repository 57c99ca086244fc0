from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from server.models.accounts import Role
from server.models.establishments import EstablishmentKind, EstablishmentStatus
from server.models.geo import UnitKind
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Province',
            fields=[
                ('code', fields.IntField(primary_key=True, generated=False, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=100)),
                ('codename', fields.CharField(max_length=100)),
                ('division_type', fields.CharField(max_length=40)),
            ],
            options={'table': 'province', 'app': 'models', 'pk_attr': 'code'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Ward',
            fields=[
                ('code', fields.IntField(primary_key=True, generated=False, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=100)),
                ('codename', fields.CharField(max_length=100)),
                ('division_type', fields.CharField(max_length=40)),
                ('province', fields.ForeignKeyField('models.Province', source_field='province_id', db_constraint=True, to_field='code', related_name='wards', on_delete=OnDelete.RESTRICT)),
                ('remote_area', fields.BooleanField(default=False)),
            ],
            options={'table': 'ward', 'app': 'models', 'pk_attr': 'code'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PoliceUnit',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=32)),
                ('kind', fields.CharEnumField(description='MINISTRY: ministry\nPROVINCE: province\nIMMIGRATION: immigration\nWARD: ward', enum_type=UnitKind, max_length=16)),
                ('name_vi', fields.CharField(max_length=200)),
                ('name_en', fields.CharField(max_length=200)),
                ('parent', fields.ForeignKeyField('models.PoliceUnit', source_field='parent_id', null=True, db_constraint=True, to_field='id', related_name='children', on_delete=OnDelete.RESTRICT)),
                ('province', fields.ForeignKeyField('models.Province', source_field='province_id', null=True, db_constraint=True, to_field='code', related_name='police_units', on_delete=OnDelete.RESTRICT)),
                ('ward', fields.ForeignKeyField('models.Ward', source_field='ward_id', null=True, db_constraint=True, to_field='code', related_name='police_units', on_delete=OnDelete.RESTRICT)),
                ('is_active', fields.BooleanField(default=True)),
            ],
            options={'table': 'police_unit', 'app': 'models', 'indexes': [Index(fields=['kind', 'province_id'])], 'pk_attr': 'id', 'table_description': 'A node of the police tree: Ministry → province police (+ PA08) → commune/ward police.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Establishment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=200)),
                ('kind', fields.CharEnumField(description='HOTEL: hotel\nGUESTHOUSE: guesthouse\nHOMESTAY: homestay\nAPARTMENT: apartment\nRENTED_HOUSE: rented_house\nOTHER: other', enum_type=EstablishmentKind, max_length=16)),
                ('licence_number', fields.CharField(max_length=50)),
                ('province', fields.ForeignKeyField('models.Province', source_field='province_id', db_constraint=True, to_field='code', related_name='establishments', on_delete=OnDelete.RESTRICT)),
                ('ward', fields.ForeignKeyField('models.Ward', source_field='ward_id', db_constraint=True, to_field='code', related_name='establishments', on_delete=OnDelete.RESTRICT)),
                ('street', fields.CharField(max_length=300)),
                ('phone', fields.CharField(max_length=30)),
                ('email', fields.CharField(default='', max_length=254)),
                ('police_unit', fields.ForeignKeyField('models.PoliceUnit', source_field='police_unit_id', db_constraint=True, to_field='id', related_name='establishments', on_delete=OnDelete.RESTRICT)),
                ('remote_area', fields.BooleanField(default=False)),
                ('status', fields.CharEnumField(default=EstablishmentStatus.PENDING, description='PENDING: pending\nACTIVE: active\nSUSPENDED: suspended', enum_type=EstablishmentStatus, max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'establishment', 'app': 'models', 'indexes': [Index(fields=['police_unit_id', 'status']), Index(fields=['province_id', 'status'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='User',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('username', fields.CharField(unique=True, max_length=64)),
                ('full_name', fields.CharField(max_length=200)),
                ('password_hash', fields.CharField(max_length=255)),
                ('role', fields.CharEnumField(description='OWNER: owner\nSTAFF: staff\nPOLICE_OFFICER: police_officer\nPOLICE_SUPERVISOR: police_supervisor\nIMMIGRATION_OFFICER: immigration_officer\nADMIN: admin', enum_type=Role, max_length=24)),
                ('establishment', fields.ForeignKeyField('models.Establishment', source_field='establishment_id', null=True, db_constraint=True, to_field='id', related_name='users', on_delete=OnDelete.RESTRICT)),
                ('police_unit', fields.ForeignKeyField('models.PoliceUnit', source_field='police_unit_id', null=True, db_constraint=True, to_field='id', related_name='users', on_delete=OnDelete.RESTRICT)),
                ('email', fields.CharField(default='', max_length=254)),
                ('phone', fields.CharField(default='', max_length=30)),
                ('language', fields.CharField(null=True, max_length=8)),
                ('is_active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('last_login_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'app_user', 'app': 'models', 'pk_attr': 'id', 'table_description': 'The account of one person. It belongs to exactly one establishment or one police unit.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ApiToken',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='tokens', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=100)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('prefix', fields.CharField(max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'api_token', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A bearer token. Only its SHA-256 is stored: the secret is shown once, at creation.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AuditEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', null=True, db_constraint=True, to_field='id', related_name='audit_events', on_delete=OnDelete.SET_NULL)),
                ('action', fields.CharField(max_length=64)),
                ('target', fields.CharField(default='', max_length=200)),
                ('ip', fields.CharField(default='', max_length=64)),
                ('detail', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
            ],
            options={'table': 'audit_event', 'app': 'models', 'indexes': [Index(fields=['action', 'at'])], 'pk_attr': 'id', 'table_description': 'Append-only record of security-relevant actions (sign-ins, tokens, account changes).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WebSession',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key_hash', fields.CharField(unique=True, max_length=64)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='sessions', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('last_seen_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ip', fields.CharField(default='', max_length=64)),
                ('user_agent', fields.CharField(default='', max_length=300)),
            ],
            options={'table': 'web_session', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A signed-in browser. The cookie holds a random key, the table holds its SHA-256.'},
            bases=['Model'],
        ),
    ]
