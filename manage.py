#!/usr/bin/env python
"""Django's command-line utility for the RED LIV registry."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "redliv.settings")
    if not os.environ.get("DATABASE_URL") and not os.environ.get("SECRET_KEY"):
        # Without DATABASE_URL this talks to the project-local development database
        # (python3 dev.py), so it is development. Production sets DATABASE_URL and a
        # SECRET_KEY, and the served app (wsgi/asgi) never takes this default.
        os.environ.setdefault("DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
