"""The street forms: a held course, a standalone handout, an overdose-reversal report.

They validate the same whether they come from the page without JavaScript or from
the device's offline queue as JSON. Stock and expiry are checked by the services
(and enforced by the database), so a retried entry is answered before them.
"""

import datetime as dt
import re
import uuid

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from courses.models import MAX_COUNT_PER_GROUP, Attendance, Course, CourseFormat, Venue
from courses.services import check_counts, check_kits_source
from kits.forms import known_batches
from kits.models import Handout, HandoutReason, StockLocation
from redliv import inputs, roles
from redliv.access import add_service_errors
from redliv.models import Audience, District
from redliv.personal_data import refuse_identifiers
from redliv.widgets import DateInput
from reversals.models import ReversalReport, Substance
from reversals.services import MAX_DOSES, OLDEST_REPORT_DAYS, check_report, report_days

PLANNED_COURSE_GONE = _(
    "The attendance of this planned course is already logged, or the course is no longer planned. Nothing was saved."
)
# Street workers and trainers may log this far back, counted from when the entry was written (not from when
# it reached the server: a tablet may hold it offline for days); coordinators any time.
MAX_DAYS_BACK = 60
# A tablet's clock a few minutes fast is not refused.
CLOCK_SKEW = dt.timedelta(minutes=5)
# How long an entry may wait on a tablet and still be judged by when it was written. A page's signed time
# (`opened`) says only that an entry was written after it, and any page ever made carries one: without this
# bound, the time of a page kept for a year (or its token copied into a post) let a worker log a year and 60
# days back. An entry that waited longer is judged as written this long before it arrived.
MAX_HELD_ON_THE_TABLET = dt.timedelta(days=14)
# A date and time this close to the tablet's clock as the entry was saved were taken from that clock (street.js
# fills them in and keeps them "now" until the worker sets them): not set by hand.
FROM_THE_CLOCK = dt.timedelta(minutes=2)
OPENED_SALT = "street.forms.opened"
# An entry within the days back when the tablet says it was written, but not when judged as written
# MAX_HELD_ON_THE_TABLET before it arrived: its date is likely right, and changing it would make it wrong. It stays
# on the tablet (the queue keeps a refused entry) until a coordinator, whom the days back do not hold, logs it.
HELD_TOO_LONG = _(
    "The entry waited more than %(held)d days on the tablet before it reached the server, so its date now counts as "
    "more than %(days)d days back, and only a coordinator can log it. If the date is right, do not change it: the "
    "entry stays on this tablet. Show it to a coordinator, who can log it with this date, and delete it here only "
    "after that."
)
CLOCK_WRONG = _(
    "The date and time came from the tablet's clock, which was wrong when the entry was saved (it showed "
    "%(shown)s). Enter when it really happened and save again, and have the tablet's clock set."
)
# An entry queued on the tablet may name a location closed, or made one for return or destruction, since.
LOCATION_GONE = _(
    "No kits can be taken from this stock location now: it has been closed, or made a place for return or "
    "destruction. Choose another, or ask a coordinator."
)
NOTE_WARNING = _("Never write names, CPR numbers, addresses or other personal data.")


def count_field(label, minimum=0, initial=0):
    return forms.IntegerField(
        label=label,
        min_value=minimum,
        max_value=MAX_COUNT_PER_GROUP,
        initial=initial,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "form-control stepper-input"}),
    )


def note_field():
    """Free text beside an entry: warned about personal data, refused when it looks like an identifier."""
    return forms.CharField(
        label=_("Note"),
        required=False,
        max_length=1000,
        validators=[refuse_identifiers],
        help_text=NOTE_WARNING,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )


BUTTONS = forms.RadioSelect(attrs={"class": "btn-check"})


def toggle(label):
    return forms.BooleanField(label=label, required=False, widget=forms.CheckboxInput(attrs={"class": "btn-check"}))


def _as_uuid(text):
    try:
        return uuid.UUID(str(text))
    except ValueError:
        return None


def opened_token(now) -> str:
    """When the server made the page (signed): an entry written on it was written after that."""
    return signing.dumps(int(now.timestamp()), salt=OPENED_SALT)


def _opened_at(token):
    """The time an `opened_token` names; None for none (also one the form refused: too long), or one the server
    did not sign."""
    if not isinstance(token, str) or not token:
        return None
    try:
        seconds = signing.loads(token, salt=OPENED_SALT)
        return dt.datetime.fromtimestamp(seconds, tz=dt.UTC) if isinstance(seconds, int) else None
    except (signing.BadSignature, ValueError, OverflowError, OSError):
        return None


def _tablet_time(milliseconds):
    """The tablet's clock as the entry was saved (milliseconds since 1970, as JavaScript's Date.now()); None if
    not sent (a page without JavaScript, an entry queued before it was sent) or unreadable."""
    if not re.fullmatch(r"[0-9]{1,14}", milliseconds or ""):
        return None
    try:
        return dt.datetime.fromtimestamp(int(milliseconds) / 1000, tz=dt.UTC)
    except (ValueError, OverflowError, OSError):
        return None


class StreetForm(inputs.Form):
    """What every street entry has: a device-made key, and when it happened.

    The date and time are the tablet's: street.js fills them in from its clock, which may be wrong (hours or a
    day fast, a year behind, 1970 after a flat battery). Two more fields say what the server can check them
    against: `opened`, when the server made the page (signed: the entry was written after it), and `written`,
    the tablet's clock as the entry was saved (its own claim). A date and time taken from a clock that was
    wrong (it showed a time before the page was made, or after the entry arrived) are refused with the
    tablet's reading, and the entry stays on the tablet for the worker to set by hand; so are a date and
    time in the future. The 60 days back are counted from when the entry was written: the tablet's claim,
    held between the page's making and the entry's arrival, and at most MAX_HELD_ON_THE_TABLET before the
    arrival (without both, the arrival).
    """

    key = inputs.key_field()
    date = forms.DateField(label=_("Date"), widget=DateInput(attrs={"class": "form-control"}))
    time = forms.TimeField(
        label=_("Time"), widget=forms.TimeInput(format="%H:%M", attrs={"type": "time", "class": "form-control"})
    )
    opened = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    written = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        self.user = user
        inputs.offer_key(kwargs)
        super().__init__(*args, **kwargs)
        now = timezone.localtime()
        self.fields["date"].initial = now.date()
        self.fields["time"].initial = now.strftime("%H:%M")
        self.fields["opened"].initial = opened_token(now)
        self.limit_days(now)

    def days_back(self):
        """How many days back this user may date an entry written today (`clean`); None: no limit of its own."""
        return None if self.user.has_perm(roles.OVERSEE_ENTRIES) else MAX_DAYS_BACK

    def limit_days(self, now):
        """The date picker offers the days `clean` takes for an entry written now: up to today (tomorrow only within
        CLOCK_SKEW of midnight), and `days_back` before. street.js moves them on with the tablet's clock, as it
        keeps the date "now" (a page from the tablet's cache may be days old), and never holds back a date
        outside them: the server judges every date (a refused entry written days ago may go further back)."""
        back = self.days_back()
        first = None if back is None else timezone.localdate(now) - dt.timedelta(days=back)
        inputs.limit_dates(self.fields["date"], first, timezone.localdate(now + CLOCK_SKEW))
        self.fields["date"].widget.attrs["data-days-back"] = "" if back is None else str(back)

    # Where an entry of this kind is stored, and who made it (stored_already).
    stored_as = None

    def stored_already(self, key) -> bool:
        """Whether this worker's entry is stored under `key` already: a resend whose answer was lost, its 60 days
        not counted again. However long it waited on the tablet (more than MAX_HELD_ON_THE_TABLET, and the days
        back counted from its arrival would refuse it), it is answered by its key: as stored, or as a key taken
        by other content. Refused, it showed on the tablet as refused though stored, to be sent again changed
        or by a coordinator: twice."""
        if key is None or self.stored_as is None:
            return False
        model, author = self.stored_as
        return model._base_manager.filter(idempotency_key=key, **{author: self.user}).exists()

    def clean(self):
        cleaned = super().clean()
        day, time = cleaned.get("date"), cleaned.get("time")
        if day is None or time is None:
            return cleaned
        when = timezone.make_aware(dt.datetime.combine(day, time))
        now = timezone.now()
        opened, shown = _opened_at(cleaned.get("opened")), _tablet_time(cleaned.get("written"))
        clock_was_wrong = shown is not None and (
            shown > now + CLOCK_SKEW or (opened is not None and shown < opened - CLOCK_SKEW)
        )
        written = claimed = now
        if shown is not None and opened is not None:
            written = min(max(shown, opened, now - MAX_HELD_ON_THE_TABLET), now)
            claimed = min(max(shown, opened), now)  # the tablet's word, within the page's making and the arrival
        if clock_was_wrong and abs(when - shown) <= FROM_THE_CLOCK:
            shown_text = date_format(timezone.localtime(shown), "SHORT_DATETIME_FORMAT")
            self.add_error("date", ValidationError(CLOCK_WRONG % {"shown": shown_text}, code="clock_wrong"))
        elif when > now + CLOCK_SKEW:
            self.add_error("date", _("The date and time cannot be in the future."))
        elif (
            self.days_back() is not None
            and day < timezone.localdate(written) - dt.timedelta(days=self.days_back())
            and not self.stored_already(cleaned.get("key"))
        ):
            if day >= timezone.localdate(claimed) - dt.timedelta(days=self.days_back()):
                held = {"held": MAX_HELD_ON_THE_TABLET.days, "days": MAX_DAYS_BACK}
                self.add_error("date", ValidationError(HELD_TOO_LONG % held, code="held_too_long"))
            else:
                self.add_error(
                    "date", _("You can log at most %(days)d days back; ask a coordinator.") % {"days": MAX_DAYS_BACK}
                )
        cleaned["when"] = when
        cleaned["written_at"] = written  # when it was written, as far as the server can tell (the report's year)
        return cleaned


class LazyModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField whose queryset is built on first use (shown, or a choice checked): an entry sent without
    one (most handouts: the batch is "Automatic") never builds it, 0.3 ms of a street entry's CPU."""

    def __init__(self, *, queryset_of, **kwargs):
        super().__init__(queryset=None, **kwargs)
        self._queryset_of = queryset_of

    def _get_queryset(self):
        if self._queryset is None and self._queryset_of is not None:
            self._queryset = self._queryset_of().all()
        return self._queryset

    def _set_queryset(self, queryset):
        self._queryset_of = None
        super()._set_queryset(queryset)

    queryset = property(_get_queryset, _set_queryset)


def stock_fields(form, user, locations):
    """The stock location (where kits come from) and an optional batch (empty: earliest expiry first)."""
    form.fields["location"] = forms.ModelChoiceField(
        label=_("Kits from"),
        queryset=locations,
        required=False,
        error_messages={"invalid_choice": LOCATION_GONE},
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    form.fields["batch"] = LazyModelChoiceField(
        label=_("Batch"),
        # Only lots the user's places have held: which lots another municipality holds is its own
        # business, and a refusal of a lot names it (kits.forms.known_batches).
        queryset_of=lambda: known_batches(user),
        required=False,
        empty_label=_("Automatic: earliest expiry"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )


class CourseEntryForm(StreetForm):
    """A held drop-in or pop-up course: counts per audience, first-time versus refresher, kits."""

    stored_as = (Attendance, "logged_by")

    course_format = forms.ChoiceField(
        label=_("Format"),
        choices=[(CourseFormat.DROP_IN, CourseFormat.DROP_IN.label), (CourseFormat.POP_UP, CourseFormat.POP_UP.label)],
        initial=CourseFormat.DROP_IN,
        widget=forms.RadioSelect(attrs={"class": "btn-check"}),
    )
    venue = forms.ModelChoiceField(
        label=_("Venue"),
        queryset=Venue.objects.none(),
        empty_label=_("Choose a venue"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    refresher = count_field(_("Of these, refreshers (took a course before)"))
    kits = count_field(_("Kits handed out"))
    note = note_field()
    # A planned course this entry is the attendance of (from the coordinator's course page).
    course = forms.ModelChoiceField(queryset=Course.objects.none(), required=False, widget=forms.HiddenInput)

    COUNT_FIELDS = list(Attendance.AUDIENCE_FIELDS.values())  # one stepper each, added in __init__

    def __init__(self, *args, venues, locations, **kwargs):
        super().__init__(*args, **kwargs)
        for audience, name in Attendance.AUDIENCE_FIELDS.items():
            self.fields[name] = count_field(audience.label)
        self.fields["venue"].queryset = venues
        open_to_log = Q(status=Course.Status.PLANNED, attendance__isnull=True)
        key = _as_uuid(self.data.get(self.add_prefix("key"))) if self.is_bound else None
        if key is not None:
            # A resend of this worker's attendance stored under this key (its answer was lost): the course is held
            # now, and the resend is answered as stored (by the key). It was refused as "logged already, nothing
            # was saved", and the tablet showed a stored entry as refused.
            open_to_log |= Q(attendance__idempotency_key=key, attendance__logged_by=self.user)
        self.fields["course"].queryset = Course.objects.for_user(self.user).filter(open_to_log)
        stock_fields(self, self.user, locations)
        self.order_fields(
            [
                "key",
                "course",
                "date",
                "time",
                "course_format",
                "venue",
                *self.COUNT_FIELDS,
                "refresher",
                "kits",
                "location",
                "batch",
                "note",
            ]
        )

    def audience_fields(self):
        """The audience steppers, in the order of `Attendance.AUDIENCE_FIELDS`."""
        return [self[name] for name in self.COUNT_FIELDS]

    def clean(self):
        cleaned = super().clean()
        if self.has_error("course"):
            # The course is a hidden field, so its error would be shown beside nothing: another trainer
            # logged the planned course first, or it was cancelled. Said above the form instead.
            del self.errors["course"]
            self.add_error(None, ValidationError(PLANNED_COURSE_GONE, code="planned_course_gone"))
        counts = {field: cleaned.get(field) for field in self.COUNT_FIELDS}
        # A location refused above (LOCATION_GONE) is not said again as missing.
        checks = (
            [] if "location" in self.errors else [(check_kits_source, cleaned.get("kits"), cleaned.get("location"))]
        )
        if None not in counts.values():
            checks.insert(0, (check_counts, counts, cleaned.get("refresher") or 0))
        for check, *arguments in checks:
            try:
                check(*arguments)
            except ValidationError as error:
                add_service_errors(self, error)
        return cleaned


class HandoutEntryForm(StreetForm):
    """A repeat supply outside a course."""

    stored_as = (Handout, "recorded_by")

    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=HandoutReason.choices,
        initial=HandoutReason.REPLACES_USED,
        widget=forms.RadioSelect(attrs={"class": "btn-check"}),
    )
    audience = forms.ChoiceField(
        label=_("Audience group"),
        choices=Audience.choices,
        initial=Audience.PEOPLE_WHO_USE_DRUGS,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    quantity = count_field(_("Kits"), minimum=1, initial=1)

    def __init__(self, *args, locations, **kwargs):
        super().__init__(*args, **kwargs)
        stock_fields(self, self.user, locations)
        self.fields["location"].required = True


class ReportEntryForm(StreetForm):
    """An overdose reversal told to a street worker. Nothing that identifies anyone."""

    stored_as = (ReversalReport, "reported_by")

    district = forms.ModelChoiceField(
        label=_("District"), queryset=District.objects.none(), widget=forms.Select(attrs={"class": "form-select"})
    )
    substances = forms.MultipleChoiceField(
        label=_("Suspected substances"),
        choices=Substance.choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "btn-check"}),
    )
    naloxone_doses = forms.IntegerField(
        label=_("Naloxone doses given"),
        min_value=0,
        max_value=MAX_DOSES,
        initial=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "form-control stepper-input"}),
    )
    called_112 = toggle(_("112 was called"))
    ambulance_arrived = toggle(_("An ambulance came"))
    first_aid_given = toggle(_("Rescue breaths or other first aid given"))
    stayed_until_help = toggle(_("The responder stayed until help came"))
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=ReversalReport.Outcome.choices,
        initial=ReversalReport.Outcome.RECOVERED,
        widget=BUTTONS,
    )
    responder_trained = forms.ChoiceField(
        label=_("The responder had taken a RED LIV course"),
        choices=ReversalReport.Trained.choices,
        initial=ReversalReport.Trained.YES,
        widget=BUTTONS,
    )
    note = note_field()

    def __init__(self, *args, districts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts

    def limit_days(self, now):
        """Also the year back every report is held to (`check_report`), for a user the 60 days do not hold."""
        super().limit_days(now)
        inputs.limit_dates(self.fields["date"], *report_days(now))
        attrs = self.fields["date"].widget.attrs
        attrs["data-days-back"] = attrs["data-days-back"] or str(OLDEST_REPORT_DAYS)

    def clean(self):
        """The rules every report follows (`check_report`), their date errors beside the date."""
        cleaned = super().clean()
        try:
            check_report(
                # A date already refused above (future, too far back) is not checked twice.
                occurred_at=None if self.has_error("date") else cleaned.get("when"),
                naloxone_doses=cleaned.get("naloxone_doses"),
                called_112=cleaned.get("called_112"),
                ambulance_arrived=cleaned.get("ambulance_arrived"),
                note=cleaned.get("note"),
                # Written offline within the year, it is taken however late it arrives (as the 60 days above).
                written_at=cleaned.get("written_at"),
            )
        except ValidationError as error:
            add_service_errors(self, error, renamed={"occurred_at": "date"})
        return cleaned


class CourseCorrectionForm(CourseEntryForm):
    """The same fields, for correcting a logged course.

    Its key (made when the page is shown) applies the correction once, however often it is sent;
    `version` names the state of the entry the page was opened on (courses.services.entry_version).
    A form posted without them (a page from before they were added) is applied as before.
    """

    stored_as = None  # its key is the correction's (street.models.AppliedChange), not an attendance's

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key"].required = False
        del self.fields["batch"]
        del self.fields["course_format"]
        del self.fields["course"]
        self.fields["version"] = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
        self.fields["change_reason"] = forms.CharField(
            label=_("Reason for the change"),
            required=False,
            max_length=inputs.HISTORY_REASON_MAX_LENGTH,
            validators=[refuse_identifiers],
            help_text=_("Needed when the month has been approved."),
            widget=forms.TextInput(attrs={"class": "form-control"}),
        )


class WithdrawForm(inputs.Form):
    """Why an entry is withdrawn: needed from a coordinator in an approved month, kept in the history.

    Its key withdraws the entry once, however often the tablet sends it (none: a page from before).
    """

    key = inputs.key_field(required=False)

    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=inputs.HISTORY_REASON_MAX_LENGTH,
        validators=[refuse_identifiers],
    )

    def __init__(self, *args, **kwargs):
        inputs.offer_key(kwargs)
        super().__init__(*args, **kwargs)


def locations_for(user):
    """Where the user's kits may come from (never a location for return or destruction)."""
    return StockLocation.objects.for_user(user).filter(StockLocation.handing_out_q())
