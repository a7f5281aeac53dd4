"""Two tabs of one edit form: a save from a tab opened before another save is refused, not silently undoing it.

A form that edits a saved row carries the row's version as it was shown (`offer_version`, the row's `updated_at`):
a save from a tab opened before another save is refused as changed elsewhere (`refuse_a_later_change`). Its own
second click would be refused so too, by its first save, though everything was saved. Each showing of such a form
has its `edit_key`; `remember_the_save` keeps, in the session, the version each key saved, and `sent_again` tells
a resend from another tab's save. Used by the coordinator's pages (courses.views) and the admin
(redliv.admin.VersionCheckedForm) alike.
"""

import json
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.crypto import salted_hmac

SAVED_EDITS_SESSION_KEY = "redliv_saved_edits"
SAVED_EDITS_KEPT = 20
# The key of the digest of what a form sent. Named for where it was first made: a new name would take a save
# remembered just before a deploy for another form's.
DIGEST_SALT = "courses.views.saved_version"


def remember_the_save(request, form, row):
    """The version this showing of an edit form saved (its `edit_key`), kept in the session for a while."""
    key = form.cleaned_data.get("edit_key")
    if key is None or row.pk is None:
        return
    saved = request.session.get(SAVED_EDITS_SESSION_KEY, {})
    saved[str(key)] = _saved_version(row, request.POST)
    request.session[SAVED_EDITS_SESSION_KEY] = dict(list(saved.items())[-SAVED_EDITS_KEPT:])


def sent_again(request, row) -> bool:
    """Whether this POST is an edit form sent again after it saved `row` (a double click on Save, a reload), with
    nothing saved since: the row is as that save left it. Answered as saved, and nothing is written; without
    this, the second click was refused as "changed elsewhere" by its own first save, though everything was saved.
    Another tab's form has another key, and a save by anyone since changes the version: both are checked as
    before."""
    if request.method != "POST" or row.pk is None:
        return False
    saved = request.session.get(SAVED_EDITS_SESSION_KEY, {}).get(request.POST.get("edit_key") or "")
    return saved is not None and saved == _saved_version(row, request.POST)


def _saved_version(row, sent) -> str:
    """The row's version as a form's save left it, with a digest of what the form sent: the same form sent with
    other content is not taken for a resend. The digest is keyed with the server's secret, as the idempotency
    keys' are (redliv.idempotency): a plain hash of a trainer's name and phone number, kept in the session
    table, would let anyone with that table test guesses of them."""
    content = sorted((name, sent.getlist(name)) for name in sent if name != "csrfmiddlewaretoken")
    digest = salted_hmac(DIGEST_SALT, json.dumps(content), algorithm="sha256").hexdigest()
    return f"{row._meta.label} {row.pk} {row.updated_at.isoformat()} {digest}"


def shown_version_field():
    """When the row was last saved, as its page was shown: saving refuses to overwrite a later change
    (`refuse_a_later_change`). None from a page shown before versions: saved as before."""
    return forms.CharField(widget=forms.HiddenInput, required=False, max_length=40)


def edit_key_field():
    """A key for this showing of a form that edits a saved row: the same form sent again after it was saved (a
    double click) is told apart from another tab's save (`sent_again`)."""
    return forms.UUIDField(widget=forms.HiddenInput, required=False)


def offer_version(form):
    if form.instance.pk:
        form.fields["shown_version"].initial = form.instance.updated_at.isoformat()
        form.fields["edit_key"].initial = uuid.uuid4()


def refuse_a_later_change(row, shown_version, message):
    """A ValidationError (`message`) when the row was saved again after its form was shown (another tab,
    another coordinator): saving would silently undo that change. Its `params` hold the version now
    stored, for the form to be sent again on purpose. The row stays locked until this save commits."""
    if row.pk is None or not shown_version:
        return
    current = (
        type(row).objects.select_for_update(no_key=True).filter(pk=row.pk).values_list("updated_at", flat=True).first()
    )
    if current is not None and current.isoformat() != shown_version:
        raise ValidationError(message, code="changed_meanwhile", params={"version": current.isoformat()})
