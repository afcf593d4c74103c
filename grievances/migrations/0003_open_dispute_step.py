"""A grievance's land dispute opened after it was recorded: the step open_dispute (sql/0003_open_dispute_step.sql)."""

from django.db import migrations, models

from landreg.sql_migration import run_sql_file


class Migration(migrations.Migration):
    dependencies = [
        ("grievances", "0002_grievance_rules"),
    ]

    operations = [
        migrations.AlterField(
            model_name="grievancestep",
            name="action",
            field=models.CharField(
                choices=[
                    ("receive", "Received"),
                    ("acknowledge", "Acknowledged"),
                    ("review", "Put under review"),
                    ("refer", "Referred"),
                    ("resolve", "Resolved"),
                    ("close", "Closed"),
                    ("close_loop", "Complainant told the outcome"),
                    ("assign", "Assigned"),
                    ("escalate", "Escalated (overdue)"),
                    ("open_dispute", "Land dispute opened on the plot"),
                    ("decide_dispute", "Land dispute decided"),
                    ("decide_appeal", "Appeal decided"),
                    ("check_appeal", "Appeal decision checked"),
                ],
                max_length=16,
            ),
        ),
        run_sql_file(__file__, "0003_open_dispute_step"),
    ]
