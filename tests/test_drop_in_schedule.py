"""Standing drop-in hours become dates: weekday, validity and exceptions respected."""

import datetime as dt

from django.utils import timezone

from courses.models import DropInException, DropInSchedule
from courses.schedule import HORIZON_DAYS, occurrences, upcoming_occurrences

MONDAY = dt.date(2031, 3, 3)


def make_schedule(venue, **fields):
    defaults = {
        "municipality": venue.municipality,
        "venue": venue,
        "weekday": DropInSchedule.Weekday.TUESDAY,
        "starts_at": dt.time(13),
        "ends_at": dt.time(15),
        "valid_from": MONDAY - dt.timedelta(days=100),
        "audiences": ["people_who_use_drugs"],
        "languages": ["da"],
    }
    return DropInSchedule.objects.create(**{**defaults, **fields})


def test_it_gives_every_matching_weekday_in_the_window(venue):
    schedule = make_schedule(venue)
    dates = [o.date for o in occurrences(schedule, MONDAY, MONDAY + dt.timedelta(days=20))]
    assert dates == [dt.date(2031, 3, 4), dt.date(2031, 3, 11), dt.date(2031, 3, 18)]


def test_the_times_are_local_and_aware_also_across_a_daylight_saving_change(venue):
    schedule = make_schedule(venue)
    before, after = occurrences(schedule, dt.date(2031, 3, 25), dt.date(2031, 4, 1))
    assert timezone.localtime(before.starts_at).hour == 13
    assert timezone.localtime(after.starts_at).hour == 13
    assert before.starts_at.utcoffset() == dt.timedelta(hours=1)
    assert after.starts_at.utcoffset() == dt.timedelta(hours=2)


def test_it_skips_the_dates_with_an_exception(venue):
    schedule = make_schedule(venue)
    DropInException.objects.create(schedule=schedule, date=dt.date(2031, 3, 11), reason="Lukket")
    dates = [o.date for o in occurrences(schedule, MONDAY, MONDAY + dt.timedelta(days=20))]
    assert dates == [dt.date(2031, 3, 4), dt.date(2031, 3, 18)]


def test_it_respects_valid_from_and_valid_until(venue):
    schedule = make_schedule(venue, valid_from=dt.date(2031, 3, 10), valid_until=dt.date(2031, 3, 24))
    dates = [o.date for o in occurrences(schedule, MONDAY, MONDAY + dt.timedelta(days=40))]
    assert dates == [dt.date(2031, 3, 11), dt.date(2031, 3, 18)]


def test_a_schedule_valid_until_the_day_itself_still_counts_that_day(venue):
    schedule = make_schedule(venue, valid_until=dt.date(2031, 3, 11))
    dates = [o.date for o in occurrences(schedule, MONDAY, MONDAY + dt.timedelta(days=40))]
    assert dates == [dt.date(2031, 3, 4), dt.date(2031, 3, 11)]


def test_upcoming_covers_eight_weeks_soonest_first_and_drops_what_has_ended(venue):
    tuesday = make_schedule(venue, weekday=DropInSchedule.Weekday.TUESDAY)
    make_schedule(venue, weekday=DropInSchedule.Weekday.MONDAY, starts_at=dt.time(9), ends_at=dt.time(10))
    # Monday 3 March 2031 at noon: Monday's 9–10 hours have ended, Tuesday's are ahead.
    now = timezone.make_aware(dt.datetime(2031, 3, 3, 12))
    found = upcoming_occurrences(DropInSchedule.objects.prefetch_related("exceptions"), now)
    assert found[0].schedule == tuesday and found[0].date == dt.date(2031, 3, 4)
    assert [o.starts_at for o in found] == sorted(o.starts_at for o in found)
    assert all(o.date < MONDAY + dt.timedelta(days=HORIZON_DAYS) for o in found)
    assert len(found) == 8 + 7  # eight Tuesdays; seven more Mondays after today's


def test_hours_that_end_at_00_00_end_at_midnight_also_on_the_daylight_saving_nights(venue):
    """Summer time starts on Sunday 30 March 2031 (a 23-hour day) and ends on Sunday 26 October (25 hours)."""
    saturday = make_schedule(venue, weekday=DropInSchedule.Weekday.SATURDAY, starts_at=dt.time(20), ends_at=dt.time(0))
    sunday = make_schedule(venue, weekday=DropInSchedule.Weekday.SUNDAY, starts_at=dt.time(1), ends_at=dt.time(0))
    for first_day, offsets, sunday_hours in [(dt.date(2031, 3, 29), (1, 2), 22), (dt.date(2031, 10, 25), (2, 1), 24)]:
        (before,) = occurrences(saturday, first_day, first_day)
        (on_the_day,) = occurrences(sunday, first_day, first_day + dt.timedelta(days=1))
        assert before.ends_at.date() == on_the_day.date == first_day + dt.timedelta(days=1)
        assert before.ends_at.time() == dt.time(0) and before.ends_at.utcoffset() == dt.timedelta(hours=offsets[0])
        assert (before.ends_at.timestamp() - before.starts_at.timestamp()) / 3600 == 4
        assert on_the_day.ends_at == timezone.make_aware(
            dt.datetime.combine(first_day + dt.timedelta(days=2), dt.time(0))
        )
        assert on_the_day.ends_at.utcoffset() == dt.timedelta(hours=offsets[1])
        assert (on_the_day.ends_at.timestamp() - on_the_day.starts_at.timestamp()) / 3600 == sunday_hours
