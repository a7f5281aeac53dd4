"""The coordinator's forms. They validate with clear messages; the database enforces."""

from django import forms
from django.contrib.auth import get_user_model
from django.forms import inlineformset_factory
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from courses.models import (
    LATITUDE_RANGE,
    LONGITUDE_RANGE,
    Certification,
    Course,
    CourseFormat,
    CourseRequest,
    DropInException,
    DropInSchedule,
    Trainer,
    Venue,
    ends_after_start,
)
from redliv import inputs, roles
from redliv.edits import edit_key_field, offer_version, shown_version_field
from redliv.models import Audience, CourseLanguage, District, Organisation, name_of
from redliv.personal_data import refuse_identifiers
from redliv.widgets import DateInput

PERSONAL_DATA_WARNING = _("Never write names or other personal data about participants here.")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def checkboxes(choices, label):
    return forms.MultipleChoiceField(
        label=label,
        choices=choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


def refuse_a_venue_elsewhere(form, venue):
    """A course or drop-in hours stay in their municipality: an administrator, offered every municipality's
    venues, cannot move one to a venue of another (a coordinator is offered their own only)."""
    municipality = form.instance.municipality_id if form.instance.pk else None
    if venue and municipality and venue.municipality_id != municipality:
        form.add_error(
            "venue",
            forms.ValidationError(
                _("Choose a venue in %(municipality)s, where this is planned.")
                % {"municipality": form.instance.municipality},
                code="venue_elsewhere",
            ),
        )


def venues_offered(user, instance):
    """The user's open venues, and the one the course or drop-in hours are at already, even if it has closed
    since: their past can still be corrected without moving them (as inactive trainers stay on a course)."""
    venues = Venue.objects.for_user(user).filter(active=True)
    if instance.venue_id:
        venues = venues | Venue.objects.for_user(user).filter(pk=instance.venue_id)
    return venues.distinct()


def refuse_a_closed_venue(form, venue, planned_from_today):
    """A closed venue stays on the form of what was held there, to correct its past (`venues_offered`), but
    nothing is planned there again: it was closed because nothing was (`Venue.clean`), and the finder shows
    nothing held at a closed venue."""
    if venue is not None and not venue.active and planned_from_today:
        form.add_error(
            "venue",
            forms.ValidationError(
                _("%(venue)s is closed: choose an open venue for what is planned from today on.") % {"venue": venue},
                code="venue_closed",
            ),
        )


def refuse_if_not_public(form, venue):
    """A residents-only venue cannot be shown in the public finder (`Venue.not_public_reason`)."""
    reason = venue.not_public_reason() if venue and form.cleaned_data.get("published") else None
    if reason:
        form.add_error("published", forms.ValidationError(reason, code="residents_only"))


class CourseForm(inputs.ModelForm):
    audiences = checkboxes(Audience.choices, _("Audiences"))
    languages = checkboxes(CourseLanguage.choices, _("Languages"))
    key = inputs.key_field(required=False)  # none from a page shown before keys
    shown_version = shown_version_field()
    edit_key = edit_key_field()
    change_reason = forms.CharField(
        label=_("Reason, for a course in an approved month"),
        max_length=inputs.HISTORY_REASON_MAX_LENGTH,
        required=False,
        validators=[refuse_identifiers],
        help_text=format_lazy(
            "{} {}",
            _("Only needed when the course is, or was, dated in a month that is approved."),
            PERSONAL_DATA_WARNING,
        ),
    )

    class Meta:
        model = Course
        fields = [
            "kind",
            "format",
            "title",
            "venue",
            "joining_url",
            "starts_at",
            "ends_at",
            "audiences",
            "languages",
            "capacity",
            "trainers",
            "public_description",
            "published",
        ]
        widgets = {
            "starts_at": DateTimeInput(),
            "ends_at": DateTimeInput(),
            "trainers": forms.CheckboxSelectMultiple,
            "public_description": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"public_description": PERSONAL_DATA_WARNING}

    def __init__(self, *args, user, **kwargs):
        inputs.offer_key(kwargs)  # a new course: the key that plans it once
        super().__init__(*args, **kwargs)
        offer_version(self)
        self.fields["venue"].queryset = venues_offered(user, self.instance)
        trainers = Trainer.objects.for_user(user).filter(active=True)
        if self.instance.pk:  # keep inactive trainers already on the course
            trainers = trainers | Trainer.objects.for_user(user).filter(courses=self.instance)
        self.fields["trainers"].queryset = trainers.distinct().order_by("name")
        self.fields["venue"].help_text = _("Every course but an online one takes place at a venue.")
        self.fields["capacity"].min_value = 1  # the database's course_capacity_positive

    def clean(self):
        data = super().clean()
        starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", _("The course must end after it starts."))
        venue, course_format = data.get("venue"), data.get("format")
        if course_format == CourseFormat.ONLINE:
            if not data.get("joining_url"):
                self.add_error("joining_url", _("An online course needs a joining link."))
            if venue:
                self.add_error("venue", _("An online course has no venue; leave it empty."))
        elif course_format and not venue:
            self.add_error("venue", _("Choose the venue where the course takes place."))
        refuse_a_venue_elsewhere(self, venue)
        refuse_a_closed_venue(
            self,
            venue,
            self.instance.status == Course.Status.PLANNED and ends_at is not None and ends_at > timezone.now(),
        )
        refuse_if_not_public(self, venue)
        # As the publish button (`publish_problem`): a cancelled or held course is not put in the finder.
        instance = self.instance
        if (
            data.get("published")
            and instance.pk
            and not instance.published
            and instance.status != Course.Status.PLANNED
        ):
            self.add_error(
                "published",
                forms.ValidationError(
                    _("Only a planned course can be shown in the public finder."), code="not_planned"
                ),
            )
        return data


class CourseFilterForm(inputs.Form):
    WHEN = [("upcoming", _("Upcoming")), ("past", _("Past")), ("all", _("All"))]

    when = forms.ChoiceField(label=_("When"), choices=WHEN, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("All"))] + Course.Kind.choices, required=False)
    format = forms.ChoiceField(label=_("Format"), choices=[("", _("All"))] + CourseFormat.choices, required=False)
    venue = forms.ModelChoiceField(
        label=_("Venue"), queryset=Venue.objects.none(), required=False, empty_label=_("All")
    )
    trainer = forms.ModelChoiceField(
        label=_("Trainer"), queryset=Trainer.objects.none(), required=False, empty_label=_("All")
    )
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("All"))] + Course.Status.choices, required=False)
    published = forms.ChoiceField(
        label=_("Public"),
        required=False,
        choices=[("", _("All")), ("yes", _("Shown publicly")), ("no", _("Not shown publicly"))],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["venue"].queryset = Venue.objects.for_user(user)
        self.fields["trainer"].queryset = Trainer.objects.for_user(user)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select"

    def filter(self, courses):
        if not self.is_valid():
            return courses.none()
        data = self.cleaned_data
        when = data.get("when") or "upcoming"
        now = timezone.now()
        if when == "upcoming":
            courses = courses.filter(ends_at__gte=now).order_by("starts_at")
        elif when == "past":
            courses = courses.filter(ends_at__lt=now).order_by("-starts_at")
        else:
            courses = courses.order_by("-starts_at")
        for field in ["kind", "format", "venue", "status"]:
            if data.get(field):
                courses = courses.filter(**{field: data[field]})
        if data.get("trainer"):
            courses = courses.filter(trainers=data["trainer"])
        if data.get("published"):
            courses = courses.filter(published=data["published"] == "yes")
        return courses


class CancelCourseForm(inputs.Form):
    reason = forms.CharField(
        label=_("Reason for cancelling"),
        max_length=200,
        help_text=format_lazy(
            "{} {}", _("Shown on the public page for a while, e.g. “The trainer is ill”."), PERSONAL_DATA_WARNING
        ),
    )


class DropInScheduleForm(inputs.ModelForm):
    audiences = checkboxes(Audience.choices, _("Audiences"))
    languages = checkboxes(CourseLanguage.choices, _("Languages"))
    key = inputs.key_field(required=False)  # none from a page shown before keys
    shown_version = shown_version_field()
    edit_key = edit_key_field()

    class Meta:
        model = DropInSchedule
        fields = [
            "title",
            "venue",
            "weekday",
            "starts_at",
            "ends_at",
            "valid_from",
            "valid_until",
            "audiences",
            "languages",
            "public_description",
            "published",
        ]
        widgets = {
            "starts_at": TimeInput(),
            "ends_at": TimeInput(),
            "valid_from": DateInput(),
            "valid_until": DateInput(),
            "public_description": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "public_description": PERSONAL_DATA_WARNING,
            "ends_at": _("00:00 is midnight, at the end of the day."),
        }

    def __init__(self, *args, user, **kwargs):
        inputs.offer_key(kwargs)  # new drop-in hours: the key that creates them once
        super().__init__(*args, **kwargs)
        offer_version(self)
        self.fields["venue"].queryset = venues_offered(user, self.instance)

    def clean(self):
        data = super().clean()
        starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
        if starts_at is not None and ends_at is not None and not ends_after_start(starts_at, ends_at):
            self.add_error("ends_at", _("The drop-in hours must end after they start (00:00 is midnight)."))
        valid_from, valid_until = data.get("valid_from"), data.get("valid_until")
        if valid_from and valid_until and valid_until < valid_from:
            self.add_error("valid_until", _("“Valid until” cannot be before “valid from”."))
        venue = data.get("venue")
        refuse_a_venue_elsewhere(self, venue)
        still_held = valid_until is None or valid_until >= timezone.localdate()
        refuse_a_closed_venue(self, venue, still_held and not self.has_error("valid_until"))
        refuse_if_not_public(self, venue)
        return data


class DropInExceptionForm(inputs.ModelForm):
    class Meta:
        model = DropInException
        fields = ["date", "reason"]
        widgets = {"date": DateInput()}
        help_texts = {"reason": _("For example: public holiday, or the venue is closed.")}

    def __init__(self, *args, schedule, **kwargs):
        super().__init__(*args, **kwargs)
        self.schedule = schedule
        # The picker offers the days `clean_date` takes: from today (and the first valid day) to the last valid day.
        inputs.limit_dates(self.fields["date"], max(timezone.localdate(), schedule.valid_from), schedule.valid_until)

    def clean_date(self):
        date = self.cleaned_data["date"]
        schedule = self.schedule
        if date < timezone.localdate():  # Copenhagen's date: a closure tells people ahead, it changes no past
            raise forms.ValidationError(
                _("The date has passed. Choose today or a later date the drop-in hours are closed."),
                code="date_passed",
            )
        if date.weekday() != schedule.weekday:
            raise forms.ValidationError(
                _("The drop-in hours are on %(weekday)s; choose a %(weekday)s."),
                params={"weekday": schedule.get_weekday_display().lower()},
            )
        if date < schedule.valid_from or (schedule.valid_until and date > schedule.valid_until):
            raise forms.ValidationError(_("The date is outside the period the drop-in hours are valid."))
        if schedule.exceptions.filter(date=date).exists():
            raise forms.ValidationError(_("That date is already an exception."))
        return date


class TrainerForm(inputs.ModelForm):
    key = inputs.key_field(required=False)  # none from a page shown before keys
    shown_version = shown_version_field()
    edit_key = edit_key_field()

    class Meta:
        model = Trainer
        fields = ["name", "organisation", "contact", "active", "show_name_publicly"]
        help_texts = {"contact": _("Phone or e-mail. Only staff see it.")}

    def __init__(self, *args, user, **kwargs):
        inputs.offer_key(kwargs)  # a new trainer: the key that registers them once
        super().__init__(*args, **kwargs)
        offer_version(self)
        self.fields["organisation"].queryset = Organisation.objects.for_user(user)


class VenueForm(inputs.ModelForm):
    """A venue of the coordinator's municipality. Its own rules (`Venue.clean`: a district of the venue's
    municipality; not closed, nor made residents-only, while something is still planned there) are checked
    by the model when the form validates; the database's rules are checked here, each with its message."""

    key = inputs.key_field(required=False)  # none from a page shown before keys
    shown_version = shown_version_field()
    edit_key = edit_key_field()

    class Meta:
        model = Venue
        fields = [
            "name",
            "organisation",
            "kind",
            "address",
            "postcode",
            "city",
            "district",
            "latitude",
            "longitude",
            "open_to_public",
            "accessibility_notes",
            "active",
        ]
        widgets = {"accessibility_notes": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "accessibility_notes": _("Step-free access, toilets, lift: what a visitor should know before coming."),
            "active": _(
                "Untick to close the venue: it is no longer offered for new courses and drop-in hours, and "
                "nothing held there is shown in the public finder."
            ),
        }

    def __init__(self, *args, user, **kwargs):
        inputs.offer_key(kwargs)  # a new venue: the key that creates it once
        super().__init__(*args, **kwargs)
        offer_version(self)
        organisations = Organisation.objects.for_user(user)
        districts = District.objects.for_user(user).select_related("municipality")
        if self.instance.pk:  # a venue stays in its municipality
            organisations = organisations.filter(municipality=self.instance.municipality_id)
            districts = districts.filter(municipality=self.instance.municipality_id)
        self.fields["organisation"].queryset = organisations
        self.fields["district"].queryset = districts
        # What the number field takes in every browser: a point, never a comma (a Danish "55,395" is refused
        # where the browser's language is another), within the range the field and the database hold.
        self.fields["latitude"].help_text = _(
            "For the map in the finder: degrees north, with a point, e.g. 55.395 (from %(min)s to %(max)s). Give "
            "both coordinates, or neither."
        ) % dict(zip(("min", "max"), LATITUDE_RANGE, strict=True))
        self.fields["longitude"].help_text = _("Degrees east, with a point, e.g. 10.388 (from %(min)s to %(max)s).") % (
            dict(zip(("min", "max"), LONGITUDE_RANGE, strict=True))
        )
        # Every municipality has its own "Centrum": named with it for whoever sees several.
        if user.has_perm(roles.SEE_EVERY_MUNICIPALITY):
            self.fields["district"].label_from_instance = lambda district: f"{district.name} ({district.municipality})"

    def clean(self):
        data = super().clean()
        organisation = data.get("organisation")
        venue = self.instance
        if venue.pk is None and organisation is not None:
            venue.municipality = organisation.municipality  # the organisation's, as it is seen and counted there
        municipality = venue.municipality if venue.municipality_id else None
        if organisation is not None and municipality is not None and organisation.municipality_id != municipality.pk:
            self.add_error(
                "organisation",
                forms.ValidationError(
                    _("Choose an organisation in %(municipality)s, where the venue is."),
                    code="organisation_elsewhere",
                    params={"municipality": municipality},
                ),
            )
        name = data.get("name")
        if name and municipality is not None:
            namesakes = Venue.objects.filter(municipality=municipality, name=name).exclude(pk=venue.pk)
            if data.get("key"):  # the venue this form created already, sent again: the service returns it
                namesakes = namesakes.exclude(form_key=data["key"])
            if namesakes.exists():
                self.add_error(
                    "name", _("%(municipality)s already has a venue with this name.") % {"municipality": municipality}
                )
        if data.get("kind") == Venue.Kind.SHELTER and data.get("open_to_public"):
            self.add_error(
                "open_to_public",
                _("A shelter is for its residents only: untick “open to the public”, or choose another kind."),
            )
        if data.get("kind") == Venue.Kind.STAIRWELL and data.get("open_to_public"):
            self.add_error(
                "open_to_public",
                _(
                    "A stairwell is where its residents live: it is never shown to the public, as its name and "
                    "address would tell everyone where people who use drugs live. Untick “open to the public”."
                ),
            )
        postcode = data.get("postcode")
        if postcode and not (len(postcode) == 4 and postcode.isascii() and postcode.isdigit()):
            self.add_error("postcode", _("A postcode has four digits."))
        latitude, longitude = data.get("latitude"), data.get("longitude")
        if (latitude is None) != (longitude is None) and not (
            self.has_error("latitude") or self.has_error("longitude")
        ):
            self.add_error("longitude" if longitude is None else "latitude", _("Give both coordinates, or neither."))
        return data


class CertificationForm(inputs.ModelForm):
    class Meta:
        model = Certification
        fields = ["kind", "issued_on", "expires_on"]
        widgets = {"issued_on": DateInput(), "expires_on": DateInput()}

    def clean(self):
        data = super().clean()
        issued_on, expires_on = data.get("issued_on"), data.get("expires_on")
        if issued_on and expires_on and expires_on <= issued_on:
            self.add_error("expires_on", _("The certification must expire after it was issued."))
        return data


CertificationFormSet = inlineformset_factory(
    Trainer,
    Certification,
    form=CertificationForm,
    extra=1,
    can_delete=True,
)


class CourseRequestForm(inputs.ModelForm):
    class Meta:
        model = CourseRequest
        fields = ["assigned_to", "status"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        coordinators = (
            get_user_model()
            .objects.filter(
                is_active=True,
                groups__name=roles.COORDINATOR,
            )
            .order_by("username")
        )
        municipality = self.instance.municipality_id
        self.fields["assigned_to"].queryset = coordinators.filter(organisation__municipality=municipality)
        self.fields["assigned_to"].label_from_instance = name_of


class AnswerRequestForm(inputs.Form):
    format = forms.ChoiceField(
        label=_("Answer with"),
        choices=[
            (CourseFormat.SCHEDULED, CourseFormat.SCHEDULED.label),
            (CourseFormat.ON_SITE, CourseFormat.ON_SITE.label),
        ],
        widget=forms.RadioSelect,
        initial=CourseFormat.ON_SITE,
    )
