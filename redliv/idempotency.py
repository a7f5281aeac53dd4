"""Store a retried write once: the same key with the same content answers with the
stored row; the same key with other content is refused.

The unique constraint on `idempotency_key` is what guarantees "once", also when two
copies of a request race each other; Python only turns its refusal into an answer.

The stored digest is keyed with a server secret (an HMAC derived from SECRET_KEY): a
plain hash of the content would let anyone with the table test guesses of a note
("was it Mads?") long after the note itself was purged. The purge blanks it too.
"""

import hashlib
import json
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _


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


DIGEST_SALT = "redliv.idempotency.payload_digest"


def keyed_digest(content_hash: str, secret: str | None = None) -> str:
    """The HMAC-SHA256 of a content hash under a key derived from `secret` (default SECRET_KEY).

    Also used by the migrations that turned the plain hashes stored before into keyed ones.
    """
    return salted_hmac(DIGEST_SALT, content_hash, secret=secret, algorithm="sha256").hexdigest()


def _content_hash(payload: dict) -> str:
    canonical = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def payload_digest(payload: dict) -> str:
    return keyed_digest(_content_hash(payload))


def _same_content(stored: str, payload: dict) -> bool:
    """Compare with the current key and with SECRET_KEY_FALLBACKS, so a key rotation refuses no retry."""
    content_hash = _content_hash(payload)
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return any(constant_time_compare(stored, keyed_digest(content_hash, secret)) for secret in secrets)


class KeyStoredBefore(Exception):
    """Raised by a `create` whose insert found its key stored (`INSERT … ON CONFLICT DO NOTHING`): `row` is the
    stored row when the same statement could read it, None when it was stored by a request that committed while
    the statement ran (its snapshot is older): then create_once looks it up."""

    def __init__(self, row=None):
        super().__init__()
        self.row = row


def _stored(model, key, payload, author, existing=None):
    if existing is None:
        try:
            existing = model._base_manager.get(idempotency_key=key)
        except model.DoesNotExist:
            return None
    # Another user's entry is never answered as this user's, whatever its content: their own entry would be
    # lost while they were told it was stored (a course's or a handout's content does not name its author).
    if getattr(existing, f"{model.AUTHOR_FIELD}_id") != getattr(author, "pk", None):
        raise IdempotencyConflict()
    # A blank digest: the entry's free text was purged; a retry that late is taken as the same entry.
    if existing.payload_digest and not _same_content(existing.payload_digest, payload):
        raise IdempotencyConflict()
    return existing


def create_once(model, key, payload: dict, create, *, author, one_statement: bool = False):
    """Run `create(digest)` unless `key` was stored before by `author`. Returns (row, created).

    `author` is the user the row is stored for (None for the public), in the model's `AUTHOR_FIELD`: a key
    stored for another is refused (IdempotencyConflict), as one stored with other content.

    `create` receives the payload digest and must save it on the row with the key.
    It runs in its own `transaction.atomic()` (a savepoint inside the caller's
    transaction): whatever it writes is stored together or not at all, so callers
    need no transaction of their own around create_once. A `create` that writes
    `one_statement` (an insert, which may read before it) needs none outside a caller's
    transaction: PostgreSQL runs a statement sent in autocommit as a transaction of its
    own, triggers included, which saves a street entry two of its six round trips
    (BEGIN and COMMIT).

    A new entry (the usual case) costs no look-up: the insert is tried first and the
    unique key refuses a repeat. Only when `create` is refused (by the key, or by a rule
    a retry may now break, such as the stock it took) is the stored row looked up: a
    retry then gets the row stored the first time, whatever changed since. A `create` whose
    insert answers a taken key itself raises KeyStoredBefore, with the stored row when it read it
    (kits.services.insert_handout): a repeat then costs no statement more than a new entry.
    """
    digest = payload_digest(payload)
    try:
        if one_statement and transaction.get_autocommit() and not transaction.get_connection().in_atomic_block:
            return create(digest), True
        with transaction.atomic():
            return create(digest), True
    except KeyStoredBefore as stored:
        existing = _stored(model, key, payload, author, stored.row)  # refuses other content or another author
        if existing is None:  # the key's row is gone: a ledger keeps every row, so this is a bug
            raise IntegrityError(f"{model._meta.label}: the key {key} was taken, and no row has it") from None
        return existing, False
    except (IntegrityError, ValidationError):
        existing = _stored(model, key, payload, author)  # refuses the key of other content or another author
        if existing is None:
            raise
        return existing, False


def sent_before(request, stored, *, template: str, url: str = "", link_text: str = "") -> dict:
    """What a form page shows beside an IdempotencyConflict (templates/_sent_before.html).

    The refusal stays: a new key for the same form would count twice an entry whose typo was fixed while the
    first send was still under way. But the person is not left stuck with a key that refuses every send: the
    page shows what was stored from the form (`stored`, the user's own row or None, shown with `template`, and
    `url` to open or correct it), and offers to save what was typed as a new entry: the same answers under a new
    key, made for this showing (a double click on it is stored once)."""
    fields = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in ("csrfmiddlewaretoken", "key")
        for value in values
    ]
    return {
        "stored": stored,
        "template": template,
        "url": url,
        "link_text": link_text,
        "fields": fields,
        "key": uuid.uuid4(),
    }
