"""Django's PostgreSQL backend, with a health check that costs no round trip.

A kept connection (CONN_MAX_AGE) is checked before the first query of each request, so that a
database restart or a connection the server closed costs no visitor a 500. Django's check sends
SELECT 1 and waits for the answer: one round trip more on every request, the largest part of a
finder page served from its shared copy (bench/analysis.md). Between requests a connection is
idle, and the server sends nothing on an idle connection unless it is going away: the goodbye
("terminating connection") or the socket's end makes it readable. So the check asks the socket,
without waiting, whether there is anything to read; if there is, the connection is closed and the
request opens a new one. A connection that psycopg already knows is broken fails it too.
"""

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        if self.connection is None or self.connection.closed:
            return False
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
        except (OSError, ValueError):  # the socket is gone already
            return False
        return not readable
