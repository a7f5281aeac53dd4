"""The app counts days in the zone the database's rules use (redliv.checks): else they disagree at night."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from redliv.checks import check_time_zone_is_the_database_rules


def test_a_time_zone_other_than_the_database_rules_one_stops_the_app_from_starting(settings):
    """The stock triggers and the month-closing rule tell days in Copenhagen time."""
    assert check_time_zone_is_the_database_rules() == []
    settings.TIME_ZONE = "UTC"
    errors = check_time_zone_is_the_database_rules()
    assert [error.id for error in errors] == ["redliv.E001"] and "'UTC'" in errors[0].msg
    with pytest.raises(SystemCheckError, match="redliv.E001"):
        call_command("check")
