"""Two app servers, one database, one Redis: an approval shows on the other server at once.

Two gunicorn servers run on loopback against one PostgreSQL database this test creates and one
Redis cache (a database and key prefix of its own). Both serve the demo article, so each has
it cached; then a new round is submitted and approved by a separate process, as an editor and
a board member would, and the very next request to either server must show the new text.
"""

import os
import secrets
import shutil
import tempfile
from pathlib import Path

import pytest

from bench import lib
from tests.processes import APPROVE_NEW_ROUND, manage_in, server_env

pytestmark = pytest.mark.postgres

REDIS_DB = 7
SLUG = "vitamin-d-and-k2-for-osteoporosis"
PATHS = [f"/articles/{SLUG}/", f"/articles/{SLUG}/?audience=clinician"]


@pytest.fixture
def redis_or_skip():
    if lib.redis_answers():
        return
    if os.environ.get("REQUIRE_POSTGRES") == "1":
        pytest.fail("Redis does not answer at 127.0.0.1:6379 and REQUIRE_POSTGRES=1.")
    pytest.skip("needs Redis at 127.0.0.1:6379 (the shared cache of the two servers)")


def test_approval_through_one_server_shows_on_the_other_at_once(redis_or_skip):
    name = lib.new_database_name("two")
    prefix = f"vtwo-{secrets.token_hex(6)}"
    work = Path(tempfile.mkdtemp(prefix="vetted-two-"))
    servers = []
    env = server_env(work, database=name, redis_db=REDIS_DB, key_prefix=prefix)
    try:
        lib.create_database(name)
        manage_in(env, "migrate", "--noinput", "-v0")
        manage_in(env, "load_demo", "--public-demo-passwords")
        manage_in(env, "collectstatic", "--noinput", "-v0")
        gunicorn = lib.ROOT / ".venv" / "bin" / "gunicorn"
        for label in ("a", "b"):
            server = lib.Server(
                f"server-{label}",
                gunicorn,
                "config.wsgi",
                env,
                log_dir=work,
                extra=["--workers", "1"],
            )
            servers.append(server)
            server.wait_ready("/healthz", timeout=60)
        server_a, server_b = servers

        # Both servers read the article, so the shared cache holds both audiences' pages.
        etags = {}
        for server in servers:
            for path in PATHS:
                for _ in range(2):
                    status, body, headers = lib.http_get(server.base + path)
                    assert status == 200, server.log_path.read_text()[-3000:]
                    assert b"Bench marker" not in body
                etags[path] = headers["ETag"]
        cached = lib.redis_commands(["SELECT", REDIS_DB], ["KEYS", f"{prefix}:*article-page*"])
        assert cached.count(b"article-page") == len(PATHS), cached

        marker = f"Bench marker {secrets.token_hex(4)}: this sentence is new."
        out = manage_in(env, "shell", "-c", APPROVE_NEW_ROUND.format(slug=SLUG, marker=marker))
        assert "approved round 2" in out

        # The very next request to server B, and to A, shows the approved text: no waiting.
        for server in (server_b, server_a):
            for path in PATHS:
                status, body, _ = lib.http_get(server.base + path)
                assert status == 200
                assert marker.encode() in body, f"{server.name} served stale {path}"
                # A reader holding the old page's ETag gets the new page, not "not modified".
                status, body, _ = lib.http_get(
                    server.base + path, headers={"If-None-Match": etags[path]}
                )
                assert status == 200 and marker.encode() in body
    finally:
        for server in servers:
            server.stop()
        lib.drop_database(name)
        lib.redis_delete_prefix(REDIS_DB, prefix)
        shutil.rmtree(work, ignore_errors=True)
