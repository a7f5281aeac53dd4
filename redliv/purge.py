"""Free text and contact data are kept only as long as they are needed, then blanked.

Each app registers the fields it stores that can hold free text or contact data (in its
`AppConfig.ready()`), with the timestamp the retention period counts from and the setting
that holds the period. `purge_free_text()` (the `purge_free_text` command, run daily)
blanks every registered field once it is due, in the rows and in their change history,
together with:

- the idempotency digest of each due row (`IdempotentModel.payload_digest`), which was
  computed over the text;
- `purged_at`, on models that have it (a CHECK that asks for a reason accepts a blank
  one after the purge; the stock ledger's trigger allows exactly this change);
- the reasons given for changes (`history_change_reason`) of every model with a history,
  except the ones the registry writes itself (`keep_change_reason`), which name what was
  done ("Two-step login reset") and are the audit trail, not anyone's words.

`update()` writes no history rows, so the text is not copied anywhere on its way out.

Rows that are only bookkeeping (such as the keys of applied corrections) are deleted
outright once nothing can ask for them any more: an app registers how with
`register_expiry()`, and the same command deletes them.
This module sits in the lowest app and imports no domain app: they come to it.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

FREE_TEXT = "FREE_TEXT_RETENTION_DAYS"


@dataclass(frozen=True)
class Retained:
    """Fields of one model that are blanked once `age` is older than the period in `setting`."""

    model: str  # "app_label.ModelName"
    fields: tuple[str, ...]
    age: str
    setting: str = FREE_TEXT
    # Narrows the due rows further (for example: only requests that were answered or closed).
    due: Callable[[QuerySet, dt.datetime], QuerySet] | None = None

    @property
    def label(self) -> str:
        return self.model

    def model_class(self):
        return apps.get_model(self.model)

    def retention_days(self) -> int:
        return getattr(settings, self.setting)


_registry: dict[str, Retained] = {}
_kept_reasons: list = []  # lazy translations: the reason is stored in the language of whoever acted


def keep_change_reason(reason) -> None:
    """A change reason the code writes (never a person's text): kept in the history however old."""
    _kept_reasons.append(reason)


def kept_change_reasons() -> set[str]:
    """Each kept reason in every language the registry speaks, as it may have been stored."""
    from django.utils import translation

    kept = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            kept.update(str(reason) for reason in _kept_reasons)
    return kept


def register(model: str, *, fields, age: str, setting: str = FREE_TEXT, due=None) -> None:
    """Register a model's free-text or contact fields with the purge. Called from AppConfig.ready()."""
    _registry[model] = Retained(model=model, fields=tuple(fields), age=age, setting=setting, due=due)


def registered() -> list[Retained]:
    return sorted(_registry.values(), key=lambda entry: entry.model)


@dataclass(frozen=True)
class Expiring:
    """Rows of one model deleted by `delete(now)` (which returns how many) once they can serve no purpose."""

    model: str  # "app_label.ModelName"
    delete: Callable[[dt.datetime], int]
    when: str  # when a row goes, for the command's output


_expiring: dict[str, Expiring] = {}


def register_expiry(model: str, *, delete, when: str) -> None:
    """Register rows the purge deletes outright. Called from AppConfig.ready()."""
    _expiring[model] = Expiring(model=model, delete=delete, when=when)


def expiring() -> list[Expiring]:
    return sorted(_expiring.values(), key=lambda entry: entry.model)


def history_model(model):
    manager = getattr(model._meta, "simple_history_manager_attribute", None)
    return getattr(model, manager).model if manager else None


def _blank_values(model, fields, now):
    names = {field.name for field in model._meta.get_fields()}
    values = dict.fromkeys(fields, "")
    if "payload_digest" in names:
        values["payload_digest"] = ""
    if "purged_at" in names:
        values["purged_at"] = now
    return values


def _still_held(fields, model):
    """Rows where any registered field, or the digest computed over them, is not blank yet."""
    names = {field.name for field in model._meta.get_fields()}
    held = Q()
    for field in fields + (("payload_digest",) if "payload_digest" in names else ()):
        held |= ~Q(**{field: ""})
    return held


def _purge_one(entry: Retained, now) -> tuple[int, int]:
    model = entry.model_class()
    cutoff = now - dt.timedelta(days=entry.retention_days())
    due = model._base_manager.filter(**{f"{entry.age}__lt": cutoff})
    if entry.due is not None:
        due = entry.due(due, cutoff)
    rows = model._base_manager.filter(pk__in=due.values("pk")).filter(_still_held(entry.fields, model))
    purged = rows.update(**_blank_values(model, entry.fields, now))
    history = history_model(model)
    if history is None:
        return purged, 0
    pk = model._meta.pk.attname
    # The history of every due row, and of rows deleted since, once they are as old as the period.
    gone = ~Q(**{f"{pk}__in": model._base_manager.values("pk")}) & Q(history_date__lt=cutoff)
    history_rows = history.objects.filter(Q(**{f"{pk}__in": due.values("pk")}) | gone).filter(
        _still_held(entry.fields, history)
    )
    return purged, history_rows.update(**_blank_values(history, entry.fields, now))


def _purge_change_reasons(now) -> int:
    cutoff = now - dt.timedelta(days=getattr(settings, FREE_TEXT))
    kept = kept_change_reasons()
    count = 0
    for model in apps.get_models():
        history = history_model(model)
        if history is not None and not model._meta.proxy:
            count += (
                history.objects.filter(history_date__lt=cutoff, history_change_reason__isnull=False)
                .exclude(history_change_reason="")
                .exclude(history_change_reason__in=kept)
                .update(history_change_reason=None)
            )
    return count


def purge_free_text(now=None) -> dict[str, tuple[int, int]]:
    """Blank every registered field that is due, in the rows and their history.

    Returns {model label: (rows, history rows)}, and "history change reasons": (0, n). The rows
    registered with `register_expiry()` are deleted by `delete_expired()`, which the command runs after it.
    """
    now = now or timezone.now()
    with transaction.atomic():
        result = {entry.label: _purge_one(entry, now) for entry in registered()}
        result["history change reasons"] = (0, _purge_change_reasons(now))
    return result


def delete_expired(now=None) -> dict[str, int]:
    """Delete the rows registered with `register_expiry()` that are due. Returns {model label: rows deleted}."""
    now = now or timezone.now()
    with transaction.atomic():
        return {entry.model: entry.delete(now) for entry in expiring()}
