"""The data-sharing agreements partners export under, with their trigger-written history."""

import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('landreg', '0007_pgtrigger_ignore_default'),
        ('parcels', '0003_imagery'),
        ('pghistory', '0007_auto_20250421_0444'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='DataSharingAgreement',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('partner_name', models.CharField(max_length=150, verbose_name='partner organisation')),
                ('purpose', models.TextField(help_text='What the partner uses the data for, as signed.', verbose_name='purpose')),
                ('reference', models.CharField(help_text="The agreement's number.", max_length=60, unique=True, verbose_name='reference')),
                ('signed_on', models.DateField(verbose_name='signed on')),
                ('valid_from', models.DateField(verbose_name='valid from')),
                ('valid_until', models.DateField(help_text='The last day exports are allowed.', verbose_name='valid until')),
                ('datasets', models.JSONField(blank=True, default=list, verbose_name='datasets shared')),
                ('household_fields', models.JSONField(blank=True, default=list, verbose_name='household fields shared')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('provinces', models.ManyToManyField(limit_choices_to={'level': 'province'}, related_name='+', to='parcels.adminarea', verbose_name='provinces covered')),
                ('users', models.ManyToManyField(help_text='Accounts with the partner role whose exports this agreement covers.', limit_choices_to={'groups__name': 'partner'}, related_name='data_sharing_agreements', to=settings.AUTH_USER_MODEL, verbose_name='partner users')),
            ],
            options={
                'verbose_name': 'data-sharing agreement',
                'verbose_name_plural': 'data-sharing agreements',
                'ordering': ['partner_name', '-valid_until'],
            },
        ),
        migrations.CreateModel(
            name='DataSharingAgreementEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('pgh_db_role', models.TextField(db_default=models.Func(output_field=models.TextField(), template='CURRENT_USER'), editable=False, help_text='Database role that made the change (landreg for the application).')),
                ('id', models.BigIntegerField()),
                ('partner_name', models.CharField(max_length=150, verbose_name='partner organisation')),
                ('purpose', models.TextField(help_text='What the partner uses the data for, as signed.', verbose_name='purpose')),
                ('reference', models.CharField(help_text="The agreement's number.", max_length=60, verbose_name='reference')),
                ('signed_on', models.DateField(verbose_name='signed on')),
                ('valid_from', models.DateField(verbose_name='valid from')),
                ('valid_until', models.DateField(help_text='The last day exports are allowed.', verbose_name='valid until')),
                ('datasets', models.JSONField(blank=True, default=list, verbose_name='datasets shared')),
                ('household_fields', models.JSONField(blank=True, default=list, verbose_name='household fields shared')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='history_events', to='landreg.datasharingagreement')),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.AddConstraint(
            model_name='datasharingagreement',
            constraint=models.CheckConstraint(condition=models.Q(('valid_until__gte', models.F('valid_from'))), name='agreement_ends_after_it_starts'),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='datasharingagreement',
            trigger=pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "landreg_datasharingagreementevent" ("created_at", "datasets", "household_fields", "id", "partner_name", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "purpose", "reference", "signed_on", "valid_from", "valid_until") VALUES (NEW."created_at", NEW."datasets", NEW."household_fields", NEW."id", NEW."partner_name", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."purpose", NEW."reference", NEW."signed_on", NEW."valid_from", NEW."valid_until"); RETURN NULL;', hash='38ac88cc4cfe060249e836b8f1ae3a8a6b6daaca', operation='INSERT', pgid='pgtrigger_insert_insert_f5ec7', table='landreg_datasharingagreement', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='datasharingagreement',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "landreg_datasharingagreementevent" ("created_at", "datasets", "household_fields", "id", "partner_name", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "purpose", "reference", "signed_on", "valid_from", "valid_until") VALUES (NEW."created_at", NEW."datasets", NEW."household_fields", NEW."id", NEW."partner_name", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."purpose", NEW."reference", NEW."signed_on", NEW."valid_from", NEW."valid_until"); RETURN NULL;', hash='d2e62133b43a7c9b91ce268ccb1ac6002de70e2e', operation='UPDATE', pgid='pgtrigger_update_update_15c3f', table='landreg_datasharingagreement', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='datasharingagreement',
            trigger=pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "landreg_datasharingagreementevent" ("created_at", "datasets", "household_fields", "id", "partner_name", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "purpose", "reference", "signed_on", "valid_from", "valid_until") VALUES (OLD."created_at", OLD."datasets", OLD."household_fields", OLD."id", OLD."partner_name", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."purpose", OLD."reference", OLD."signed_on", OLD."valid_from", OLD."valid_until"); RETURN NULL;', hash='325205e95bf0626df20d79997b989715de00fe43', operation='DELETE', pgid='pgtrigger_delete_delete_a8975', table='landreg_datasharingagreement', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='datasharingagreementevent',
            trigger=pgtrigger.compiler.Trigger(name='append_only', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;", hash='8d5165316fb88ec44692cedb29e5041cfac5d6ba', operation='UPDATE OR DELETE', pgid='pgtrigger_append_only_71f99', table='landreg_datasharingagreementevent', when='BEFORE')),
        ),
    ]
