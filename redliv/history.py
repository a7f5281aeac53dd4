"""A row's history (django-simple-history), told as who changed what, and when.

Used by the reversal report page and the street correction page alike.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _
from simple_history.models import DeletedObject

from redliv.models import User, name_of

ACTIONS = {"+": _("Created"), "~": _("Changed"), "-": _("Deleted")}
# Bookkeeping that is not worth showing to a coordinator.
HIDDEN_FIELDS = {"payload_digest", "idempotency_key", "reviewed_at", "updated_at"}


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


def shown(model_field, value) -> str:
    # With foreign_keys_are_objs, simple-history tells an empty foreign key, and one whose row is gone, as a
    # DeletedObject, whose str is English ("Deleted user (pk=None)").
    if isinstance(value, DeletedObject):
        if value.pk is None:
            return "–"
        return str(_("%(kind)s, deleted") % {"kind": value.model._meta.verbose_name})
    if value is None or value == "":
        return "–"
    if model_field.choices and not isinstance(value, list):
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, User):  # "recorded by": the person, as staff see them named elsewhere
        return name_of(value)
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, list):
        base = model_field.base_field
        return ", ".join(str(dict(base.flatchoices).get(item, item)) for item in value)
    return str(value)


def history_entries(history) -> list[HistoryEntry]:
    """`instance.history`, oldest first; each change names the field, the value before and the value after."""
    records = list(history.select_related("history_user").order_by("history_date", "history_id"))
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
                model_field = record.instance_type._meta.get_field(change.field)
                entry.changes.append(
                    Change(
                        label=str(model_field.verbose_name).capitalize(),
                        old=shown(model_field, change.old),
                        new=shown(model_field, change.new),
                    )
                )
        entries.append(entry)
        previous = record
    return entries
