"""A secret key per data-sharing agreement for its pseudonymous household codes (landreg/sharing.py)."""

import django.db.models.deletion
import django.db.models.lookups
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('landreg', '0009_staff_only_administrators_and_gis'),
    ]

    operations = [
        migrations.CreateModel(
            name='PseudonymKey',
            fields=[
                ('agreement', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='pseudonym_key', serialize=False, to='landreg.datasharingagreement')),
                ('key', models.BinaryField()),
                ('created_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'verbose_name': 'pseudonym key',
                'constraints': [models.CheckConstraint(condition=django.db.models.lookups.Exact(models.Func(models.F('key'), function='octet_length'), 32), name='pseudonym_key_is_32_bytes'), models.UniqueConstraint(fields=('key',), name='pseudonym_key_is_one_agreements_only')],
            },
        ),
    ]
