from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0006_sign_in_throttle')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ReportTotals',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('level', fields.CharField(max_length=1)),
                ('place', fields.IntField()),
                ('period', fields.CharField(max_length=1)),
                ('day', fields.DateField()),
                ('counts', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
            ],
            options={'table': 'report_totals', 'app': 'models', 'unique_together': (('level', 'place', 'period', 'day'),), 'pk_attr': 'id', 'table_description': 'What the declarations received on one day (or in one month) at one place add up'},
            bases=['Model'],
        ),
    ]
