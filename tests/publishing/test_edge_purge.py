"""Purges sent to the edge when a change readers see commits, and never for a rollback.

A real HTTP server on loopback plays the edge: it records every request it gets. Tests run in
real transactions (transactional_db), so commit callbacks run when PostgreSQL or SQLite
commits, as in production.
"""

import http.server
import threading
import time

import pytest
from django.db import transaction

from articles.models import Disclaimer, SitePage
from publishing import edge
from reviews import workflow
from tests import factories
from tests.processes import run_python

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


class Edge(http.server.ThreadingHTTPServer):
    """Records (method, path, Surrogate-Key) of every request; answers `statuses` in turn, then
    200."""

    def __init__(self, statuses=()):
        self.received = []
        self.statuses = list(statuses)
        self.arrived = threading.Condition()
        super().__init__(("127.0.0.1", 0), EdgeHandler)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}/"

    def purges(self, count=1, timeout=5.0):
        """The purges received, once at least `count` have arrived (or `timeout` passed)."""
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.received) >= count, timeout)
            return list(self.received)


class EdgeHandler(http.server.BaseHTTPRequestHandler):
    def do_PURGE(self):
        server = self.server
        with server.arrived:
            server.received.append((self.command, self.path, self.headers.get("Surrogate-Key")))
            status = server.statuses.pop(0) if server.statuses else 200
            server.arrived.notify_all()
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def edge_server(settings):
    servers = []

    def start(statuses=()):
        server = Edge(statuses)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        settings.EDGE_PURGE_URLS = [*settings.EDGE_PURGE_URLS, server.url]
        return server

    yield start
    settings.EDGE_PURGE_URLS = []  # what the test's teardown changes is not sent anywhere
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def article(editor, audiences):
    return factories.ArticleFactory(created_by=editor, slug="bones")


def test_an_approval_purges_the_article_and_the_lists_once_it_commits(
    edge_server, article, editor, board_member
):
    first, second = edge_server(), edge_server()
    factories.approve(article, editor=editor, board_member=board_member)
    for server in (first, second):
        purges = server.purges(count=3)  # submit, start review, approve: one commit each
        assert purges
        method, path, keys = purges[-1]
        assert (method, path) == ("PURGE", "/")
        assert keys.split() == ["vetted-article-bones", "vetted-lists", "vetted-not-found"]


def test_a_slug_change_purges_the_old_and_the_new_address(
    edge_server, article, editor, board_member
):
    factories.approve(article, editor=editor, board_member=board_member)
    server = edge_server()
    factories.save_as(editor, article, slug="strong-bones")
    factories.approve(article, editor=editor, board_member=board_member)
    keys = {key for _, _, header in server.purges(count=3) for key in header.split()}
    assert {"vetted-article-bones", "vetted-article-strong-bones"} <= keys


def test_nothing_is_sent_for_a_transaction_that_rolls_back(
    edge_server, article, editor, board_member
):
    server = edge_server()
    with pytest.raises(RuntimeError), transaction.atomic():
        factories.approve(article, editor=editor, board_member=board_member)
        raise RuntimeError("the request failed after the approval")
    time.sleep(0.5)  # a purge would have arrived by now
    assert server.received == []
    review_round = workflow.submit(article, by=editor)  # and a committed change still purges
    assert review_round is not None
    assert server.purges(count=1)


def test_disclaimer_and_site_page_edits_purge_every_page(edge_server, db):
    server = edge_server()
    Disclaimer.objects.create(name="General", body="Educational only.")
    assert server.purges(count=1)[-1][2] == "vetted-site"
    SitePage.objects.create(slug="editorial-policy", title="Policy", body="How we review.")
    assert [keys for _, _, keys in server.purges(count=2)] == ["vetted-site", "vetted-site"]


def test_topic_edits_purge_the_lists_and_draft_topics_purge_nothing(edge_server, article):
    server = edge_server()
    topic = factories.TopicFactory(slug="bone-health")
    server.purges(count=1)
    topic.name = "Bones"
    topic.save()
    server.purges(count=2)
    # The draft's topics reach readers only with an approved round (ReviewRound.topics).
    article.topics.add(topic)
    time.sleep(0.5)  # a purge for the draft's change would be here by now
    assert [keys for _, _, keys in server.received] == ["vetted-lists", "vetted-lists"]


def test_an_edge_that_fails_is_tried_again_until_it_takes_the_purge(
    edge_server, article, editor, monkeypatch
):
    monkeypatch.setattr(edge, "PURGE_FIRST_WAIT", 0.05)
    server = edge_server(statuses=[503, 503])
    workflow.submit(article, by=editor)
    assert len(server.purges(count=3)) == 3


def test_an_edge_that_cannot_be_reached_is_logged(caplog, settings, monkeypatch):
    monkeypatch.setattr(edge, "PURGE_FIRST_WAIT", 0.01)
    monkeypatch.setattr(edge, "PURGE_ATTEMPTS", 3)
    # A port nobody listens on: bind one, then close it.
    with http.server.HTTPServer(("127.0.0.1", 0), EdgeHandler) as probe:
        closed = f"http://127.0.0.1:{probe.server_address[1]}/"
    assert edge.purge(closed, ["vetted-site"]) is False
    errors = [r for r in caplog.records if r.levelname == "ERROR" and "did not take" in r.message]
    assert len(errors) == 1
    assert closed in errors[0].message
    retries = [r for r in caplog.records if r.levelname == "WARNING"]
    assert len(retries) == 2


def test_without_edge_urls_nothing_is_sent(edge_server, settings, article, editor):
    server = edge_server()
    settings.EDGE_PURGE_URLS = []
    workflow.submit(article, by=editor)
    time.sleep(0.5)
    assert server.received == []


def test_a_process_that_exits_right_after_a_commit_still_sends_its_purge(edge_server, settings):
    server = edge_server()
    script = (
        "import django; django.setup()\n"
        "from publishing import edge\n"
        "edge.start_purge(['vetted-site'])\n"  # what a commit callback does; then exit at once
    )
    result = run_python(
        "-c",
        script,
        DEBUG="1",
        EDGE_PURGE_URLS=server.url,
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    assert result.returncode == 0, result.stderr
    assert server.received == [("PURGE", "/", "vetted-site")]
