"""The shared page cache: zero-SQL hits, and never a stale page after a change commits.

Changes reach the cache when their transaction commits, so tests that change what readers see
run the commit callbacks (django_capture_on_commit_callbacks(execute=True)), as a real commit
would.
"""

import io

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import transaction

from publishing import pagecache
from reviews import workflow
from reviews.models import add_months
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/articles/bones/"


@pytest.fixture
def article(editor, audiences):
    return factories.ArticleFactory(
        created_by=editor,
        slug="bones",
        body="Shared fact.\n\n::: audience clinician\nWords for clinicians.\n:::\n",
    )


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a block's commit callbacks at its end, as committing its transaction would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def edit(article, editor, **changes):
    factories.save_as(editor, article, **changes)


@pytest.mark.parametrize(
    ("query", "cookie"),
    [("", None), ("?audience=clinician", None), ("", "clinician"), ("?audience=patient", "x")],
)
def test_a_cached_page_is_served_without_any_sql(
    client, approved, django_assert_num_queries, query, cookie
):
    if cookie:
        client.cookies["audience"] = cookie
    first = client.get(URL + query)
    with django_assert_num_queries(0):
        again = client.get(URL + query)
    assert again.content == first.content
    assert again["ETag"] == first["ETag"]


def test_a_conditional_request_gets_304_from_the_cache_without_sql(
    client, approved, django_assert_num_queries
):
    etag = client.get(URL)["ETag"]
    with django_assert_num_queries(0):
        assert client.get(URL, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_an_unknown_audience_is_answered_with_the_default_but_not_cached(client, approved):
    response = client.get(URL + "?audience=nonsense")
    assert response.status_code == 200
    assert "Words for clinicians." not in response.content.decode()
    assert "audience" not in response.cookies
    assert cache.get(pagecache.page_key("bones", "nonsense")) is None


def test_a_huge_audience_value_is_answered_like_any_unknown_one(client, approved):
    response = client.get(URL, {"audience": "x" * 100_000})
    assert response.status_code == 200
    assert "Words for clinicians." not in response.content.decode()  # the default's page
    assert cache.get(pagecache.page_key("bones", "x" * 51)) is None


def test_an_unknown_address_is_not_cached(client, approved):
    assert client.get("/articles/no-such-article/").status_code == 404
    assert cache.get(pagecache.page_key("no-such-article", "")) is None


def test_a_transition_changes_cached_pages_only_once_it_commits(
    client, article, editor, board_member, committed
):
    review_round = factories.submit_pending(article, editor=editor, board_member=board_member)
    assert "Pending review." in client.get(URL).content.decode()
    workflow.start_review(review_round, by=board_member)
    with committed():
        workflow.approve(review_round, by=board_member)
        # Not yet committed: other readers still get the page they had.
        assert "Pending review." in client.get(URL).content.decode()
    assert "Pending review." not in client.get(URL).content.decode()


def test_a_rolled_back_transition_leaves_cached_pages_alone(
    client, approved, article, editor, board_member, django_capture_on_commit_callbacks
):
    edit(article, editor, summary="A second take.")
    review_round = workflow.submit(article, by=editor)
    workflow.start_review(review_round, by=board_member)
    before = client.get(URL)["ETag"]
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        workflow.approve(review_round, by=board_member)
        raise RuntimeError("the request failed after approving")
    assert callbacks == []
    assert client.get(URL)["ETag"] == before


def test_a_page_rendered_from_data_read_before_a_change_is_never_served_after_it(
    client, approved, article, editor, board_member, committed
):
    # A slow reader looks up the cache and reads the old round from the database...
    slow = pagecache.lookup("bones", pagecache.DEFAULT_AUDIENCE)
    old_page = pagecache.CachedPage(etag='"old"', last_modified=0, audience="patient", html=b"old")
    # ...meanwhile a newer round is approved and committed...
    edit(article, editor, summary="A second take.")
    review_round = workflow.submit(article, by=editor)
    workflow.start_review(review_round, by=board_member)
    with committed():
        workflow.approve(review_round, by=board_member)
    # ...and only then does the slow reader store what it rendered.
    slow.store(old_page)
    assert pagecache.lookup("bones", pagecache.DEFAULT_AUDIENCE).page is None
    assert client.get(URL).content != b"old"


def test_losing_the_cache_tokens_never_revives_an_old_page(client, approved):
    client.get(URL)
    stored_tokens, _ = cache.get(pagecache.page_key("bones", ""))
    cache.delete_many([pagecache.SITE_KEY, pagecache.article_key("bones")])
    found = pagecache.lookup("bones", pagecache.DEFAULT_AUDIENCE)
    assert found.page is None
    assert found.tokens != stored_tokens
    assert None not in found.tokens


def test_a_new_address_takes_effect_with_its_approval_and_the_old_one_redirects(
    client, approved, article, editor, board_member, committed
):
    assert client.get(URL).status_code == 200
    with committed():
        edit(article, editor, slug="bone-health")
    assert client.get(URL).status_code == 200  # saved, not approved: readers see no change
    assert client.get("/articles/bone-health/").status_code == 404
    with committed():
        factories.approve(article, editor=editor, board_member=board_member)
    assert client.get("/articles/bone-health/").status_code == 200
    moved = client.get(URL + "?audience=clinician")
    assert moved.status_code == 301
    assert moved["Location"] == "/articles/bone-health/?audience=clinician"
    assert "public" in moved["Cache-Control"]


def test_allowing_pending_publication_shows_pending_rounds_once_approved(
    client, approved, article, editor, board_member, committed
):
    edit(article, editor, summary="A second take.")
    workflow.submit(article, by=editor)
    with committed():
        edit(article, editor, allow_pending_publication=True)
    assert "Pending review." not in client.get(URL).content.decode()  # an editor alone
    with committed():
        factories.approve(article, editor=editor, board_member=board_member)
        edit(article, editor, summary="A third take.")
        workflow.submit(article, by=editor)
    assert "Pending review." in client.get(URL).content.decode()


def test_a_new_review_interval_moves_the_due_date_with_its_approval(
    client, approved, article, editor, board_member, committed
):
    due = add_months(approved.decided_at, article.review_interval_months).strftime("%-d %B %Y")
    assert due in client.get(URL).content.decode()
    with committed():
        edit(article, editor, review_interval_months=6)
    assert due in client.get(URL).content.decode()  # saved, not approved
    with committed():
        newer = factories.approve(article, editor=editor, board_member=board_member)
    page = client.get(URL).content.decode()
    assert add_months(newer.decided_at, 6).strftime("%-d %B %Y") in page


def test_saving_only_the_draft_text_keeps_cached_pages(
    client, approved, article, editor, django_capture_on_commit_callbacks
):
    client.get(URL)
    with django_capture_on_commit_callbacks() as callbacks:
        edit(article, editor, body="An unreviewed rewrite.")
    assert callbacks == []
    assert "An unreviewed rewrite." not in client.get(URL).content.decode()


def test_clear_page_cache_makes_every_cached_page_stale(client, approved):
    client.get(URL)
    assert pagecache.lookup("bones", pagecache.DEFAULT_AUDIENCE).page is not None
    out = io.StringIO()
    call_command("clear_page_cache", stdout=out)
    assert "now stale" in out.getvalue()
    assert pagecache.lookup("bones", pagecache.DEFAULT_AUDIENCE).page is None


def test_clear_page_cache_says_so_in_one_line_when_the_cache_is_down(settings, capsys):
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        }
    }
    with pytest.raises(CommandError, match=r"^Cannot reach the cache: ") as raised:
        call_command("clear_page_cache")
    assert "\n" not in str(raised.value)
