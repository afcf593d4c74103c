"""The history of blocks and plots written by one trigger call per statement, from its transition table
(landreg.history.track_history(per_statement=True)): the same events, one INSERT … SELECT for a bulk write. And
the plot set check's township test with the township prepared once (sql/0015_plot_set_violations_prepared.sql)."""

from pathlib import Path

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations

from landreg.sql_migration import run_sql_file

# Run after the triggers are made, and (backwards) after the per-row ones are made again.
FIXED_SEARCH_PATH = (Path(__file__).resolve().parent.parent / "sql" / "0015_history_per_statement.sql").read_text()


class Migration(migrations.Migration):
    dependencies = [
        ("townships", "0014_plot_rules_as_a_set"),
    ]

    operations = [
        migrations.RunSQL(sql=migrations.RunSQL.noop, reverse_sql=FIXED_SEARCH_PATH),
        pgtrigger.migrations.RemoveTrigger(
            model_name="block",
            name="insert_insert",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="block",
            name="update_update",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="block",
            name="delete_delete",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="plot",
            name="insert_insert",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="plot",
            name="update_update",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="plot",
            name="delete_delete",
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="block",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "townships_blockevent" ("code", "created_at", "geom", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "township_id", "updated_at") SELECT new_values."code", new_values."created_at", new_values."geom", new_values."id", _pgh_attached_context.value, NOW(), \'insert\', new_values."id", new_values."township_id", new_values."updated_at" FROM ( SELECT new_values.* FROM new_values  ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="61c3c3645cd07cd7697a270cfc01f806953a6ad8",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_27af8",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="townships_block",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="block",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "townships_blockevent" ("code", "created_at", "geom", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "township_id", "updated_at") SELECT new_values."code", new_values."created_at", new_values."geom", new_values."id", _pgh_attached_context.value, NOW(), \'update\', new_values."id", new_values."township_id", new_values."updated_at" FROM ( SELECT new_values.* FROM new_values LEFT JOIN old_values ON old_values."id" = new_values."id" WHERE old_values.* IS DISTINCT FROM new_values.* ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="ab189e2cca479bdd9421e4f92a69ce9411237910",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_e0afd",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="townships_block",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="block",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "townships_blockevent" ("code", "created_at", "geom", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "township_id", "updated_at") SELECT old_values."code", old_values."created_at", old_values."geom", old_values."id", _pgh_attached_context.value, NOW(), \'delete\', old_values."id", old_values."township_id", old_values."updated_at" FROM ( SELECT old_values.* FROM old_values  ) AS old_values, _pgh_attached_context; RETURN NULL;',
                    hash="690728048bda8b7c99fb9503903201db437ab711",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_3e64e",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="townships_block",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="plot",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "townships_plotevent" ("area_m2", "block_id", "created_at", "geom", "id", "number", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "status", "township_id", "updated_at", "use") SELECT new_values."area_m2", new_values."block_id", new_values."created_at", new_values."geom", new_values."id", new_values."number", _pgh_attached_context.value, NOW(), \'insert\', new_values."id", new_values."status", new_values."township_id", new_values."updated_at", new_values."use" FROM ( SELECT new_values.* FROM new_values  ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="9fc03935a6020237e0da20289d9252e516459b34",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_060e7",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="townships_plot",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="plot",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "townships_plotevent" ("area_m2", "block_id", "created_at", "geom", "id", "number", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "status", "township_id", "updated_at", "use") SELECT new_values."area_m2", new_values."block_id", new_values."created_at", new_values."geom", new_values."id", new_values."number", _pgh_attached_context.value, NOW(), \'update\', new_values."id", new_values."status", new_values."township_id", new_values."updated_at", new_values."use" FROM ( SELECT new_values.* FROM new_values LEFT JOIN old_values ON old_values."id" = new_values."id" WHERE old_values.* IS DISTINCT FROM new_values.* ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="ac818b786f2811189b33c4b5d9e50aa2f201e768",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_815bf",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="townships_plot",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="plot",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "townships_plotevent" ("area_m2", "block_id", "created_at", "geom", "id", "number", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "status", "township_id", "updated_at", "use") SELECT old_values."area_m2", old_values."block_id", old_values."created_at", old_values."geom", old_values."id", old_values."number", _pgh_attached_context.value, NOW(), \'delete\', old_values."id", old_values."status", old_values."township_id", old_values."updated_at", old_values."use" FROM ( SELECT old_values.* FROM old_values  ) AS old_values, _pgh_attached_context; RETURN NULL;',
                    hash="7ccbd9963a06a7702cc1acd58de461d1b552f199",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_9e6f2",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="townships_plot",
                    when="AFTER",
                ),
            ),
        ),
        run_sql_file(__file__, "0015_plot_set_violations_prepared"),
        migrations.RunSQL(sql=FIXED_SEARCH_PATH, reverse_sql=migrations.RunSQL.noop),
    ]
