import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from courses.models import WISHES_MAX_LENGTH, CourseRequest
from finder.models import InfoPage
from redliv import inputs
from redliv.models import Municipality

# A phone number as people write it: "12345678", "12 34 56 78", "1234 5678", "+45 12 34 56 78",
# "0045 12345678", "(+45) 1234-5678"; a foreign one with its country code, "+1 202 555 0143",
# "0046 8 123 456 78", "+44 (0)20 7946 0958". Groups of digits with one space, hyphen or dot
# between them; a "+" or "00" only in front; one bracket pair, around the country code or
# (abroad) a trunk digit.
PHONE_SHAPE = re.compile(
    r"(?P<prefix>\((?:\+|00)\d{1,3}\) ?|(?:\+|00)(?=\d))?"
    r"(?P<number>(?:\d+|\(\d{1,2}\))(?:[ .-]\d+|[ .-]?\(\d{1,2}\)|(?<=\))\d+)*)"
)
PHONE_REFUSED = _(
    "Write a phone number of 8 digits, or with its country code, for example 12 34 56 78 or +45 12 34 56 78. "
    "A foreign number starts with + or 00."
)


def clean_phone_number(value: str) -> str:
    """A Danish number of 8 digits (perhaps after +45 or 0045), or a foreign one after + or 00 and its
    country code (8 to 15 digits with it, as E.164 allows); spaces collapsed, otherwise kept as typed.

    Written in other digits (an Arabic or Persian phone keyboard's, full-width ones) it is the same
    number: kept in the ASCII digits the coordinator dials (`inputs.plain_characters`, which also drops
    the invisible direction marks a number pasted from right-to-left text carries).
    """
    value = " ".join(inputs.plain_characters(value).split())
    if not value:
        return value
    shape = PHONE_SHAPE.fullmatch(value)
    if shape is None or value.count("(") > 1 or not _plausible(shape["prefix"] or "", shape["number"]):
        raise ValidationError(PHONE_REFUSED, code="invalid_phone")
    return value


def _plausible(prefix, number):
    digits = re.sub(r"\D", "", prefix.lstrip("(").removeprefix("00") + number)
    if not prefix:  # written as in Denmark: 8 digits, no brackets
        return len(digits) == 8 and "(" not in number
    if digits.startswith("45"):  # +45: the 8 digits of a Danish number, no trunk digit
        return len(digits) == 10 and "(" not in number
    return 8 <= len(digits) <= 15


class CourseRequestForm(inputs.ModelForm):
    # The honeypot: hidden from people (and screen readers); spam robots fill it in.
    website = forms.CharField(label=_("Leave this field empty"), required=False)
    # Sent twice, the form is stored once (courses.services_planning.receive_request). Not required:
    # a page loaded before the key existed, and the demo's own requests, come without one.
    key = inputs.key_field(required=False)

    class Meta:
        model = CourseRequest
        fields = [
            "organisation_name",
            "municipality",
            "contact_name",
            "contact_email",
            "contact_phone",
            "audience",
            "number_of_people",
            "wishes",
        ]
        labels = {
            "organisation_name": _("Workplace or organisation"),
            "municipality": _("Municipality of the workplace"),
        }
        help_texts = {
            "contact_email": _("Give an e-mail address or a phone number (or both)."),
            "number_of_people": _("Roughly how many would take part."),
            "wishes": _(
                "When and where would suit you, and what you would like. "
                "Do not write anything about participants or other people's health."
            ),
        }
        widgets = {
            "wishes": forms.Textarea(attrs={"rows": 4}),
            "contact_phone": forms.TextInput(attrs={"type": "tel"}),
        }

    def __init__(self, *args, **kwargs):
        inputs.offer_key(kwargs)
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = Municipality.objects.order_by("name")
        self.fields["municipality"].empty_label = _("Choose a municipality")
        # The same range the database enforces (courserequest_number_of_people_1_to_1000).
        self.fields["number_of_people"].validators += [MinValueValidator(1), MaxValueValidator(1000)]
        self.fields["contact_email"].widget.attrs["autocomplete"] = "email"
        self.fields["contact_phone"].widget.attrs.update({"autocomplete": "tel", "inputmode": "tel"})
        wishes = self.fields["wishes"]
        wishes.error_messages["max_length"] = _(
            "Shorten the text to at most %(limit_value)d characters (it has %(show_value)d)."
        )
        wishes.help_text = format_lazy(
            "{} {}", wishes.help_text, _("Up to %(max)d characters.") % {"max": WISHES_MAX_LENGTH}
        )
        # static/js/public-form.js shows what is left beside the field.
        wishes.widget.attrs["data-counter"] = _("%(left)s of %(max)s characters left")
        self.fields["contact_name"].widget.attrs["autocomplete"] = "name"
        self.fields["organisation_name"].widget.attrs["autocomplete"] = "organization"
        self.fields["website"].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})

    def clean_contact_phone(self):
        return clean_phone_number(self.cleaned_data["contact_phone"])

    def is_spam(self):
        return bool(self.cleaned_data.get("website"))

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("contact_email") and not cleaned.get("contact_phone"):
            self.add_error("contact_email", _("Give an e-mail address or a phone number, so we can reply."))
        return cleaned


class InfoPageForm(inputs.ModelForm):
    class Meta:
        model = InfoPage
        fields = ["title_da", "body_da", "title_en", "body_en"]
        widgets = {"body_da": forms.Textarea(attrs={"rows": 14}), "body_en": forms.Textarea(attrs={"rows": 14})}
        help_texts = {
            "body_da": _(
                "Paragraphs are separated by a blank line. Lines starting with “- ” make a list, “1. ” a numbered list."
            ),
        }


class KitCheckForm(inputs.Form):
    lot = forms.CharField(
        label=_("Lot number"),
        max_length=100,
        help_text=_("Printed on the box and on the spray, often after “Lot” or “LOT”."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )
