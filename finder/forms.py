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

# A phone number as people write it: "+45 12 34 56 78", "12345678", "(+45) 1234-5678".
PHONE_CHARACTERS = re.compile(r"^(\+|\(\+)?[0-9 ().-]+$")


def clean_phone_number(value: str) -> str:
    """8 to 15 digits (a Danish number, or a foreign one with its country code), spaces kept as typed."""
    value = " ".join(value.split())
    if not value:
        return value
    digits = re.sub(r"\D", "", value)
    if not PHONE_CHARACTERS.match(value) or not 8 <= len(digits) <= 15:
        raise ValidationError(
            _("Write a phone number of 8 digits, or with its country code, for example +45 12 34 56 78."),
            code="invalid_phone",
        )
    return value


class CourseRequestForm(inputs.ModelForm):
    # The honeypot: hidden from people (and screen readers); spam robots fill it in.
    website = forms.CharField(label=_("Leave this field empty"), required=False)

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
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = Municipality.objects.order_by("name")
        self.fields["municipality"].empty_label = _("Choose a municipality")
        # The same range the database enforces (courserequest_number_of_people_1_to_1000).
        self.fields["number_of_people"].validators += [MinValueValidator(1), MaxValueValidator(1000)]
        self.fields["number_of_people"].widget.attrs.update({"min": 1, "max": 1000})
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
