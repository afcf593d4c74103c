"""A profile's occupations keep their history (a replaced profile's earlier occupations), one event per row written,
by a trigger per statement; both tables carry the guard that history is never skipped."""

import django.db.models.deletion
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("livelihoods", "0005_match_profiles"),
        ("pghistory", "0007_auto_20250421_0444"),
    ]

    operations = [
        migrations.CreateModel(
            name="OccupationEvent",
            fields=[
                ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                ("pgh_label", models.TextField(help_text="The event label.")),
                (
                    "pgh_db_role",
                    models.TextField(
                        db_default=models.Func(output_field=models.TextField(), template="CURRENT_USER"),
                        editable=False,
                        help_text="Database role that made the change (landreg for the application).",
                    ),
                ),
                ("id", models.BigIntegerField()),
                ("years", models.DecimalField(decimal_places=1, default=0, max_digits=4)),
                (
                    "learnt_in",
                    models.CharField(
                        choices=[
                            ("iran", "Iran"),
                            ("pakistan", "Pakistan"),
                            ("afghanistan", "Afghanistan"),
                            ("other", "Another country"),
                        ],
                        max_length=12,
                    ),
                ),
            ],
            options={
                "abstract": False,
            },
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="occupation",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "livelihoods_occupationevent" ("id", "isco_code", "learnt_in", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "profile_id", "years") SELECT new_values."id", new_values."isco_code", new_values."learnt_in", _pgh_attached_context.value, NOW(), \'insert\', new_values."id", new_values."profile_id", new_values."years" FROM ( SELECT new_values.* FROM new_values  ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="b38dad0944c66fb4902696e08e2f772c945487cd",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_ae01b",
                    referencing="REFERENCING NEW TABLE AS new_values ",
                    table="livelihoods_occupation",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="occupation",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "livelihoods_occupationevent" ("id", "isco_code", "learnt_in", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "profile_id", "years") SELECT new_values."id", new_values."isco_code", new_values."learnt_in", _pgh_attached_context.value, NOW(), \'update\', new_values."id", new_values."profile_id", new_values."years" FROM ( SELECT new_values.* FROM new_values LEFT JOIN old_values ON old_values."id" = new_values."id" WHERE old_values.* IS DISTINCT FROM new_values.* ) AS new_values, _pgh_attached_context; RETURN NULL;',
                    hash="322fadcf524595a93e1a1f86200e7c723e6daa89",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_ea1b3",
                    referencing="REFERENCING OLD TABLE AS old_values  NEW TABLE AS new_values ",
                    table="livelihoods_occupation",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="occupation",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='WITH _pgh_attached_context AS ( SELECT _pgh_attach_context() AS value ) INSERT INTO "livelihoods_occupationevent" ("id", "isco_code", "learnt_in", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "profile_id", "years") SELECT old_values."id", old_values."isco_code", old_values."learnt_in", _pgh_attached_context.value, NOW(), \'delete\', old_values."id", old_values."profile_id", old_values."years" FROM ( SELECT old_values.* FROM old_values  ) AS old_values, _pgh_attached_context; RETURN NULL;',
                    hash="68b3d1ceb565d8f7c704001b5d9a1ad136769531",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_74bbb",
                    referencing="REFERENCING OLD TABLE AS old_values ",
                    table="livelihoods_occupation",
                    when="AFTER",
                ),
            ),
        ),
        migrations.AddField(
            model_name="occupationevent",
            name="isco",
            field=models.ForeignKey(
                db_column="isco_code",
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="livelihoods.iscooccupation",
            ),
        ),
        migrations.AddField(
            model_name="occupationevent",
            name="pgh_context",
            field=models.ForeignKey(
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="pghistory.context",
            ),
        ),
        migrations.AddField(
            model_name="occupationevent",
            name="pgh_obj",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="history_events",
                to="livelihoods.occupation",
            ),
        ),
        migrations.AddField(
            model_name="occupationevent",
            name="profile",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="livelihoods.skillsprofile",
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="occupationevent",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;",
                    hash="e397a9f72c7d76bb994179595cb3c65406f477b3",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_append_only_15d01",
                    table="livelihoods_occupationevent",
                    when="BEFORE",
                ),
            ),
        ),
        migrations.RunSQL(
            "SELECT landreg_guard_history('livelihoods_occupation'); "
            "SELECT landreg_guard_history('livelihoods_occupationevent');",
            reverse_sql="DROP TRIGGER IF EXISTS history_is_never_skipped ON livelihoods_occupation;",
        ),
    ]
