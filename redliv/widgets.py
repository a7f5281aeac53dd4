"""Form widgets every app uses."""

from django import forms


class DateInput(forms.DateInput):
    """The browser's date picker; its value is always ISO (YYYY-MM-DD), whatever the language."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")
