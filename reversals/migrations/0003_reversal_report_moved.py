"""ReversalReport and its history move from `kits` to `reversals`, so that kits is about stock alone.

State only: the tables keep their names (kits_reversalreport, kits_historicalreversalreport),
their rows, indexes and constraints; the content types follow the models, so the
permissions become reversals.*_reversalreport and admin history stays linked.
"""

import django.contrib.postgres.fields
import django.db.models.deletion
import redliv.personal_data
import simple_history.models
import uuid
from django.conf import settings
from django.db import migrations, models

MODELS = ["reversalreport", "historicalreversalreport"]


def move_content_types(apps, schema_editor, old="kits", new="reversals"):
    """Keep the content types (their permissions and admin history), unless the new ones exist already."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not ContentType.objects.filter(app_label=new, model=model).exists():
            ContentType.objects.filter(app_label=old, model=model).update(app_label=new)


def unmove_content_types(apps, schema_editor):
    move_content_types(apps, schema_editor, old="reversals", new="kits")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("courses", "0007_keyed_payload_digests"),
        ("kits", "0011_reversal_report_moved"),
        ("redliv", "0007_month_closing_moved"),
        ("reversals", "0002_one_rate_limit_for_public_forms"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="HistoricalReversalReport",
                    fields=[
                        ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
                        (
                            "idempotency_key",
                            models.UUIDField(
                                db_index=True,
                                default=uuid.uuid4,
                                editable=False,
                                help_text="Made by the device that sent the entry, so a retry is stored once.",
                                verbose_name="idempotency key",
                            ),
                        ),
                        ("payload_digest", models.CharField(blank=True, editable=False, max_length=64)),
                        ("occurred_at", models.DateTimeField(verbose_name="date and approximate time")),
                        (
                            "source",
                            models.CharField(
                                choices=[("staff", "Staff"), ("public", "Public form")],
                                max_length=10,
                                verbose_name="source",
                            ),
                        ),
                        (
                            "substances",
                            django.contrib.postgres.fields.ArrayField(
                                base_field=models.CharField(
                                    choices=[
                                        ("heroin", "Heroin"),
                                        ("methadone", "Methadone"),
                                        ("morphine", "Morphine"),
                                        ("fentanyl", "Fentanyl"),
                                        ("other", "Other"),
                                        ("unknown", "Unknown"),
                                    ],
                                    max_length=20,
                                ),
                                size=None,
                                verbose_name="suspected substances",
                            ),
                        ),
                        ("naloxone_doses", models.PositiveSmallIntegerField(verbose_name="naloxone doses given")),
                        ("called_112", models.BooleanField(verbose_name="112 was called")),
                        ("ambulance_arrived", models.BooleanField(verbose_name="an ambulance came")),
                        (
                            "first_aid_given",
                            models.BooleanField(verbose_name="rescue breaths or other first aid given"),
                        ),
                        ("stayed_until_help", models.BooleanField(verbose_name="the responder stayed until help came")),
                        (
                            "outcome",
                            models.CharField(
                                choices=[
                                    ("recovered", "Recovered on the spot"),
                                    ("hospital", "Taken to hospital"),
                                    ("died", "Died"),
                                    ("unknown", "Unknown"),
                                ],
                                max_length=20,
                                verbose_name="outcome",
                            ),
                        ),
                        (
                            "responder_trained",
                            models.CharField(
                                choices=[("yes", "Yes"), ("no", "No"), ("unknown", "Unknown")],
                                max_length=10,
                                verbose_name="the responder had taken a RED LIV course",
                            ),
                        ),
                        ("kit_replaced", models.BooleanField(default=False, verbose_name="the kit has been replaced")),
                        (
                            "note",
                            models.TextField(
                                blank=True,
                                help_text="Never write names or other personal data. Purged after a while.",
                                validators=[redliv.personal_data.refuse_identifiers],
                                verbose_name="note",
                            ),
                        ),
                        (
                            "review_status",
                            models.CharField(
                                choices=[
                                    ("pending", "Pending review"),
                                    ("verified", "Verified"),
                                    ("rejected", "Rejected"),
                                ],
                                default="pending",
                                max_length=10,
                                verbose_name="review",
                            ),
                        ),
                        (
                            "review_reason",
                            models.CharField(
                                blank=True,
                                max_length=200,
                                validators=[redliv.personal_data.refuse_identifiers],
                                verbose_name="reason",
                            ),
                        ),
                        ("reviewed_at", models.DateTimeField(blank=True, null=True, verbose_name="reviewed at")),
                        ("created_at", models.DateTimeField(blank=True, editable=False, verbose_name="received at")),
                        (
                            "purged_at",
                            models.DateTimeField(
                                blank=True, editable=False, null=True, verbose_name="free text purged at"
                            ),
                        ),
                        ("history_id", models.AutoField(primary_key=True, serialize=False)),
                        ("history_date", models.DateTimeField(db_index=True)),
                        ("history_change_reason", models.CharField(max_length=100, null=True)),
                        (
                            "history_type",
                            models.CharField(
                                choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                            ),
                        ),
                        (
                            "district",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="redliv.district",
                                verbose_name="district",
                            ),
                        ),
                        (
                            "history_user",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "replacement_handout",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                limit_choices_to={"kind": "handout"},
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="kits.stockmovement",
                                verbose_name="replacement handout",
                            ),
                        ),
                        (
                            "reported_by",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="recorded by",
                            ),
                        ),
                        (
                            "responder_course",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="courses.course",
                                verbose_name="the responder's course",
                            ),
                        ),
                        (
                            "reviewed_by",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="reviewed by",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "historical overdose-reversal report",
                        "verbose_name_plural": "historical overdose-reversal reports",
                        "db_table": "kits_historicalreversalreport",
                        "ordering": ("-history_date", "-history_id"),
                        "get_latest_by": ("history_date", "history_id"),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name="ReversalReport",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "idempotency_key",
                            models.UUIDField(
                                default=uuid.uuid4,
                                editable=False,
                                help_text="Made by the device that sent the entry, so a retry is stored once.",
                                unique=True,
                                verbose_name="idempotency key",
                            ),
                        ),
                        ("payload_digest", models.CharField(blank=True, editable=False, max_length=64)),
                        ("occurred_at", models.DateTimeField(verbose_name="date and approximate time")),
                        (
                            "source",
                            models.CharField(
                                choices=[("staff", "Staff"), ("public", "Public form")],
                                max_length=10,
                                verbose_name="source",
                            ),
                        ),
                        (
                            "substances",
                            django.contrib.postgres.fields.ArrayField(
                                base_field=models.CharField(
                                    choices=[
                                        ("heroin", "Heroin"),
                                        ("methadone", "Methadone"),
                                        ("morphine", "Morphine"),
                                        ("fentanyl", "Fentanyl"),
                                        ("other", "Other"),
                                        ("unknown", "Unknown"),
                                    ],
                                    max_length=20,
                                ),
                                size=None,
                                verbose_name="suspected substances",
                            ),
                        ),
                        ("naloxone_doses", models.PositiveSmallIntegerField(verbose_name="naloxone doses given")),
                        ("called_112", models.BooleanField(verbose_name="112 was called")),
                        ("ambulance_arrived", models.BooleanField(verbose_name="an ambulance came")),
                        (
                            "first_aid_given",
                            models.BooleanField(verbose_name="rescue breaths or other first aid given"),
                        ),
                        ("stayed_until_help", models.BooleanField(verbose_name="the responder stayed until help came")),
                        (
                            "outcome",
                            models.CharField(
                                choices=[
                                    ("recovered", "Recovered on the spot"),
                                    ("hospital", "Taken to hospital"),
                                    ("died", "Died"),
                                    ("unknown", "Unknown"),
                                ],
                                max_length=20,
                                verbose_name="outcome",
                            ),
                        ),
                        (
                            "responder_trained",
                            models.CharField(
                                choices=[("yes", "Yes"), ("no", "No"), ("unknown", "Unknown")],
                                max_length=10,
                                verbose_name="the responder had taken a RED LIV course",
                            ),
                        ),
                        ("kit_replaced", models.BooleanField(default=False, verbose_name="the kit has been replaced")),
                        (
                            "note",
                            models.TextField(
                                blank=True,
                                help_text="Never write names or other personal data. Purged after a while.",
                                validators=[redliv.personal_data.refuse_identifiers],
                                verbose_name="note",
                            ),
                        ),
                        (
                            "review_status",
                            models.CharField(
                                choices=[
                                    ("pending", "Pending review"),
                                    ("verified", "Verified"),
                                    ("rejected", "Rejected"),
                                ],
                                default="pending",
                                max_length=10,
                                verbose_name="review",
                            ),
                        ),
                        (
                            "review_reason",
                            models.CharField(
                                blank=True,
                                max_length=200,
                                validators=[redliv.personal_data.refuse_identifiers],
                                verbose_name="reason",
                            ),
                        ),
                        ("reviewed_at", models.DateTimeField(blank=True, null=True, verbose_name="reviewed at")),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="received at")),
                        (
                            "purged_at",
                            models.DateTimeField(
                                blank=True, editable=False, null=True, verbose_name="free text purged at"
                            ),
                        ),
                        (
                            "district",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="reversal_reports",
                                to="redliv.district",
                                verbose_name="district",
                            ),
                        ),
                        (
                            "replacement_handout",
                            models.OneToOneField(
                                blank=True,
                                limit_choices_to={"kind": "handout"},
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="replaces_report",
                                to="kits.stockmovement",
                                verbose_name="replacement handout",
                            ),
                        ),
                        (
                            "reported_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="recorded by",
                            ),
                        ),
                        (
                            "responder_course",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="courses.course",
                                verbose_name="the responder's course",
                            ),
                        ),
                        (
                            "reviewed_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="reviewed by",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "overdose-reversal report",
                        "verbose_name_plural": "overdose-reversal reports",
                        "db_table": "kits_reversalreport",
                        "ordering": ["-occurred_at"],
                        "indexes": [models.Index(fields=["occurred_at"], name="report_occurred")],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("naloxone_doses__gte", 0), ("naloxone_doses__lte", 10)),
                                name="report_doses_0_to_10",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("substances__len__gte", 1)), name="report_has_a_substance"
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    models.Q(("reported_by__isnull", False), ("source", "staff")),
                                    models.Q(
                                        ("reported_by__isnull", True),
                                        ("responder_course__isnull", True),
                                        ("source", "public"),
                                    ),
                                    _connector="OR",
                                ),
                                name="report_staff_reports_name_their_recorder",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    ("replacement_handout__isnull", True), ("kit_replaced", True), _connector="OR"
                                ),
                                name="report_replacement_means_replaced",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    models.Q(("review_status", "rejected"), _negated=True),
                                    models.Q(("review_reason", ""), _negated=True),
                                    ("purged_at__isnull", False),
                                    _connector="OR",
                                ),
                                name="report_rejection_has_reason",
                            ),
                        ],
                    },
                ),
            ]
        ),
        migrations.RunPython(move_content_types, unmove_content_types),
    ]
