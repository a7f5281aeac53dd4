#!/usr/bin/env python3
"""How long the free-text check (redliv.personal_data.refuse_identifiers) takes on long and odd notes.

    python3 dev.py manage shell -c "import runpy; runpy.run_path('bench/free_text.py', run_name='__main__')"

Every save of a note runs it, public forms too, so its time must grow with the note's length and
not with its square. Prints the median of 5 runs of each note, in milliseconds.
"""

import contextlib
import statistics
import time

from django.core.exceptions import ValidationError

from redliv.personal_data import refuse_identifiers

NOTES = {
    "10,000 letters": "x" * 10_000,
    "100,000 letters": "x" * 100_000,
    "10,000 digits": "1" * 10_000,
    "5,000 '@'": "a@" * 5_000,
    "5,000 spaces, then 5,000 '@'": " " * 5_000 + "@" * 5_000,
    "'a@' and 10,000 letters": "a@" + "x" * 10_000,
    "2,000 '(at) '": "(at) " * 2_000,
    "2,000 capitalised words": "Aaaa " * 2_000,
}


def median_ms(note):
    times = []
    for _ in range(5):
        started = time.perf_counter()
        with contextlib.suppress(ValidationError):  # a refusal is an answer too; its time is what is measured
            refuse_identifiers(note)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


if __name__ == "__main__":
    for name, note in NOTES.items():
        print(f"{name:>32}: {median_ms(note):8.1f} ms")
