"""A valid reversal report in one call, for the reversal-report tests."""

import datetime as dt

from django.utils import timezone

from reversals.models import ReversalReport

# A typical report's answers (create_reversal_report's questions): one dose of naloxone, 112
# called, the person recovered. Spread them into a call and override what the test is about.
ANSWERS = {
    "substances": ["heroin"],
    "naloxone_doses": 1,
    "called_112": True,
    "ambulance_arrived": True,
    "first_aid_given": True,
    "stayed_until_help": True,
    "outcome": "recovered",
    "responder_trained": "yes",
    "kit_replaced": False,
}


def make_report(district, **fields):
    defaults = {
        "occurred_at": timezone.now() - dt.timedelta(days=1),
        "district": district,
        "source": "public",
        **ANSWERS,
    }
    return ReversalReport.objects.create(**{**defaults, **fields})
