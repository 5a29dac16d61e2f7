"""Vetted behind Varnish (deploy/varnish/default.vcl), end to end.

A private varnishd runs on loopback in front of a gunicorn origin (production settings,
PostgreSQL, Redis, the demo content) whose EDGE_PURGE_URLS points at it. Through Varnish:

- a replayed mixed workload (articles in every audience, home, topics, search, feed, sitemap,
  with analytics cookies and tracking parameters) is answered from the cache ≥ 95% of the time;
- an approval made by another process shows within a second (the app's PURGE);
- a signed-in editor's pages and cookies never reach an anonymous reader;
- with the origin stopped, cached pages still answer 200, even once purged.

Skipped when varnishd is not installed, unless REQUIRE_VARNISH=1 (CI installs it).
"""

import http.client
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from bench import lib
from reviews.management.commands.load_demo import DEMO_PASSWORDS
from tests.processes import APPROVE_NEW_ROUND, manage_in, server_env

pytestmark = pytest.mark.postgres

VARNISHD = shutil.which("varnishd") or "/usr/sbin/varnishd"
VCL = lib.ROOT / "deploy" / "varnish" / "default.vcl"
REDIS_DB = 9  # bench.lib.REDIS_DBS; no other test uses it
SLUG = "vitamin-d-and-k2-for-osteoporosis"
ARTICLE = f"/articles/{SLUG}/"
AUDIENCES = ["patient", "caregiver", "student", "clinician"]
WORKLOAD_REQUESTS = 600


@pytest.fixture(scope="module")
def varnishd():
    if Path(VARNISHD).exists():
        return VARNISHD
    reason = "needs varnishd (apt-get install varnish varnish-modules); CI installs it"
    if os.environ.get("REQUIRE_VARNISH") == "1":
        pytest.fail(f"REQUIRE_VARNISH=1 but varnishd is missing: {reason}")
    pytest.skip(reason)


class Client:
    """One reader or editor talking HTTP/1.1 to an address, keeping the cookies it is sent."""

    def __init__(self, base):
        self.host, port = base.removeprefix("http://").split(":")
        self.port = int(port)
        self.cookies = {}

    def request(self, method, path, *, body=None, headers=None):
        connection = http.client.HTTPConnection(self.host, self.port, timeout=10)
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            content = response.read()
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or ():
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, content, response.headers

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)


def wait_for(check, timeout, every=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(every)
    return check()


@pytest.fixture(scope="module")
def stack(varnishd):
    if not lib.redis_answers():
        pytest.fail("Redis does not answer at 127.0.0.1:6379 (the origin's page cache).")
    name = lib.new_database_name("edge")
    prefix = f"vedge-{secrets.token_hex(6)}"
    work = Path(tempfile.mkdtemp(prefix="vetted-edge-"))
    varnish_port = lib.free_port()
    env = server_env(
        work,
        database=name,
        redis_db=REDIS_DB,
        key_prefix=prefix,
        EDGE_PURGE_URLS=f"http://127.0.0.1:{varnish_port}/",
        TRUSTED_PROXIES="127.0.0.1",
    )
    origin = varnish = None
    try:
        lib.create_database(name)
        for words in (
            ("migrate", "--noinput", "-v0"),
            ("load_demo", "--public-demo-passwords"),
            ("collectstatic", "--noinput", "-v0"),
        ):
            manage_in(env, *words)
        gunicorn = lib.ROOT / ".venv" / "bin" / "gunicorn"
        origin = lib.Server("origin", gunicorn, "config.wsgi", env, log_dir=work)
        origin.wait_ready("/healthz", timeout=60)
        work.chmod(0o755)  # varnishd reads the VCL as its own unprivileged user
        vcl = work / "default.vcl"
        vcl.write_text(VCL.read_text().replace('.port = "8000";', f'.port = "{origin.port}";'))
        varnish = subprocess.Popen(
            [
                varnishd,
                "-F",
                "-n",
                str(work / "varnish"),
                "-a",
                f"127.0.0.1:{varnish_port}",
                "-f",
                str(vcl),
                "-s",
                "malloc,64m",
            ],
            stdin=subprocess.DEVNULL,
            stdout=(work / "varnishd.log").open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        edge = f"http://127.0.0.1:{varnish_port}"

        def edge_answers():
            try:
                return Client(edge).get("/healthz")[0] == 200
            except OSError:
                return False

        assert wait_for(edge_answers, 30, every=0.2), (work / "varnishd.log").read_text()
        yield {"edge": edge, "origin": origin, "env": env}
    finally:
        if varnish is not None:
            os.killpg(varnish.pid, signal.SIGTERM)
            try:
                varnish.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(varnish.pid, signal.SIGKILL)
                varnish.wait()
        if origin is not None:
            origin.stop()
        lib.drop_database(name)
        lib.redis_delete_prefix(REDIS_DB, prefix)
        shutil.rmtree(work, ignore_errors=True)


def workload(edge):
    """The addresses of a mixed public workload, and a seeded replay of them."""
    home = Client(edge).get("/")[1].decode()
    topics = sorted(set(re.findall(r'href="(/topics/[-\w]+/)"', home)))
    assert topics, "the demo has topics on the home page"
    paths = [
        ARTICLE,
        *(f"{ARTICLE}?audience={audience}" for audience in AUDIENCES),
        "/",
        *topics,
        "/search/?q=vitamin",
        "/search/?q=calcium",
        "/feed/",
        "/sitemap.xml",
        "/editorial-policy/",
    ]
    weights = [20, 5, 3, 2, 5, 10, *([3] * len(topics)), 3, 2, 2, 1, 1]
    rng = random.Random(17)
    return paths, rng.choices(paths, weights=weights, k=WORKLOAD_REQUESTS)


def test_the_edge_answers_a_mixed_workload_from_its_cache(stack):
    edge = stack["edge"]
    _, replay = workload(edge)
    rng = random.Random(4)
    hits = 0
    for index, path in enumerate(replay):
        reader = Client(edge)
        if rng.random() < 0.5:  # analytics cookies must neither split nor stop the cache
            reader.cookies["_ga"] = f"GA1.1.{index}"
        if rng.random() < 0.2:  # nor tracking parameters on shared links
            path += ("&" if "?" in path else "?") + f"utm_source=news{index % 7}"
        status, _, headers = reader.get(path)
        assert status == 200, (path, status)
        assert "Set-Cookie" not in headers, path
        hits += headers["X-Cache"] == "HIT"
    ratio = hits / len(replay)
    assert ratio >= 0.95, f"hit ratio {ratio:.3f} over {len(replay)} requests"


def test_an_approval_is_visible_through_the_edge_within_a_second(stack):
    edge = Client(stack["edge"])
    paths = [ARTICLE, f"{ARTICLE}?audience=clinician", "/"]
    for path in paths:
        edge.get(path)
        assert edge.get(path)[2]["X-Cache"] == "HIT"
    marker = f"Edge marker {secrets.token_hex(4)}: this sentence is new."
    out = manage_in(stack["env"], "shell", "-c", APPROVE_NEW_ROUND.format(slug=SLUG, marker=marker))
    committed_at = float(out.split("committed at", 1)[1].split()[0])
    for path in paths[:2]:
        shown = wait_for(
            lambda path=path: marker.encode() in edge.get(path)[1],
            timeout=max(0.0, committed_at + 1.0 - time.time()),
        )
        elapsed = time.time() - committed_at
        assert shown, f"{path} still stale through the edge {elapsed:.2f} s after the commit"
    assert edge.get("/")[2]["X-Cache"] == "MISS"  # the lists were purged too


def test_a_signed_in_editors_pages_and_cookies_never_reach_a_reader(stack):
    edge = stack["edge"]
    editor = Client(edge)
    status, body, _ = editor.get("/admin/login/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)[1].decode()
    status, _, headers = editor.request(
        "POST",
        "/admin/login/",
        body=urlencode(
            {
                "csrfmiddlewaretoken": token,
                "username": "editor",
                "password": DEMO_PASSWORDS["editor"],
                "next": "/admin/",
            }
        ),
    )
    assert status == 302, "the editor signs in through the edge"
    assert "sessionid" in editor.cookies
    for path in ("/admin/", ARTICLE, "/", f"{ARTICLE}?audience=student"):
        status, body, headers = editor.get(path)
        assert status == 200, path
        assert headers["X-Cache"] != "HIT", f"{path}: an editor got a shared copy"
        assert "private" in headers["Cache-Control"] or path.startswith("/admin/")
    assert b'id="logout-form"' in editor.get("/admin/")[1]  # signed in, not a login page

    for path in ("/admin/", ARTICLE, "/", f"{ARTICLE}?audience=student"):
        reader = Client(edge)
        status, body, headers = reader.get(path)
        assert "Set-Cookie" not in headers, path
        assert editor.cookies["sessionid"].encode() not in body
        if path == "/admin/":
            assert status == 302 and "/admin/login/" in headers["Location"]
        else:
            assert status == 200
            assert "private" not in headers["Cache-Control"]


def test_the_edge_serves_cached_pages_while_the_origin_is_down(stack):
    edge = Client(stack["edge"])
    paths = [ARTICLE, f"{ARTICLE}?audience=caregiver", "/", "/feed/"]
    for path in paths:
        edge.get(path)
    stack["origin"].stop()
    for path in paths:
        status, _, _ = edge.get(path)
        assert status == 200, path
    # Even once purged (stale), a page is served while the origin cannot be.
    status, _, _ = edge.request("PURGE", "/", headers={"Surrogate-Key": "vetted-site"})
    assert status == 200
    time.sleep(3)  # the health probe notices the origin is gone
    for path in paths:
        status, body, _ = edge.get(path)
        assert status == 200, path
        assert len(body) > 1000
