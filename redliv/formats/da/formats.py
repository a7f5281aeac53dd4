"""How dates read in Danish: one named format for each kind of date (Django's names and a few of ours).

Templates name the kind, never the pattern: `{{ day|date:"SHORT_DATE_FORMAT" }}` for Django's
names, `{% load dates %}{{ moment|date_as:"WEEKDAY_DATE_FORMAT" }}` for the ones below them.
Machine-readable dates (ISO in CSV files and attributes) keep their own patterns.
"""

# A day in sentences and headings: "30. januar 2027".
DATE_FORMAT = "j. F Y"
DATETIME_FORMAT = "j. F Y H:i"
# A day in lists, tables and messages: "30. jan 2027" (was also written "30.01.2027").
SHORT_DATE_FORMAT = "j. b Y"
SHORT_DATETIME_FORMAT = "j. b Y H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j. F"

# Ours, read by the date_as filter (redliv/templatetags/dates.py).
WEEKDAY_DATE_FORMAT = "l j. F Y"  # "lørdag 30. januar 2027"
WEEKDAY_DATETIME_FORMAT = "l j. F Y, H:i"
SHORT_WEEKDAY_DATETIME_FORMAT = "D j. b Y H:i"  # "lør 30. jan 2027 10:00"
# Where the year is plain from the page (a calendar, the last day's entries, this week's courses).
SHORT_MONTH_DAY_FORMAT = "j. b"  # "30. jan"
SHORT_MONTH_DAY_TIME_FORMAT = "j. b H:i"
SHORT_WEEKDAY_MONTH_DAY_TIME_FORMAT = "D j. b H:i"
# A month where room is short, as YEAR_MONTH_FORMAT ("marts 2026") shortened: a chart's bars ("okt"),
# the PDF's twelve-month table ("okt 2025").
SHORT_MONTH_FORMAT = "b"
SHORT_YEAR_MONTH_FORMAT = "b Y"
