"""A grievance may be about a livelihood opportunity; the history triggers follow the new column, with the fixed
search path (sql/0004_opportunity_link.sql)."""

import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models

from landreg.sql_migration import run_sql_file

FIXED = run_sql_file(__file__, "0004_opportunity_link")


class Migration(migrations.Migration):
    dependencies = [
        ("grievances", "0003_open_dispute_step"),
        ("livelihoods", "0003_reference_data"),
    ]

    operations = [
        # Backwards, this runs last: after the triggers are made again without the column.
        migrations.RunSQL(sql=migrations.RunSQL.noop, reverse_sql=FIXED.reverse_sql),
        pgtrigger.migrations.RemoveTrigger(
            model_name="grievance",
            name="insert_insert",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="grievance",
            name="update_update",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="grievance",
            name="delete_delete",
        ),
        migrations.AddField(
            model_name="grievance",
            name="opportunity",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="grievances",
                to="livelihoods.opportunity",
            ),
        ),
        migrations.AddField(
            model_name="grievanceevent",
            name="opportunity",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="livelihoods.opportunity",
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="grievance",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "grievances_grievanceevent" ("acknowledge_due", "acknowledged_at", "allocation_id", "anonymous", "assigned_to_id", "category", "channel", "client_uuid", "closed_at", "consent_to_share", "description", "description_sealed", "escalation_level", "household_id", "id", "is_demo", "language", "loop_closed_at", "next_due", "opportunity_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "plot_id", "priority", "province_id", "received_at", "received_by_id", "refer_due", "reference", "referred_at", "referred_by_id", "referred_to", "resolve_due", "resolved_at", "sensitive", "shelter_project_id", "status", "township_id", "updated_at") VALUES (NEW."acknowledge_due", NEW."acknowledged_at", NEW."allocation_id", NEW."anonymous", NEW."assigned_to_id", NEW."category", NEW."channel", NEW."client_uuid", NEW."closed_at", NEW."consent_to_share", NEW."description", NEW."description_sealed", NEW."escalation_level", NEW."household_id", NEW."id", NEW."is_demo", NEW."language", NEW."loop_closed_at", NEW."next_due", NEW."opportunity_id", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."plot_id", NEW."priority", NEW."province_id", NEW."received_at", NEW."received_by_id", NEW."refer_due", NEW."reference", NEW."referred_at", NEW."referred_by_id", NEW."referred_to", NEW."resolve_due", NEW."resolved_at", NEW."sensitive", NEW."shelter_project_id", NEW."status", NEW."township_id", NEW."updated_at"); RETURN NULL;',
                    hash="32b396e427112e0b304823e28dc69fb55c4ca970",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_333a5",
                    table="grievances_grievance",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="grievance",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                    func='INSERT INTO "grievances_grievanceevent" ("acknowledge_due", "acknowledged_at", "allocation_id", "anonymous", "assigned_to_id", "category", "channel", "client_uuid", "closed_at", "consent_to_share", "description", "description_sealed", "escalation_level", "household_id", "id", "is_demo", "language", "loop_closed_at", "next_due", "opportunity_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "plot_id", "priority", "province_id", "received_at", "received_by_id", "refer_due", "reference", "referred_at", "referred_by_id", "referred_to", "resolve_due", "resolved_at", "sensitive", "shelter_project_id", "status", "township_id", "updated_at") VALUES (NEW."acknowledge_due", NEW."acknowledged_at", NEW."allocation_id", NEW."anonymous", NEW."assigned_to_id", NEW."category", NEW."channel", NEW."client_uuid", NEW."closed_at", NEW."consent_to_share", NEW."description", NEW."description_sealed", NEW."escalation_level", NEW."household_id", NEW."id", NEW."is_demo", NEW."language", NEW."loop_closed_at", NEW."next_due", NEW."opportunity_id", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."plot_id", NEW."priority", NEW."province_id", NEW."received_at", NEW."received_by_id", NEW."refer_due", NEW."reference", NEW."referred_at", NEW."referred_by_id", NEW."referred_to", NEW."resolve_due", NEW."resolved_at", NEW."sensitive", NEW."shelter_project_id", NEW."status", NEW."township_id", NEW."updated_at"); RETURN NULL;',
                    hash="4627a3135b895815419c5fac321b313258bb3840",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_8e267",
                    table="grievances_grievance",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="grievance",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "grievances_grievanceevent" ("acknowledge_due", "acknowledged_at", "allocation_id", "anonymous", "assigned_to_id", "category", "channel", "client_uuid", "closed_at", "consent_to_share", "description", "description_sealed", "escalation_level", "household_id", "id", "is_demo", "language", "loop_closed_at", "next_due", "opportunity_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "plot_id", "priority", "province_id", "received_at", "received_by_id", "refer_due", "reference", "referred_at", "referred_by_id", "referred_to", "resolve_due", "resolved_at", "sensitive", "shelter_project_id", "status", "township_id", "updated_at") VALUES (OLD."acknowledge_due", OLD."acknowledged_at", OLD."allocation_id", OLD."anonymous", OLD."assigned_to_id", OLD."category", OLD."channel", OLD."client_uuid", OLD."closed_at", OLD."consent_to_share", OLD."description", OLD."description_sealed", OLD."escalation_level", OLD."household_id", OLD."id", OLD."is_demo", OLD."language", OLD."loop_closed_at", OLD."next_due", OLD."opportunity_id", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."plot_id", OLD."priority", OLD."province_id", OLD."received_at", OLD."received_by_id", OLD."refer_due", OLD."reference", OLD."referred_at", OLD."referred_by_id", OLD."referred_to", OLD."resolve_due", OLD."resolved_at", OLD."sensitive", OLD."shelter_project_id", OLD."status", OLD."township_id", OLD."updated_at"); RETURN NULL;',
                    hash="9616a7bee78e68fbcd776fe60e4d67284cae5f25",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_0932e",
                    table="grievances_grievance",
                    when="AFTER",
                ),
            ),
        ),
        migrations.RunSQL(sql=FIXED.sql, reverse_sql=migrations.RunSQL.noop),
    ]
