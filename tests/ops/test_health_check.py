"""The database health check (config/postgresql/base.py) against the real server: a live
connection is trusted without a query, one the server has ended is found and replaced."""

import time

import psycopg
import pytest
from django.db import connection

from config.postgresql.base import nothing_waiting

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def statements_seen_by_the_server(pid):
    """The last statement the backend `pid` ran and when it began (pg_stat_activity)."""
    with admin_connection() as admin:
        row = admin.execute(
            "SELECT query, query_start FROM pg_stat_activity WHERE pid = %s", [pid]
        ).fetchone()
    return row


def admin_connection():
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return psycopg.connect(**{k: v for k, v in params.items() if v not in (None, "")})


def test_a_live_idle_connection_passes_without_a_query():
    assert connection.settings_dict["ENGINE"] == "config.postgresql"
    connection.ensure_connection()
    connection.health_check_enabled = True
    pid = connection.connection.info.backend_pid
    before = statements_seen_by_the_server(pid)
    connection.health_check_done = False
    assert nothing_waiting(connection.connection)
    connection.close_if_health_check_failed()
    assert connection.health_check_done
    assert connection.connection.info.backend_pid == pid
    assert statements_seen_by_the_server(pid) == before  # no SELECT 1 reached the server


def test_a_connection_the_server_ended_is_replaced_before_the_next_query():
    connection.ensure_connection()
    connection.health_check_enabled = True
    pid = connection.connection.info.backend_pid
    with admin_connection() as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    deadline = time.monotonic() + 5
    while nothing_waiting(connection.connection) and time.monotonic() < deadline:
        time.sleep(0.05)  # the server's goodbye is on its way over loopback
    assert not nothing_waiting(connection.connection)
    connection.health_check_done = False
    connection.close_if_health_check_failed()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid
