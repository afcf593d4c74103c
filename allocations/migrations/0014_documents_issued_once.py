"""A letter or deed is issued once and printed in any language: re-issues name what they supersede and why, and
every print is logged (sql/0014_documents_issued_once.sql, which also links the documents issued before)."""

import django.db.models.deletion
import django.db.models.functions.datetime
from django.conf import settings
from django.db import migrations, models
from django.db.models import Q

from landreg.sql_migration import run_sql_file


class Migration(migrations.Migration):
    dependencies = [
        ("allocations", "0013_workflow_second_line"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="allocationdocument",
            name="supersedes",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="reissues",
                to="allocations.allocationdocument",
            ),
        ),
        migrations.AddField(
            model_name="allocationdocument",
            name="reissue_reason",
            field=models.CharField(
                blank=True,
                choices=[
                    ("lost", "Lost"),
                    ("damaged", "Damaged"),
                    ("corrected", "Corrected: the details on it were wrong"),
                    ("unrecorded", "Re-issued before reasons were recorded"),
                ],
                db_default="",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="allocationdocument",
            name="reissue_note",
            field=models.TextField(
                blank=True, db_default="", help_text="The officer's explanation of a re-issue."
            ),
        ),
        migrations.CreateModel(
            name="AllocationDocumentPrint",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "language",
                    models.CharField(choices=[("en", "English"), ("fa", "Dari"), ("ps", "Pashto")], max_length=2),
                ),
                (
                    "printed_at",
                    models.DateTimeField(auto_now_add=True, db_default=django.db.models.functions.datetime.Now()),
                ),
                ("sha256", models.CharField(max_length=64)),
                (
                    "document",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="prints",
                        to="allocations.allocationdocument",
                    ),
                ),
                (
                    "printed_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={"ordering": ["document", "printed_at", "id"]},
        ),
        run_sql_file(__file__, "0014_documents_issued_once"),
        migrations.AddConstraint(
            model_name="allocationdocument",
            constraint=models.UniqueConstraint(
                condition=Q(supersedes__isnull=True),
                fields=("allocation", "kind"),
                name="document_issued_once_per_allocation_and_kind",
                violation_error_code="document_issued_once_per_allocation_and_kind",
                violation_error_message=(
                    "This allocation already has a document of this kind; print it again, or re-issue it with a "
                    "reason, which supersedes it."
                ),
            ),
        ),
        migrations.AddConstraint(
            model_name="allocationdocument",
            constraint=models.UniqueConstraint(
                fields=("supersedes",),
                name="document_superseded_once",
                violation_error_code="document_superseded_once",
                violation_error_message="This document was already re-issued; re-issue the current one instead.",
            ),
        ),
        migrations.AddConstraint(
            model_name="allocationdocument",
            constraint=models.CheckConstraint(
                condition=(Q(supersedes__isnull=True) & Q(reissue_reason=""))
                | (Q(supersedes__isnull=False) & Q(reissue_reason__in=["lost", "damaged", "corrected", "unrecorded"])),
                name="reissued_document_has_reason",
                violation_error_code="reissued_document_has_reason",
                violation_error_message=(
                    "A re-issued document names the document it supersedes and the reason (lost, damaged or "
                    "corrected); a first document has neither."
                ),
            ),
        ),
    ]
