"""Requests that arrive at the same moment, for the tests that show the database serialises them."""

import threading

from django.core.exceptions import ValidationError
from django.db import connection


def at_once(count: int, call, refusal=lambda error: error.messages[0]) -> list[str]:
    """Run `call()` in `count` threads released together, each on its own connection.

    Returns what each did: "stored", or `refusal(error)` for the ValidationError it raised.
    Needs a test marked django_db(transaction=True), so that the threads see committed rows.
    """
    start = threading.Barrier(count)
    outcomes = []

    def run():
        try:
            start.wait()
            call()
            outcomes.append("stored")
        except ValidationError as error:
            outcomes.append(refusal(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
