"""Month arithmetic in Copenhagen time: the unit of the report, of closing a month and of the exports."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import formats, timezone


def local_tz():
    return ZoneInfo(settings.TIME_ZONE)


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """'2026-05' → Month(2026, 5); raises ValueError on anything else."""
        year, month = text.strip().split("-")
        if len(year) != 4 or len(month) != 2:
            raise ValueError(text)
        result = cls(int(year), int(month))
        dt.date(result.year, result.month, 1)  # validates the month
        return result

    @classmethod
    def of(cls, when) -> Month:
        if isinstance(when, dt.datetime):
            when = timezone.localtime(when).date()
        return cls(when.year, when.month)

    @classmethod
    def last_full(cls) -> Month:
        return cls.of(timezone.localdate()).shift(-1)

    def shift(self, months: int) -> Month:
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def is_over(self) -> bool:
        """Ended in Copenhagen time: only such a month can be approved."""
        return self <= Month.last_full()

    @property
    def start(self) -> dt.datetime:
        return dt.datetime(self.year, self.month, 1, tzinfo=local_tz())

    @property
    def end(self) -> dt.datetime:
        """The start of the next month: periods are [start, end)."""
        return self.shift(1).start

    @property
    def year_start(self) -> dt.datetime:
        return Month(self.year, 1).start

    @property
    def label(self) -> str:
        return formats.date_format(self.first_day, "YEAR_MONTH_FORMAT")

    def __str__(self):
        return f"{self.year:04d}-{self.month:02d}"


def first_of_month(when) -> dt.date:
    if isinstance(when, dt.datetime):
        when = timezone.localdate(when) if timezone.is_aware(when) else when.date()
    return when.replace(day=1)
