"""gunicorn with Python's clock moved to the instant the test runs at.

The tests run at a fixed instant (tests/conftest.py), and the demo data is built from it; a server
in another process must agree on what day it is. `REDLIV_TEST_NOW` (ISO 8601) is where the clock
starts; it then runs on. Forked workers inherit the moved clock.

    python -m tests.clocked_gunicorn redliv.wsgi --bind 127.0.0.1:8000
"""

import datetime as dt
import os
import sys

import time_machine
from gunicorn.app.wsgiapp import run

if __name__ == "__main__":
    time_machine.travel(dt.datetime.fromisoformat(os.environ["REDLIV_TEST_NOW"]), tick=True).start()
    sys.argv[0] = "gunicorn"
    sys.exit(run())
