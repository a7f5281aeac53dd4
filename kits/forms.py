"""Forms for the stock screens. They check what a person can get wrong; the services
and the database enforce the rest. Every form carries a hidden key made when it is
shown, so that a double submit is stored once.
"""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from kits import services
from kits.models import (
    EARLIEST_LOT_DATE,
    LATEST_LOT_DATE,
    Batch,
    HandoutReason,
    KitType,
    StockLocation,
    StockMovement,
    is_taken_back_into_use,
    validate_lot_date,
)
from redliv import inputs
from redliv.models import Audience
from redliv.personal_data import refuse_identifiers
from redliv.widgets import DateInput

NO_PERSONAL_DATA = _("Never write names or other personal data.")


class KeyedForm(inputs.Form):
    key = inputs.key_field()

    def __init__(self, *args, user=None, **kwargs):
        inputs.offer_key(kwargs)
        super().__init__(*args, **kwargs)
        self.user = user
        for name in self.fields:
            if name in ("location", "from_location", "to_location"):
                self.fields[name].queryset = StockLocation.objects.for_user(user).filter(active=True)


class BatchChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, batch):
        return _("%(lot)s · %(product)s · expires %(date)s") % {
            "lot": batch.lot_number,
            "product": batch.product,
            "date": date_format(batch.expiry_date, "SHORT_DATE_FORMAT"),
        }


def known_batches(user):
    """Batches that have been in a stock location the user may see (a level stays, at 0, once kits came).

    Lots are the manufacturer's and shared by the country, but which lots a municipality
    holds, and their products, are its own business: the forms list only these."""
    return (
        Batch.objects.filter(levels__location__in=StockLocation.objects.for_user(user))
        .distinct()
        .order_by("expiry_date", "lot_number")
    )


def batches_on_hand(user):
    """Batches that some location the user may see holds, soonest expiry first."""
    locations = StockLocation.objects.for_user(user)
    return (
        Batch.objects.filter(levels__location__in=locations, levels__quantity__gt=0)
        .distinct()
        .order_by("expiry_date", "lot_number")
    )


class DatedForm(KeyedForm):
    """A stock form with an effective date: the day the kits moved or were counted, today unless
    changed (a count on the 1st for the last day of the month before). Left empty, today. A date in
    an approved month is refused by the service, with the rule every entry follows there."""

    on_date = forms.DateField(
        label=_("Date"),
        required=False,
        widget=DateInput(),
        help_text=_(
            "The day it happened, if not today. For example a count made on the last day of the month and "
            "entered on the 1st."
        ),
    )

    change_reason = forms.CharField(
        label=_("Reason, for a date in an approved month"),
        max_length=200,
        required=False,
        validators=[refuse_identifiers],
        help_text=format_lazy(
            "{} {}", _("Only a coordinator can date an entry in an approved month, with a reason."), NO_PERSONAL_DATA
        ),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("on_date", timezone.localdate())
        super().__init__(*args, **kwargs)
        for name in ("on_date", "change_reason"):  # last: most entries are of today
            self.fields[name] = self.fields.pop(name)
        inputs.limit_dates(self.fields["on_date"], latest=timezone.localdate())  # `clean_on_date`: not after today

    def clean_on_date(self):
        on_date = self.cleaned_data["on_date"]
        if on_date is not None and on_date > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."), code="future")
        return on_date


KITS_OUT_OF_RANGE = {inputs.OUT_OF_RANGE: _("Enter a number of kits from %(min)s to %(max)s.")}


def quantity_field(**kwargs):
    """A number of kits moved: at least one (the database's movement_quantity_positive)."""
    return forms.IntegerField(label=_("Number of kits"), min_value=1, error_messages=KITS_OUT_OF_RANGE, **kwargs)


class DeliveryForm(DatedForm):
    """A delivery of one lot, dated the day it was received (`on_date`, as every dated stock form)."""

    location = forms.ModelChoiceField(label=_("Into stock location"), queryset=StockLocation.objects.none())
    kit_type = forms.ModelChoiceField(label=_("Kit type"), queryset=KitType.objects.filter(active=True))
    product = forms.CharField(
        label=_("Product"), max_length=150, help_text=_("For example: Nyxoid 1.8 mg nasal spray.")
    )
    lot_number = forms.CharField(label=_("Lot number"), max_length=50)
    expiry_date = forms.DateField(label=_("Expiry date"), widget=DateInput(), validators=[validate_lot_date])
    quantity = quantity_field()

    # What a page made before the form took the shared date fields posts: a form open over the change, sent
    # after it, keeps the day it names (it was taken as today, silently).
    OLD_NAMES = {"received_on": "on_date", "reason": "change_reason"}

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and not any(new in data for new in self.OLD_NAMES.values()):
            data = data.copy()
            for old, new in self.OLD_NAMES.items():
                if old in data:
                    data[new] = data[old]
        super().__init__(data, *args, **kwargs)
        self.fields["on_date"].label = _("Received on")
        self.fields["on_date"].help_text = _("The day the kits came, if not today.")
        self.fields["product"].widget.attrs["list"] = "known-products"
        # One kit type in use (the usual case): chosen already, not a required choice of one.
        kit_types = list(self.fields["kit_type"].queryset.values_list("pk", flat=True)[:2])
        if len(kit_types) == 1:
            self.fields["kit_type"].initial = kit_types[0]
        # The lot's dates as the model and the database hold them (validate_lot_date, batch_dates_within_range);
        # an expiry date before today is refused too (`clean`).
        inputs.limit_dates(self.fields["on_date"], earliest=EARLIEST_LOT_DATE)
        inputs.limit_dates(self.fields["expiry_date"], earliest=timezone.localdate(), latest=LATEST_LOT_DATE)

    def clean_lot_number(self):
        return self.cleaned_data["lot_number"].strip()

    def clean(self):
        cleaned = super().clean()
        expiry, received = cleaned.get("expiry_date"), None
        if "on_date" in cleaned:  # a valid date, or left empty: today
            received = cleaned["on_date"] or timezone.localdate()
        if expiry and received and expiry <= received:
            self.add_error(
                "expiry_date",
                forms.ValidationError(
                    _("The expiry date must be after the received date."), code="expiry_before_receipt"
                ),
            )
        elif expiry and expiry < timezone.localdate():
            self.add_error(
                "expiry_date",
                forms.ValidationError(
                    _(
                        "These kits expired on %(date)s and cannot be received. Return them to the supplier or "
                        "discard them."
                    ),
                    code="expired_on_receipt",
                    params={"date": date_format(expiry, "SHORT_DATE_FORMAT")},
                ),
            )
        return cleaned


class TransferForm(DatedForm):
    from_location = forms.ModelChoiceField(label=_("From"), queryset=StockLocation.objects.none())
    to_location = forms.ModelChoiceField(label=_("To"), queryset=StockLocation.objects.none())
    batch = BatchChoiceField(
        label=_("Batch"),
        queryset=Batch.objects.none(),
        required=False,
        empty_label=_("First expiry, first out"),
        help_text=_("Leave empty to move the earliest-expiring batch that holds enough."),
    )
    quantity = quantity_field()
    reason = forms.CharField(
        label=_("Note"),
        max_length=200,
        required=False,
        validators=[refuse_identifiers],
        help_text=format_lazy(
            "{} {}",
            _("Required when kits leave a location for return or destruction to be used again: say why."),
            NO_PERSONAL_DATA,
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["batch"].queryset = batches_on_hand(self.user)

    def clean(self):
        cleaned = super().clean()
        source, target = cleaned.get("from_location"), cleaned.get("to_location")
        if source and target and source == target:
            self.add_error(
                "to_location",
                forms.ValidationError(
                    _("Choose another location than the one the kits come from."), code="same_location"
                ),
            )
        elif is_taken_back_into_use(source, target) and "reason" in cleaned:
            self.check_taking_back(source, cleaned)
        return cleaned

    def check_taking_back(self, source, cleaned):
        """Kits out of a location for return into an ordinary one: the service's rule, beside the fields."""
        try:
            services.check_taking_back(self.user, source, cleaned["reason"])
            batch, day = cleaned.get("batch"), cleaned.get("on_date") or timezone.localdate()
            if batch is not None and batch.is_recalled(day):
                raise services.recalled_kits_stay(batch, source)
        except ValidationError as error:
            for field, errors in error.error_dict.items():
                self.add_error(field, errors)


class DiscardForm(DatedForm):
    location = forms.ModelChoiceField(label=_("Stock location"), queryset=StockLocation.objects.none())
    batch = BatchChoiceField(label=_("Batch"), queryset=Batch.objects.none())
    quantity = quantity_field()
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        validators=[refuse_identifiers],
        help_text=format_lazy("{} {}", _("For example: expired, or the spray is damaged."), NO_PERSONAL_DATA),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["batch"].queryset = batches_on_hand(self.user)


class CountForm(DatedForm):
    location = forms.ModelChoiceField(label=_("Stock location"), queryset=StockLocation.objects.none())
    batch = BatchChoiceField(label=_("Batch"), queryset=Batch.objects.none())
    counted = forms.IntegerField(
        label=_("Kits counted"),
        min_value=0,
        error_messages=KITS_OUT_OF_RANGE,
        help_text=_("On a date before today: the kits there at the end of that day."),
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=200, validators=[refuse_identifiers], help_text=NO_PERSONAL_DATA
    )
    # Asked for only when the service finds kits that came in after the count's date (a count dated back
    # before a delivery would add those kits a second time): hidden until then.
    confirm_arrivals = forms.BooleanField(
        label=_("Yes, the count is of the stock at the end of that day, before these kits came."),
        required=False,
        widget=forms.HiddenInput,
    )
    # The count the tick answers (location, lot, date), set when the service asks: a tick left from an earlier
    # question (the form came back for another reason, and the date or the lot was changed since) confirms
    # nothing it was not asked about, and neither does a tick sent without the question.
    arrivals_for = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A count may find kits of any lot that has been in the municipality's stock, also where none
        # are left; kits of a lot never registered here come in as a delivery.
        self.fields["batch"].queryset = known_batches(self.user)
        self.fields["batch"].help_text = _(
            "Lots that have been in your municipality's stock. Kits of another lot: register them as a delivery."
        )
        field = self.fields["confirm_arrivals"] = self.fields.pop("confirm_arrivals")  # after the date it is about
        if self.is_bound and field.to_python(self.data.get(self.add_prefix("confirm_arrivals"))):
            field.widget = forms.CheckboxInput()  # ticked: it stays in view if the form comes back

    @staticmethod
    def _question(data):
        """Which count the service asked about: "location:lot:date"."""
        on_date = data.get("on_date") or timezone.localdate()
        return f"{getattr(data.get('location'), 'pk', '')}:{getattr(data.get('batch'), 'pk', '')}:{on_date.isoformat()}"

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("confirm_arrivals") and cleaned.get("arrivals_for") != self._question(cleaned):
            cleaned["confirm_arrivals"] = False  # asked about another count, or not asked: ask again
        return cleaned

    def add_error(self, field, error):
        if field == "confirm_arrivals":  # the service asks for the tick: show the box beside its message
            self.fields[field].widget = forms.CheckboxInput()
            # Unticked, for this count: the arrivals it names are the ones the tick is about.
            self.data = self.data.copy()
            self.data[self.add_prefix("confirm_arrivals")] = ""
            self.data[self.add_prefix("arrivals_for")] = self._question(self.cleaned_data)
        super().add_error(field, error)


class CorrectionForm(KeyedForm):
    reason = forms.CharField(
        label=_("Why is this movement wrong?"),
        max_length=200,
        validators=[refuse_identifiers],
        help_text=NO_PERSONAL_DATA,
    )


class OfficeHandoutForm(DatedForm):
    location = forms.ModelChoiceField(label=_("From stock location"), queryset=StockLocation.objects.none())
    quantity = quantity_field(initial=1)
    reason = forms.ChoiceField(label=_("Reason"), choices=HandoutReason.choices)
    audience = forms.ChoiceField(label=_("The recipient's audience group"), choices=Audience.choices)
    course = forms.ModelChoiceField(label=_("Course (optional)"), queryset=None, required=False)
    batch = BatchChoiceField(
        label=_("Batch"), queryset=Batch.objects.none(), required=False, empty_label=_("First expiry, first out")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = StockLocation.objects.for_user(self.user).filter(
            StockLocation.handing_out_q()
        )
        now = timezone.now()
        course_model = StockMovement.course.field.related_model  # kits imports nothing from courses
        self.fields["course"].queryset = (
            course_model.objects.for_user(self.user)
            .filter(
                starts_at__gte=now - dt.timedelta(days=90),
                starts_at__lte=now + dt.timedelta(days=30),
            )
            .order_by("-starts_at")
        )
        self.fields["course"].label_from_instance = course_with_date
        today = timezone.localdate()
        self.fields["batch"].queryset = batches_on_hand(self.user).filter(Batch.usable_q(today))


def course_with_date(course) -> str:
    """A course to choose among a few months of them: a title alone ("Pop-up på Rådhuspladsen", one a week) says
    not which; one without a title is named by its format and time already."""
    if not course.title:
        return str(course)
    return f"{course.title} · {date_format(timezone.localtime(course.starts_at), 'SHORT_DATETIME_FORMAT')}"


class PeriodForm(inputs.Form):
    start = forms.DateField(label=_("From"), widget=DateInput())
    end = forms.DateField(label=_("To"), widget=DateInput())

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error(
                "end",
                forms.ValidationError(_("The end date must not be before the start date."), code="end_before_start"),
            )
        return cleaned


class ClearUnusableForm(KeyedForm):
    """One step for an expired or recalled batch: discard it, or move it for return."""

    location = forms.ModelChoiceField(label=_("Stock location"), queryset=StockLocation.objects.none())
    batch = forms.ModelChoiceField(label=_("Batch"), queryset=Batch.objects.none())
    to_location = forms.ModelChoiceField(
        label=_("Move for return to"), queryset=StockLocation.objects.none(), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Every lot held here, also one whose kits were taken out since the page was shown: the service then
        # answers a resend with the step stored, or says that none are left, rather than "not a valid choice".
        self.fields["batch"].queryset = known_batches(self.user)
        self.fields["to_location"].queryset = self.fields["to_location"].queryset.filter(for_return=True)


class RecallForm(inputs.Form):
    recalled_on = forms.DateField(label=_("Recalled on"), widget=DateInput(), validators=[validate_lot_date])
    reason = forms.CharField(
        label=_("Reason for the recall"),
        max_length=300,
        help_text=format_lazy(
            "{} {}", _("For example: the manufacturer found faulty spray nozzles in this lot."), NO_PERSONAL_DATA
        ),
    )
    instructions = forms.CharField(
        label=_("What holders should do"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text=format_lazy(
            "{} {}",
            _(
                "Shown to the public on the “Check your kit” page. Say what to do with the kit and where to get "
                "a new one."
            ),
            NO_PERSONAL_DATA,
        ),
    )

    def __init__(self, *args, user=None, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("recalled_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        # `validate_lot_date` and `clean_recalled_on`
        inputs.limit_dates(self.fields["recalled_on"], earliest=EARLIEST_LOT_DATE, latest=timezone.localdate())

    def clean_recalled_on(self):
        recalled_on = self.cleaned_data["recalled_on"]
        if recalled_on > timezone.localdate():
            raise forms.ValidationError(_("The recall date cannot be in the future."), code="future")
        return recalled_on


class EndRecallForm(inputs.Form):
    reason = forms.CharField(
        label=_("Why the recall ends"),
        max_length=300,
        help_text=format_lazy(
            "{} {}",
            _("For example: the investigation found the lot to be fine, or the manufacturer's recall is complete."),
            NO_PERSONAL_DATA,
        ),
    )
    confirm = forms.BooleanField(
        label=_("Yes, the lot may be handed out again from today (if it has not expired)."),
        error_messages={"required": _("Confirm that the recall ends.")},
    )


class StockTargetsForm(inputs.ModelForm):
    class Meta:
        model = StockLocation
        fields = ["min_months", "max_months", "for_return"]
        localized_fields = ["min_months", "max_months"]  # "0,5" in Danish

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("min_months"), cleaned.get("max_months")
        if low is not None and high is not None and low > high:
            self.add_error(
                "min_months", forms.ValidationError(_("The minimum cannot be above the maximum."), code="min_above_max")
            )
        return cleaned
