from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from courses.models import CourseRequest
from finder.models import InfoPage
from redliv import inputs
from redliv.models import Municipality


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
        widgets = {"wishes": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = Municipality.objects.order_by("name")
        self.fields["municipality"].empty_label = _("Choose a municipality")
        # The same range the database enforces (courserequest_number_of_people_1_to_1000).
        self.fields["number_of_people"].validators += [MinValueValidator(1), MaxValueValidator(1000)]
        self.fields["number_of_people"].widget.attrs.update({"min": 1, "max": 1000})
        self.fields["contact_email"].widget.attrs["autocomplete"] = "email"
        self.fields["contact_phone"].widget.attrs.update({"autocomplete": "tel", "inputmode": "tel"})
        self.fields["contact_name"].widget.attrs["autocomplete"] = "name"
        self.fields["organisation_name"].widget.attrs["autocomplete"] = "organization"
        self.fields["website"].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})

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
