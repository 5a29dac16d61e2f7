"""Django's PostgreSQL backend with a health check that costs no round trip when it can.

With persistent connections (CONN_MAX_AGE) and CONN_HEALTH_CHECKS, Django sends `SELECT 1`
before the first query of every request, so a connection the server dropped (a restart, a
failover) is replaced instead of failing the request. On the article page with the page cache
off that was one of its two round trips to the database.

A connection the server has closed says so without being asked: the server's goodbye (an error
message, then end of file) is waiting on the socket. So when nothing at all is waiting to be
read, the connection is taken as healthy with no query sent. Anything waiting — the goodbye, a
notice — and the check is Django's own `SELECT 1`, exactly as before. A connection silently lost
on the network (no goodbye) is caught by neither check until its query fails, as before.
"""

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self):
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and nothing_waiting(self.connection)
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()


def nothing_waiting(connection):
    """Whether the psycopg `connection` is open, idle and has nothing to read on its socket."""
    if connection.closed or connection.broken:
        return False
    if connection.info.transaction_status != connection.info.transaction_status.IDLE:
        return False
    poller = select.poll()
    poller.register(connection.fileno(), select.POLLIN | select.POLLERR | select.POLLHUP)
    return not poller.poll(0)
