"""The report forms (public and staff), the review form, the filters and the kit replacement.

The forms check what a person typed; `services.check_report` holds the rules every
way in shares, and the forms call it so its messages appear beside the fields.
"""

import datetime as dt
from itertools import groupby

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from courses.models import Course
from kits.models import StockLocation
from redliv import inputs
from redliv.access import add_service_errors
from redliv.models import Audience, District
from redliv.personal_data import NAME_CONFIRM, may_name_someone, refuse_identifiers
from redliv.widgets import DateInput
from reversals import services
from reversals.models import ReversalReport, Substance

YES_NO = [("yes", _("Yes")), ("no", _("No"))]
NOTE_WARNING = _(
    "Never write names, addresses, phone numbers or anything else that can identify anyone. "
    "Notes are deleted after a while."
)


def yes_no(label, required_message):
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": required_message},
    )


def grouped_district_choices(districts):
    """Districts in an <optgroup> per municipality, for the district <select>."""
    districts = districts.select_related("municipality").order_by("municipality__name", "name")
    groups = [
        (municipality.name, [(district.pk, district.name) for district in members])
        for municipality, members in groupby(districts, key=lambda district: district.municipality)
    ]
    return [("", _("Choose a district"))] + groups


class ReportForm(inputs.Form):
    """What a report holds. The public form uses it as it is; staff add the course."""

    key = inputs.key_field()
    occurred_on = forms.DateField(
        label=_("Date"),
        widget=DateInput(),
        error_messages={"required": _("Give the date."), "invalid": _("Give a valid date.")},
    )
    occurred_time = forms.TimeField(
        label=_("Approximate time"),
        help_text=_("A guess is fine."),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"required": _("Give the approximate time."), "invalid": _("Give a valid time.")},
    )
    district = forms.ModelChoiceField(
        label=_("District"),
        queryset=District.objects.none(),
        help_text=_("Only the part of town, never an address."),
        error_messages={"required": _("Choose the district."), "invalid_choice": _("Choose a district from the list.")},
    )
    substances = forms.MultipleChoiceField(
        label=_("Suspected substances"),
        choices=Substance.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose all that fit, or “Unknown”."),
        error_messages={"required": _("Choose at least one substance, or “Unknown”.")},
    )
    naloxone_doses = forms.IntegerField(
        label=_("Number of naloxone doses given"),
        min_value=0,
        max_value=services.MAX_DOSES,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": _("Give the number of doses (0 to 10)."),
            "invalid": _("Give the number of doses as a whole number."),
            inputs.OUT_OF_RANGE: _("Give a number of doses from %(min)s to %(max)s."),
        },
    )
    called_112 = yes_no(_("Was 112 called?"), _("Answer whether 112 was called."))
    ambulance_arrived = yes_no(_("Did an ambulance come?"), _("Answer whether an ambulance came."))
    first_aid_given = yes_no(
        _("Were rescue breaths or other first aid given?"), _("Answer whether first aid was given.")
    )
    stayed_until_help = yes_no(
        _("Did the responder stay until help came?"), _("Answer whether the responder stayed until help came.")
    )
    outcome = forms.ChoiceField(
        label=_("How did it go?"),
        choices=ReversalReport.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the outcome.")},
    )
    responder_trained = forms.ChoiceField(
        label=_("Had the responder taken a RED LIV course?"),
        choices=ReversalReport.Trained.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Answer whether the responder had taken a course.")},
    )
    kit_replaced = yes_no(_("Has the used kit been replaced?"), _("Answer whether the kit has been replaced."))
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=1000,
        validators=[refuse_identifiers],
        help_text=NOTE_WARNING,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    main_fields = [
        "occurred_on",
        "occurred_time",
        "district",
        "substances",
        "naloxone_doses",
        "called_112",
        "ambulance_arrived",
        "first_aid_given",
        "stayed_until_help",
        "outcome",
        "responder_trained",
    ]

    def __init__(self, *args, districts, **kwargs):
        inputs.offer_key(kwargs)
        super().__init__(*args, **kwargs)
        inputs.limit_dates(self.fields["occurred_on"], *services.report_days())
        self.fields["district"].queryset = districts
        self.fields["district"].widget.choices = grouped_district_choices(districts)
        if self.is_bound and may_name_someone(self.data.get("note")):
            # Names cannot be detected reliably: when the note looks as if it holds one, the form
            # asks once more before storing it (a confirm step, beside the note).
            self.fields["note_names_no_one"] = forms.BooleanField(
                label=_("I have checked: the note names no one"),
                help_text=NAME_CONFIRM,
                error_messages={"required": _("Remove the name from the note, or confirm that it names no one.")},
            )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(*self.layout_fields())

    def layout_fields(self):
        return [
            "key",
            Fieldset(_("When and where"), "occurred_on", "occurred_time", "district"),
            Fieldset(
                _("What happened"),
                "substances",
                "naloxone_doses",
                "called_112",
                "ambulance_arrived",
                "first_aid_given",
                "stayed_until_help",
                "outcome",
            ),
            Fieldset(_("The responder and the kit"), "responder_trained", "kit_replaced"),
            "note",
            *(["note_names_no_one"] if "note_names_no_one" in self.fields else []),
        ]

    def clean(self):
        data = super().clean()
        day, time = data.get("occurred_on"), data.get("occurred_time")
        if day and time:
            data["occurred_at"] = timezone.make_aware(dt.datetime.combine(day, time))
        try:
            services.check_report(
                occurred_at=data.get("occurred_at"),
                naloxone_doses=data.get("naloxone_doses"),
                called_112=data.get("called_112"),
                ambulance_arrived=data.get("ambulance_arrived"),
                note=data.get("note"),
            )
        except ValidationError as error:
            add_service_errors(self, error, renamed={"occurred_at": "occurred_on"})
        return data

    def report_fields(self):
        """The cleaned data, named as `services.create_reversal_report` takes it."""
        names = [
            "occurred_at",
            "district",
            "substances",
            "naloxone_doses",
            "called_112",
            "ambulance_arrived",
            "first_aid_given",
            "stayed_until_help",
            "outcome",
            "responder_trained",
            "kit_replaced",
            "note",
        ]
        return {name: self.cleaned_data[name] for name in names} | {"key": self.cleaned_data["key"]}


def optional_yes_no(label):
    """A yes/no question that may be left out: not answered is None."""
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )


NOTE_MAX_LENGTH = 1000


class PublicReportForm(ReportForm):
    """The anonymous form on the public site, for a phone, in the responder's own words.

    Someone who has just been through an overdose answers first only what matters most
    (`first_fields`: when, roughly where, the doses, 112, the outcome); every other question
    is optional, in a "more details" part of the same form (`detail_fields`).
    """

    first_fields = ["occurred_on", "occurred_time", "district", "naloxone_doses", "called_112", "outcome"]
    detail_fields = [
        "substances",
        "ambulance_arrived",
        "first_aid_given",
        "stayed_until_help",
        "responder_trained",
        "kit_replaced",
        "note",
        "note_names_no_one",
    ]

    ambulance_arrived = optional_yes_no(_("Did an ambulance come?"))
    first_aid_given = optional_yes_no(_("Did you give rescue breaths or other first aid?"))
    stayed_until_help = optional_yes_no(_("Did you stay until help came?"))
    kit_replaced = optional_yes_no(_("Have you already got a new kit?"))
    # A honeypot: hidden from people (and from screen readers); bots fill it in.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, districts=District.objects.all(), **kwargs)
        fields = self.fields
        fields["district"].help_text = _("Only the part of town where it happened, never an address.")
        doses = fields["naloxone_doses"]
        doses.label = _("How many doses of naloxone did you give?")
        doses.help_text = _("A number from 0 to %(max)d.") % {"max": services.MAX_DOSES}
        fields["called_112"].label = _("Did you or someone else call 112?")
        fields["substances"].required = False
        fields["substances"].help_text = _("Choose all that fit. If you leave it, we note “Unknown”.")
        fields["responder_trained"].label = _("Have you taken a RED LIV course?")
        fields["responder_trained"].required = False
        fields["note"].max_length = NOTE_MAX_LENGTH
        fields["note"].error_messages["max_length"] = _(
            "Shorten the note to at most %(limit_value)d characters (it has %(show_value)d)."
        )
        fields["note"].widget.attrs["maxlength"] = NOTE_MAX_LENGTH
        # static/js/public-form.js shows what is left beside the note.
        fields["note"].widget.attrs["data-counter"] = _("%(left)s of %(max)s characters left")
        fields["note"].help_text = format_lazy(
            "{} {}", NOTE_WARNING, _("Up to %(max)d characters.") % {"max": NOTE_MAX_LENGTH}
        )

    def clean(self):
        data = super().clean()
        if not data.get("substances"):
            data["substances"] = [Substance.UNKNOWN]
        if not data.get("responder_trained"):
            data["responder_trained"] = ReversalReport.Trained.UNKNOWN
        if data.get("kit_replaced") is None:
            data["kit_replaced"] = False  # not answered: the kit is offered, as for a "no"
        return data

    def first_part(self):
        return [self[name] for name in self.first_fields]

    def detail_part(self):
        return [self[name] for name in self.detail_fields if name in self.fields]

    def details_open(self):
        """Open the optional part when it holds an answer or an error, so that nothing is hidden."""
        names = [name for name in self.detail_fields if name in self.fields]
        if not self.is_bound:  # shown again after a language switch (redliv.language_switch), as typed
            return any(self.initial.get(name) for name in names)
        return any(self.errors.get(name) or self.data.get(name) for name in names)

    def is_spam(self):
        return bool(self.data.get("website"))


class CourseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, course):
        return f"{date_format(timezone.localtime(course.starts_at), 'SHORT_DATE_FORMAT')} · {course}"


class StaffReportForm(ReportForm):
    """A report told to a member of staff, entered at the desk."""

    responder_course = CourseChoiceField(
        label=_("The responder's RED LIV course (optional)"),
        queryset=Course.objects.none(),
        required=False,
        help_text=_("Courses in your municipality during the last two years."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, districts=District.objects.for_user(user), **kwargs)
        now = timezone.now()
        self.fields["responder_course"].queryset = (
            Course.objects.for_user(user)
            .filter(
                starts_at__lte=now,
                starts_at__gte=now - dt.timedelta(days=730),
            )
            .order_by("-starts_at")
        )

    def layout_fields(self):
        fields = super().layout_fields()
        fields[3] = Fieldset(_("The responder and the kit"), "responder_trained", "responder_course", "kit_replaced")
        return fields

    def clean(self):
        data = super().clean()
        course, district = data.get("responder_course"), data.get("district")
        if course and district and course.municipality_id != district.municipality_id:
            self.add_error("responder_course", _("Choose a course in the district's municipality."))
        return data

    def report_fields(self):
        return super().report_fields() | {"responder_course": self.cleaned_data.get("responder_course")}


class ReviewForm(inputs.Form):
    # The review the page showed (pending, verified, rejected): a review saved meanwhile by someone else (another
    # tab, another coordinator) is not silently overwritten (`services.review_report`). None from an older page.
    shown_status = forms.ChoiceField(
        choices=ReversalReport.ReviewStatus.choices, required=False, widget=forms.HiddenInput
    )
    decision = forms.ChoiceField(
        label=_("Decision"),
        widget=forms.RadioSelect,
        choices=[("verify", _("Verify: the report counts")), ("reject", _("Reject: the report does not count"))],
        error_messages={"required": _("Choose verify or reject.")},
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=inputs.HISTORY_REASON_MAX_LENGTH,
        required=False,
        validators=[refuse_identifiers],
        help_text=_("Required when rejecting, and for a report in an approved month. No personal data."),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not data.get("reason", "").strip():
            self.add_error("reason", _("Give a reason for rejecting the report."))
        return data


class ReportFilterForm(inputs.Form):
    """Filters on the coordinators' list. Every field is optional."""

    start = forms.DateField(label=_("From"), required=False, widget=DateInput())
    end = forms.DateField(label=_("To"), required=False, widget=DateInput())
    district = forms.ModelChoiceField(
        label=_("District"), queryset=District.objects.none(), required=False, empty_label=_("All districts")
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"), required=False, choices=[("", _("All outcomes")), *ReversalReport.Outcome.choices]
    )
    status = forms.ChoiceField(
        label=_("Review"), required=False, choices=[("", _("All")), *ReversalReport.ReviewStatus.choices]
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = District.objects.for_user(user)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select" if isinstance(field.widget, forms.Select) else "form-control"

    def filter(self, reports):
        """Every report when no filter is asked for; none, beside the form's errors, when a filter is invalid (as
        the course list): a list that ignored a mistyped date read as if it were filtered."""
        if not self.is_bound:
            return reports
        if not self.is_valid():
            return reports.none()
        data = self.cleaned_data
        if data["start"]:
            reports = reports.filter(occurred_at__date__gte=data["start"])
        if data["end"]:
            reports = reports.filter(occurred_at__date__lte=data["end"])
        if data["district"]:
            reports = reports.filter(district=data["district"])
        if data["outcome"]:
            reports = reports.filter(outcome=data["outcome"])
        if data["status"]:
            reports = reports.filter(review_status=data["status"])
        return reports


class ReplaceKitForm(inputs.Form):
    key = inputs.key_field()
    location = forms.ModelChoiceField(
        label=_("Hand out from"),
        queryset=StockLocation.objects.none(),
        error_messages={"required": _("Choose where the new kit comes from.")},
    )
    audience = forms.ChoiceField(
        label=_("The recipient's audience group"), choices=Audience.choices, initial=Audience.PEOPLE_WHO_USE_DRUGS
    )

    def __init__(self, *args, user, report, **kwargs):
        inputs.offer_key(kwargs)
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = StockLocation.objects.for_user(user).filter(
            StockLocation.handing_out_q(),
            municipality=report.district.municipality_id,
        )
