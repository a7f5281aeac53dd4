"""Standing drop-in hours expanded into dated occurrences.

Used by the public finder, its API and feed, and the coordinators' course calendar.
"""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from courses.models import MIDNIGHT

HORIZON_DAYS = 8 * 7  # the finder shows standing drop-in hours for the next eight weeks


@dataclass(frozen=True)
class Occurrence:
    schedule: object  # courses.models.DropInSchedule
    date: dt.date
    starts_at: dt.datetime  # aware, in the current time zone
    ends_at: dt.datetime


def iter_occurrences(schedule, first_day: dt.date, last_day: dt.date, closed=None):
    """The dates from first_day to last_day (inclusive) on which the drop-in hours are held, lazily.

    Honours the weekday, valid_from/valid_until and the dates the hours are closed: `closed`
    when given (a collection of dates), otherwise the schedule's exceptions (use
    prefetch_related("exceptions") to keep those to one query for many schedules).
    """
    if closed is None:
        closed = {exception.date for exception in schedule.exceptions.all()}
    for date, starts_at, ends_at in held_on(schedule, first_day, last_day, closed):
        yield Occurrence(schedule=schedule, date=date, starts_at=starts_at, ends_at=ends_at)


def held_on(schedule, first_day: dt.date, last_day: dt.date, closed):
    """iter_occurrences as plain (date, start, end) tuples: the API and the feed expand hundreds of
    dates a request and show a page of them, so only those become Occurrences."""
    start = max(first_day, schedule.valid_from)
    end = last_day if schedule.valid_until is None else min(last_day, schedule.valid_until)
    day = start + dt.timedelta(days=(schedule.weekday - start.weekday()) % 7)
    zone = timezone.get_current_timezone()
    week = dt.timedelta(days=7)
    # Hours that end at 00:00 end at midnight, at the end of their day (courses.models.MIDNIGHT): on the next
    # date, at its first instant. Counted in dates, not hours, midnight is midnight on a 23- or 25-hour day.
    end_date = dt.timedelta(days=1 if schedule.ends_at == MIDNIGHT else 0)
    while day <= end:
        if day not in closed:  # the wall-clock time in the zone, as timezone.make_aware gives it
            yield (
                day,
                dt.datetime.combine(day, schedule.starts_at, zone),
                dt.datetime.combine(day + end_date, schedule.ends_at, zone),
            )
        day += week


def falls_on(schedule, date: dt.date) -> bool:
    """Whether the hours would be held on this date (their weekday, within their period), exceptions aside."""
    return (
        date.weekday() == schedule.weekday
        and schedule.valid_from <= date
        and (schedule.valid_until is None or date <= schedule.valid_until)
    )


def occurrences(schedule, first_day: dt.date, last_day: dt.date, closed=None):
    """iter_occurrences as a list."""
    return list(iter_occurrences(schedule, first_day, last_day, closed))


def window(now=None, first_day=None, last_day=None):
    """The days the finder looks at: today (or first_day) to eight weeks ahead (or last_day)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    horizon = today + dt.timedelta(days=HORIZON_DAYS - 1)
    return max(first_day or today, today), min(last_day or horizon, horizon)


def upcoming_occurrences(schedules, now=None, first_day=None, last_day=None):
    """Occurrences of many schedules in the next eight weeks (or a narrower window), soonest first.

    Occurrences that have already ended today are left out.
    """
    now = now or timezone.now()
    first_day, last_day = window(now, first_day, last_day)
    found = [
        occurrence
        for schedule in schedules
        for occurrence in iter_occurrences(schedule, first_day, last_day)
        if occurrence.ends_at > now
    ]
    return sorted(found, key=lambda occurrence: occurrence.starts_at)
