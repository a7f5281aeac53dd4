"""Store a retried write once: the same key with the same content answers with the
stored row; the same key with other content is refused.

The unique constraint on `idempotency_key` is what guarantees "once", also when two
copies of a request race each other; Python only turns its refusal into an answer.
"""

import hashlib
import json

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from redliv.db import violated_constraint


class IdempotencyConflict(ValidationError):
    """The key was used before for an entry with other content."""

    def __init__(self):
        super().__init__(
            _(
                "This entry was already sent with other content. Check your recent entries; "
                "if it is a new entry, send it as a new one."
            ),
            code="idempotency_conflict",
        )


def payload_digest(payload: dict) -> str:
    canonical = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _stored(model, key, digest):
    existing = model._base_manager.filter(idempotency_key=key).first()
    if existing is not None and existing.payload_digest and existing.payload_digest != digest:
        raise IdempotencyConflict()
    return existing


def create_once(model, key, payload: dict, create):
    """Run `create(digest)` unless `key` was stored before. Returns (row, created).

    `create` receives the payload digest and must save it on the row with the key.
    It runs in its own `transaction.atomic()` (a savepoint inside the caller's
    transaction): whatever it writes is stored together or not at all, so callers
    need no transaction of their own around create_once.
    """
    digest = payload_digest(payload)
    existing = _stored(model, key, digest)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return create(digest), True
    except IntegrityError as error:
        if not (violated_constraint(error) or "").endswith("idempotency_key_key"):
            raise
    # Another copy of the same request won the race.
    return _stored(model, key, digest), False
