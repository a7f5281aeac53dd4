"""A valid reversal report in one call, for the reversal-report tests."""

import datetime as dt

from django.utils import timezone

from reversals.models import ReversalReport


def make_report(district, **fields):
    defaults = {
        "occurred_at": timezone.now() - dt.timedelta(days=1),
        "district": district,
        "source": "public",
        "substances": ["heroin"],
        "naloxone_doses": 1,
        "called_112": True,
        "ambulance_arrived": True,
        "first_aid_given": True,
        "stayed_until_help": True,
        "outcome": "recovered",
        "responder_trained": "yes",
    }
    return ReversalReport.objects.create(**{**defaults, **fields})
