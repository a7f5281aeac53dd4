"""Django's PostgreSQL backend, with a health check that costs no round trip.

A kept connection (CONN_MAX_AGE) is checked before the first query of each request, so that a
database restart or a connection the server closed costs no visitor a 500. Django's check sends
SELECT 1 and waits for the answer: one round trip more on every request, the largest part of a
finder page served from its shared copy (bench/analysis.md). Between requests a connection is
idle, and the server sends nothing on an idle connection unless it is going away: the goodbye
("terminating connection") or the socket's end makes it readable. So the check asks the socket,
without waiting, whether there is anything to read; if there is, the connection is closed and the
request opens a new one. A connection that psycopg already knows is broken, or that was left
inside a transaction (an aborted one refuses every query), fails it too.

What it cannot see is a server that vanished without a goodbye (a crashed host, whose address a
standby then takes over): the socket stays quiet until the request's first query gets a reset,
and that request fails. Where the database's address can move like that, set
DATABASE_HEALTH_CHECK=query for Django's own check (redliv/settings.py).
"""

import select

from django.db.backends.postgresql import base
from psycopg2.extensions import TRANSACTION_STATUS_IDLE

READABLE = select.POLLIN | select.POLLPRI | select.POLLERR | select.POLLHUP | select.POLLNVAL


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        if self.connection is None or self.connection.closed:
            return False
        if self.connection.info.transaction_status != TRANSACTION_STATUS_IDLE:
            return False  # left inside a transaction, perhaps an aborted one: every later query would fail
        # poll, not select: select cannot take a descriptor above 1023, which a busy process may hand out.
        poller = select.poll()
        try:
            poller.register(self.connection, READABLE)
        except (OSError, ValueError):  # the socket is gone already
            return False
        return not poller.poll(0)
