"""A report's history (django-simple-history), told as who changed what, and when."""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from reversals.models import ReversalReport

ACTIONS = {"+": _("Created"), "~": _("Changed"), "-": _("Deleted")}
# Bookkeeping that is not worth showing to a coordinator.
HIDDEN_FIELDS = {"payload_digest", "idempotency_key", "reviewed_at"}


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    when: object
    who: object
    action: str
    changes: list[Change] = field(default_factory=list)


def shown(report_field, value) -> str:
    if value is None or value == "":
        return "–"
    if report_field.choices and not isinstance(value, list):
        return str(dict(report_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, list):
        base = report_field.base_field
        return ", ".join(str(dict(base.flatchoices).get(item, item)) for item in value)
    return str(value)


def history_entries(report: ReversalReport) -> list[HistoryEntry]:
    """Oldest first; each change names the field, the value before and the value after."""
    records = list(report.history.select_related("history_user").order_by("history_date", "history_id"))
    entries = []
    previous = None
    for record in records:
        entry = HistoryEntry(
            when=record.history_date,
            who=record.history_user,
            action=ACTIONS.get(record.history_type, record.history_type),
        )
        if previous is not None:
            delta = record.diff_against(previous, excluded_fields=HIDDEN_FIELDS, foreign_keys_are_objs=True)
            for change in delta.changes:
                report_field = ReversalReport._meta.get_field(change.field)
                entry.changes.append(
                    Change(
                        label=str(report_field.verbose_name).capitalize(),
                        old=shown(report_field, change.old),
                        new=shown(report_field, change.new),
                    )
                )
        entries.append(entry)
        previous = record
    return entries
