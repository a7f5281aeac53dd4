"""MonthClosing moves from `reports` to `redliv`, below the domain apps that check it.

State only: the table keeps its name (reports_monthclosing), its rows, indexes and
constraints; the content type follows the model so admin history stays linked.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor, old="reports", new="redliv"):
    """Keep the content type (its permissions and admin history), unless the new one exists already."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label=new, model="monthclosing").exists():
        ContentType.objects.filter(app_label=old, model="monthclosing").update(app_label=new)


def unmove_content_type(apps, schema_editor):
    move_content_type(apps, schema_editor, old="redliv", new="reports")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("redliv", "0006_user_oversee_entries_permission"),
        ("reports", "0003_monthclosing_reason_purge"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="MonthClosing",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("month", models.DateField(help_text="The first day of the month.", verbose_name="month")),
                        (
                            "action",
                            models.CharField(
                                choices=[("approved", "Approved"), ("reopened", "Reopened")],
                                max_length=10,
                                verbose_name="action",
                            ),
                        ),
                        ("reason", models.CharField(blank=True, max_length=200, verbose_name="reason")),
                        ("at", models.DateTimeField(auto_now_add=True, verbose_name="at")),
                        (
                            "purged_at",
                            models.DateTimeField(
                                blank=True, editable=False, null=True, verbose_name="free text purged at"
                            ),
                        ),
                        (
                            "by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="by",
                            ),
                        ),
                        (
                            "municipality",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="month_closings",
                                to="redliv.municipality",
                                verbose_name="municipality",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "month approval",
                        "verbose_name_plural": "month approvals",
                        "db_table": "reports_monthclosing",
                        "ordering": ["-at", "-id"],
                        "indexes": [models.Index(fields=["municipality", "month", "-at"], name="monthclosing_latest")],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("month__day", 1)), name="monthclosing_month_is_first_day"
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("action__in", ["approved", "reopened"])),
                                name="monthclosing_action_valid",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    models.Q(("action", "reopened"), _negated=True),
                                    models.Q(("reason", ""), _negated=True),
                                    ("purged_at__isnull", False),
                                    _connector="OR",
                                ),
                                name="monthclosing_reopening_has_reason",
                            ),
                        ],
                    },
                ),
            ]
        ),
        migrations.RunPython(move_content_type, unmove_content_type),
    ]
