"""With PostgreSQL stopped the site answers 503; when it is back the site recovers by itself.

This runs the real thing: gunicorn serving config.wsgi with production settings (DEBUG off,
persistent connections with health checks) on a PostgreSQL cluster of its own — initdb'd in a
temporary directory and listening on a free loopback port — so the test can stop and start
it without touching the shared server other tests use.
"""

import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.postgres

PROJECT_DIR = Path(__file__).resolve().parents[2]
ARTICLE = "/articles/vitamin-d-and-k2-for-osteoporosis/"
WAIT_SECONDS = 30  # the longest any one step may take to happen
WORKERS = 2
# No proxy from the environment may stand between the test and 127.0.0.1.
HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def postgres_bin_dir():
    """The newest /usr/lib/postgresql/<version>/bin that has initdb, or None."""
    found = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    if not found:
        return None
    newest = max(found, key=lambda path: int(re.search(r"/(\d+)/bin/", path).group(1)))
    return Path(newest).parent


def skip_unless_required(reason):
    if os.environ.get("REQUIRE_POSTGRES") == "1":
        pytest.fail(f"REQUIRE_POSTGRES=1 but {reason}")
    pytest.skip(reason)


def run(command, timeout, **kwargs):
    """Run a command to completion; on failure, fail with what it printed."""
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, check=False, **kwargs
    )
    if result.returncode != 0:
        raise AssertionError(
            f"{' '.join(command)} exited {result.returncode}:\n{result.stdout}{result.stderr}"
        )
    return result


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(what, condition):
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"waited {WAIT_SECONDS}s for {what}")


class PrivatePostgres:
    """A throwaway PostgreSQL cluster in `directory`, trust auth, on 127.0.0.1:`port` only."""

    def __init__(self, bin_dir, directory):
        self.bin_dir = bin_dir
        self.data = directory / "data"
        self.log = directory / "postgres.log"
        self.port = free_port()
        # initdb and postgres refuse to run as root.
        self.run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.running = False

    def pg(self, program, *args):
        return run([*self.run_as, str(self.bin_dir / program), *args], timeout=WAIT_SECONDS + 30)

    def init(self):
        self.pg(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
            "--encoding=UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip

    def start(self):
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_directories={self.data} -c fsync=off -c max_connections=20"
        )
        self.pg(
            "pg_ctl", "start", "-D", str(self.data), "-l", str(self.log), "-o", options,
            "-w", "-t", str(WAIT_SECONDS),
        )  # fmt: skip
        self.running = True

    def stop(self):
        self.pg("pg_ctl", "stop", "-D", str(self.data), "-m", "fast", "-w", "-t", str(WAIT_SECONDS))
        self.running = False

    def createdb(self, name):
        self.pg("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)

    def url(self, database):
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"


def fetch(url):
    """(status, headers, body) for a GET, whatever the status."""
    try:
        with HTTP.open(url, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read()


def status_of(url):
    try:
        return fetch(url)[0]
    except OSError:
        return None


def worker_pids(master_pid):
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text()
    return sorted(int(pid) for pid in children.split())


@pytest.fixture(scope="module")
def site():
    """gunicorn on the demo content, and the private PostgreSQL under it; all removed after.

    Shared by the tests below (setting it up takes seconds); each leaves PostgreSQL running.
    """
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        skip_unless_required("no PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb).")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        skip_unless_required("running as root without runuser to start PostgreSQL as postgres.")

    directory = Path(tempfile.mkdtemp(prefix="vetted-outage-"))
    server = None
    postgres = PrivatePostgres(bin_dir, directory)
    try:
        if postgres.run_as:
            shutil.chown(directory, user="postgres")
        postgres.init()
        postgres.start()
        postgres.createdb("vetted_outage")

        # Production settings, except that collected static files go to this directory rather
        # than into the shared checkout.
        (directory / "outage_settings.py").write_text(
            "from config.settings import *  # noqa: F403\n"
            f"STATIC_ROOT = {str(directory / 'static')!r}\n"
        )
        env = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("DJANGO_", "DATABASE_", "CACHE_"))
        }
        env |= {
            "DJANGO_SETTINGS_MODULE": "outage_settings",
            "PYTHONPATH": f"{directory}{os.pathsep}{PROJECT_DIR}",
            "DEBUG": "0",
            "SECRET_KEY": "outage-test-key-not-secret-but-long-enough-for-django-checks",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "DATABASE_URL": postgres.url("vetted_outage"),
            "CONN_MAX_AGE": "600",
            "CACHE_URL": "dummy://",
            "EMAIL_URL": "locmem://",
            "LOG_LEVEL": "WARNING",
        }
        for command in (
            ["migrate", "--noinput"],
            ["load_demo", "--public-demo-passwords"],
            ["collectstatic", "--noinput"],
        ):
            run([sys.executable, "manage.py", *command], timeout=300, cwd=PROJECT_DIR, env=env)

        port = free_port()
        with (directory / "gunicorn.log").open("w") as server_log:
            server = subprocess.Popen(
                [
                    sys.executable, "-m", "gunicorn", "config.wsgi",
                    "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS),
                    "--timeout", "30", "--graceful-timeout", "5",
                ],
                cwd=PROJECT_DIR, env=env, stdout=server_log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        wait_until("gunicorn to answer /healthz", lambda: status_of(f"{base}/healthz") == 200)
        wait_until(f"{WORKERS} gunicorn workers", lambda: len(worker_pids(server.pid)) == WORKERS)
        yield base, postgres, server, directory / "gunicorn.log"
    finally:
        try:
            if server is not None and server.poll() is None:
                server.send_signal(signal.SIGTERM)
                try:
                    server.wait(timeout=WAIT_SECONDS)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait(timeout=WAIT_SECONDS)
        finally:
            try:
                if postgres.running or (postgres.data / "postmaster.pid").exists():
                    postgres.stop()
            finally:
                shutil.rmtree(directory, ignore_errors=True)


def get_all(url, times):
    """Ask `times` times: with several workers each must answer, not just the first."""
    return [fetch(url) for _ in range(times)]


def test_pages_answer_503_while_postgres_is_down_and_recover_without_a_restart(site):
    base, postgres, server, server_log = site
    workers = worker_pids(server.pid)

    # Up; the workers that answered now hold persistent connections.
    for status, _, body in get_all(f"{base}/healthz", 4):
        assert (status, json.loads(body)) == (200, {"database": "ok"})
    for status, _, body in get_all(f"{base}{ARTICLE}", 4):
        assert status == 200
        assert b"Vitamin D" in body

    postgres.stop()

    for status, headers, body in get_all(f"{base}/healthz", 4):
        assert (status, json.loads(body)) == (503, {"database": "unavailable"})
        assert headers["Content-Type"] == "application/json"
    for path in (ARTICLE, "/", "/search/?q=calcium"):
        for status, headers, body in get_all(f"{base}{path}", 4):
            assert status == 503, path
            assert headers["Content-Type"] == "text/plain; charset=utf-8"
            assert headers["Retry-After"] == "30"
            assert body.startswith(b"The service is temporarily unavailable."), body[:200]
            assert len(body) < 400
            assert b"Traceback" not in body

    postgres.start()

    wait_until("/healthz to answer 200 again", lambda: status_of(f"{base}/healthz") == 200)
    for status, _, body in get_all(f"{base}/healthz", 4):
        assert (status, json.loads(body)) == (200, {"database": "ok"})
    for path in (ARTICLE, "/", "/search/?q=calcium"):
        for status, _, _ in get_all(f"{base}{path}", 4):
            assert status == 200, path

    # The same gunicorn and the same workers served all of it: nothing was restarted.
    assert server.poll() is None
    assert worker_pids(server.pid) == workers
    log = server_log.read_text()
    assert "Database unavailable, answered 503 to GET" in log
    assert "Traceback" not in log


def test_a_postgres_restart_between_requests_goes_unnoticed_by_readers(site):
    base, postgres, server, _ = site
    workers = worker_pids(server.pid)
    for status, _, _ in get_all(f"{base}{ARTICLE}", 4):
        assert status == 200

    # The workers' persistent connections now point at a server process that has gone away.
    # The health check (CONN_HEALTH_CHECKS) must notice before the first query and reconnect;
    # without it the first request on each such connection fails.
    postgres.stop()
    postgres.start()

    for path in (ARTICLE, "/healthz", "/"):
        for status, _, _ in get_all(f"{base}{path}", 4):
            assert status == 200, path
    assert worker_pids(server.pid) == workers
