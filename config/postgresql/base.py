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

It also offers `prepared_cursor()`, for the few statements on a hot path (the article page):
their parameters are bound on the server and the server plans each statement once per
connection instead of on every execution. For the article page's statement, planning cost more
than running it (docs/performance.md). Django turns prepared statements off because a pooler in
transaction mode (PgBouncer before 1.21) hands each transaction a different server connection;
behind such a pooler set OPTIONS["prepared_statements"] to False (DATABASE_PREPARED_STATEMENTS=0)
and prepared_cursor() is an ordinary cursor.
"""

import select

from django.db.backends.postgresql import base, operations

NEVER_BY_COUNT = 2**31 - 1


class PreparingCursor(base.ServerBindingCursor):
    """A server-binding cursor whose every statement is prepared (once per connection:
    psycopg keeps the connection's prepared statements and reuses them)."""

    def execute(self, query, params=None, *, prepare=True, **kwargs):
        return super().execute(query, params, prepare=prepare, **kwargs)


class DatabaseOperations(operations.DatabaseOperations):
    def last_executed_query(self, cursor, sql, params):
        if isinstance(cursor, PreparingCursor):
            # Bound on the server: show it with its values, as the ORM's queries show.
            return self.compose_sql(sql, params)
        return super().last_executed_query(cursor, sql, params)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.prepared_statements = self.settings_dict["OPTIONS"].get("prepared_statements", True)

    def get_connection_params(self):
        params = super().get_connection_params()
        params.pop("prepared_statements", None)  # Vetted's option, not libpq's
        if self.prepared_statements and params["prepare_threshold"] is None:
            # Django's None turns preparing off for every cursor, even when asked. A threshold
            # no statement reaches leaves it to the cursors that ask (PreparingCursor); the
            # ORM's cursors bind on the client and never prepare.
            params["prepare_threshold"] = NEVER_BY_COUNT
        return params

    def prepared_cursor(self):
        """Like cursor(), for a statement the server should plan only once per connection.

        The cursor is wrapped as cursor() wraps its own, so query logging and
        execute_wrapper() (the tests' query counts) see its statements.
        """
        self.close_if_health_check_failed()
        self.ensure_connection()
        if not self.prepared_statements:
            return self.cursor()
        with self.wrap_database_errors:
            return self._prepare_cursor(PreparingCursor(self.connection))

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
