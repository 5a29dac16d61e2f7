"""The public site: article page, audience choice, caching, other pages, feeds and forms."""

import json
import re

import pytest
import reversion
from django.core.cache import cache
from django.db import connection
from django.urls import set_script_prefix

from articles.models import Question, SitePage
from config.clients import parse_networks
from publishing.context_processors import site_links
from reviews import workflow
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def article(editor, audiences):
    factories.ReferenceFactory(key="g-2025", title="Bone guideline")
    return factories.ArticleFactory(
        created_by=editor,
        slug="bones",
        body=(
            "Shared fact [@g-2025].\n\n"
            "::: audience patient\nPlain words for patients.\n:::\n\n"
            "::: audience clinician\nPrecise words for clinicians.\n:::\n"
        ),
    )


def test_healthz_answers_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok"}


def test_a_draft_is_not_reachable_by_an_anonymous_reader(client, article):
    assert client.get("/articles/bones/").status_code == 404
    assert "bones" not in client.get("/").content.decode()


def test_a_submitted_round_is_not_public_unless_the_article_allows_it(client, article, editor):
    workflow.submit(article, by=editor)
    assert client.get("/articles/bones/").status_code == 404


def test_the_approved_round_is_shown_with_its_reviewer(client, approved, board_member):
    response = client.get("/articles/bones/")
    page = response.content.decode()
    assert response.status_code == 200
    assert board_member.board_member.display_name in page
    assert "Pending review." not in page
    assert "Plain words for patients." in page
    assert 'id="ref-1"' in page


def test_audience_parameter_changes_the_phrasing_and_sets_no_cookie(client, approved):
    response = client.get("/articles/bones/?audience=clinician")
    assert "Precise words for clinicians." in response.content.decode()
    assert "Plain words for patients." not in response.content.decode()
    assert not response.cookies
    # The address alone decides: the bare address is the default audience's page for everyone,
    # whatever cookie an older release left behind.
    client.cookies["audience"] = "clinician"
    again = client.get("/articles/bones/")
    assert "Plain words for patients." in again.content.decode()


def test_unknown_audience_falls_back_to_the_default(client, approved):
    response = client.get("/articles/bones/?audience=astronaut")
    assert response.status_code == 200
    assert "Plain words for patients." in response.content.decode()


def test_edits_after_approval_do_not_reach_readers(client, approved, article, editor):
    article.body = "Something unreviewed."
    with reversion.create_revision():
        reversion.set_user(editor)
        article.save()
    workflow.submit(article, by=editor)
    page = client.get("/articles/bones/").content.decode()
    assert "Something unreviewed." not in page
    assert "Shared fact" in page


def test_pending_round_is_shown_with_a_caution_when_allowed(client, article, editor, board_member):
    factories.submit_pending(article, editor=editor, board_member=board_member)
    page = client.get("/articles/bones/").content.decode()
    assert "Pending review." in page
    assert "has not been approved yet" in page


def test_home_lists_approved_articles(client, approved):
    assert approved.snapshot["article"]["title"] in client.get("/").content.decode()


# The full article page


def test_article_page_shows_the_whole_anatomy(client, approved, board_member, audiences):
    factories.DisclaimerFactory(name="everyone", body="**General** disclaimer.")
    page = client.get("/articles/bones/").content.decode()
    assert "<h1" in page and approved.snapshot["article"]["title"] in page
    assert "Reviewed by the Medical Advisory Board" in page
    assert "Educational purpose only" in page
    assert 'aria-current="step"' in page
    assert "Last updated" in page and "Next review due" in page
    assert 'href="/editorial-policy/"' in page
    assert "Update history" in page
    assert "Which best describes you?" in page
    assert "Quality of the evidence" in page
    assert 'class="references"' in page
    assert "<strong>General</strong> disclaimer." in page
    assert "Have a follow-up question?" in page
    assert approved.snapshot_sha256 in page


def test_stepper_marks_the_current_step(
    client, article, editor, board_member, django_capture_on_commit_callbacks
):
    review_round = factories.submit_pending(article, editor=editor, board_member=board_member)
    page = client.get("/articles/bones/").content.decode()
    current = page.split('aria-current="step"')[1][:120]
    assert "Submitted" in current
    with django_capture_on_commit_callbacks(execute=True):
        workflow.start_review(review_round, by=board_member)
    page = client.get("/articles/bones/").content.decode()
    assert "Under review" in page.split('aria-current="step"')[1][:120]


def test_disclaimers_follow_the_audience_and_the_review_state(
    client, article, editor, board_member, audiences
):
    clinician = next(a for a in audiences if a.slug == "clinician")
    professional = factories.DisclaimerFactory(name="pro", body="For professionals only.")
    professional.audiences.set([clinician])
    factories.DisclaimerFactory(
        name="pending", body="Awaiting the board.", visibility="pending", placement="top"
    )
    factories.submit_pending(article, editor=editor, board_member=board_member)
    patient_page = client.get("/articles/bones/?audience=patient").content.decode()
    clinician_page = client.get("/articles/bones/?audience=clinician").content.decode()
    assert "For professionals only." not in patient_page
    assert "For professionals only." in clinician_page
    assert "Awaiting the board." in patient_page


def test_pending_disclaimer_is_hidden_once_approved(client, approved):
    factories.DisclaimerFactory(name="pending", body="Awaiting the board.", visibility="pending")
    assert "Awaiting the board." not in client.get("/articles/bones/").content.decode()


def test_every_audience_page_has_its_canonical_url(client, approved, settings):
    site = settings.SITE_URL
    default = client.get("/articles/bones/").content.decode()
    clinician = client.get("/articles/bones/?audience=clinician").content.decode()
    assert f'<link rel="canonical" href="{site}/articles/bones/">' in default
    assert f'<link rel="canonical" href="{site}/articles/bones/?audience=clinician">' in clinician


def test_references_and_facts_are_the_same_for_every_audience(client, approved):
    patient = client.get("/articles/bones/?audience=patient").content.decode()
    clinician = client.get("/articles/bones/?audience=clinician").content.decode()
    assert "Shared fact" in patient and "Shared fact" in clinician
    assert "Bone guideline" in patient and "Bone guideline" in clinician


def test_json_ld_describes_the_reviewed_page(client, approved, board_member):
    page = client.get("/articles/bones/").content.decode()
    raw = page.split('<script type="application/ld+json">')[1].split("</script>")[0]
    data = json.loads(raw)
    assert data["@type"] == "MedicalWebPage"
    assert data["name"] == approved.snapshot["article"]["title"]
    assert data["reviewedBy"] == {
        "@type": "Person",
        "name": board_member.board_member.display_name,
        "honorificSuffix": "MD, PhD",
    }
    assert data["lastReviewed"] == approved.decided_at.date().isoformat()
    assert data["publishingPrinciples"].endswith("/editorial-policy/")
    assert data["medicalAudience"]["audienceType"] == "Patient"
    assert data["citation"][0]["name"] == "Bone guideline"


def test_json_ld_cannot_be_broken_out_of_by_a_title(client, editor, board_member, audiences):
    article = factories.ArticleFactory(
        created_by=editor, slug="evil", title="</script><script>alert(1)</script>?"
    )
    factories.approve(article, editor=editor, board_member=board_member)
    page = client.get("/articles/evil/").content.decode()
    assert "<script>alert(1)</script>" not in page
    raw = page.split('<script type="application/ld+json">')[1].split("</script>")[0]
    assert json.loads(raw)["name"] == "</script><script>alert(1)</script>?"


# Speed and caching


def test_article_page_renders_from_a_fixed_number_of_queries_with_fifty_references(
    client, editor, board_member, audiences, django_assert_num_queries
):
    keys = [factories.ReferenceFactory().key for _ in range(50)]
    body = "\n\n".join(f"Claim {i} [@{key}]." for i, key in enumerate(keys))
    body += "\n\n::: audience clinician\nFor clinicians [@" + keys[0] + "].\n:::\n"
    article = factories.ArticleFactory(created_by=editor, slug="big", body=body)
    for index in range(6):
        disclaimer = factories.DisclaimerFactory(name=f"d{index}", body=f"Disclaimer {index}.")
        disclaimer.audiences.set(audiences[: index % 4])
    for _ in range(3):
        factories.approve(article, editor=editor, board_member=board_member)
    cache.clear()
    # reviews.pages: round, history, disclaimers and retracted references in one statement on
    # PostgreSQL, four ORM queries elsewhere; never one per reference, approval or disclaimer.
    with django_assert_num_queries(1 if connection.vendor == "postgresql" else 4):
        response = client.get("/articles/big/?audience=clinician")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('class="ref-kind"') == 50
    assert page.count(": approved by ") == 3  # the update history
    # Disclaimers naming no audience, or naming the clinician (the fourth audience): d0 and d4.
    assert "Disclaimer 0." in page and "Disclaimer 4." in page
    assert not any(f"Disclaimer {index}." in page for index in (1, 2, 3, 5))
    # A cache hit is answered from one round trip to the cache, without SQL.
    with django_assert_num_queries(0):
        assert client.get("/articles/big/?audience=clinician").status_code == 200


def test_article_page_answers_304_to_a_matching_etag(client, approved):
    first = client.get("/articles/bones/")
    etag = first["ETag"]
    again = client.get("/articles/bones/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304


def test_a_disclaimer_edit_is_never_hidden_behind_an_old_last_modified(
    client, approved, django_capture_on_commit_callbacks
):
    first = client.get("/articles/bones/")
    with django_capture_on_commit_callbacks(execute=True):
        factories.DisclaimerFactory(name="new", body="A notice added after the approval.")
    # The round's date, which Last-Modified gives, has not moved; the page has.
    since = client.get("/articles/bones/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 200
    assert "A notice added after the approval." in since.content.decode()
    assert since["Last-Modified"] == first["Last-Modified"]
    assert since["ETag"] != first["ETag"]


def test_etag_differs_per_audience(client, approved):
    assert (
        client.get("/articles/bones/?audience=patient")["ETag"]
        != client.get("/articles/bones/?audience=clinician")["ETag"]
    )


PUBLIC = "public, max-age=300, s-maxage=300, stale-while-revalidate=30, stale-if-error=86400"
SIGNED_IN = "private, no-cache, no-store"


def test_anonymous_readers_get_public_cache_headers(client, approved, editor):
    response = client.get("/articles/bones/")
    assert response["Cache-Control"] == PUBLIC
    assert "Vary" not in response
    client.force_login(editor)
    assert client.get("/articles/bones/")["Cache-Control"] == SIGNED_IN


@pytest.mark.parametrize("path", ["/feed/", "/sitemap.xml", "/advisory-board/"])
def test_the_feed_sitemap_and_board_send_the_public_cache_headers_of_every_public_page(
    client, approved, editor, path
):
    response = client.get(path)

    assert response.status_code == 200
    assert response["Cache-Control"] == PUBLIC
    assert "Cookie" not in response.get("Vary", "")
    assert not response.cookies
    client.force_login(editor)
    assert client.get(path)["Cache-Control"] == SIGNED_IN


@pytest.mark.parametrize("path", ["/no-such-page/", "/articles/never-existed/"])
def test_a_missing_page_is_cached_publicly_but_briefly(client, editor, db, path):
    response = client.get(path)

    assert response.status_code == 404
    assert "We could not find that page" in response.text
    assert response["Cache-Control"] == (
        "public, max-age=60, s-maxage=60, stale-while-revalidate=30, stale-if-error=86400"
    )
    assert "Cookie" not in response.get("Vary", "")
    assert response["Surrogate-Key"] == "vetted-not-found vetted-site"
    client.force_login(editor)
    assert "private" in client.get(path)["Cache-Control"]


def test_a_new_approval_shows_at_once_despite_the_page_cache(
    client, approved, article, editor, board_member, django_capture_on_commit_callbacks
):
    assert "Shared fact" in client.get("/articles/bones/").content.decode()
    article.body = "A newly approved sentence [@g-2025]."
    with reversion.create_revision():
        reversion.set_user(editor)
        article.save()
    review_round = workflow.submit(article, by=editor)
    workflow.start_review(review_round, by=board_member)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(review_round, by=board_member)
    page = client.get("/articles/bones/").content.decode()
    assert "A newly approved sentence" in page
    assert "Shared fact" not in page


def test_changing_a_disclaimer_refreshes_cached_pages(
    client, approved, django_capture_on_commit_callbacks
):
    disclaimer = factories.DisclaimerFactory(name="d", body="Old wording.")
    assert "Old wording." in client.get("/articles/bones/").content.decode()
    disclaimer.body = "New wording."
    with django_capture_on_commit_callbacks(execute=True):
        disclaimer.save()
    assert "New wording." in client.get("/articles/bones/").content.decode()


# Other pages


def test_home_lists_topics_of_published_articles_only(
    client, approved, article, editor, board_member
):
    shown = factories.TopicFactory(slug="bone-health", name="Bone health")
    factories.TopicFactory(slug="empty", name="Nothing here")
    article.topics.add(shown)
    factories.approve(article, editor=editor, board_member=board_member)
    page = client.get("/").content.decode()
    assert "Bone health" in page
    assert "Nothing here" not in page
    topic_page = client.get("/topics/bone-health/").content.decode()
    assert approved.snapshot["article"]["title"] in topic_page


def test_a_draft_topic_reaches_readers_only_with_an_approved_round(
    client, approved, article, editor, board_member
):
    """Which topics list an article is part of what the board approves, like its text."""
    bones = factories.TopicFactory(slug="bone-health", name="Bone health")
    kidneys = factories.TopicFactory(slug="kidneys", name="Kidney health")
    title = approved.snapshot["article"]["title"]
    article.topics.add(kidneys)
    assert "Kidney health" not in client.get("/").content.decode()
    assert title not in client.get("/topics/kidneys/").content.decode()

    article.topics.set([bones])
    review_round = factories.approve(article, editor=editor, board_member=board_member)
    assert list(review_round.topics.all()) == [bones]
    assert title in client.get("/topics/bone-health/").content.decode()

    # Taken off the draft, the topic still lists the article until the next approval.
    article.topics.clear()
    assert title in client.get("/topics/bone-health/").content.decode()
    pending = workflow.submit(article, by=editor)
    assert list(pending.topics.all()) == []
    assert title in client.get("/topics/bone-health/").content.decode()
    workflow.start_review(pending, by=board_member)
    workflow.approve(pending, by=board_member)
    assert title not in client.get("/topics/bone-health/").content.decode()
    assert "Bone health" not in client.get("/").content.decode()


def test_topic_pages_are_paged_newest_first(client, editor, board_member, audiences, monkeypatch):
    monkeypatch.setattr("publishing.views.TOPIC_PAGE_SIZE", 2)
    topic = factories.TopicFactory(slug="bones", name="Bones")
    for number in range(3):
        article = factories.ArticleFactory(
            created_by=editor, slug=f"a{number}", title=f"Question {number}?"
        )
        article.topics.add(topic)
        factories.approve(article, editor=editor, board_member=board_member)
    first = client.get("/topics/bones/").content.decode()
    assert first.index("Question 2?") < first.index("Question 1?")
    assert "Question 0?" not in first
    assert "Page 1 of 2" in first
    second = client.get("/topics/bones/?page=2").content.decode()
    assert "Question 0?" in second and "Question 2?" not in second


def test_board_page_lists_active_members_with_conflicts(client, board_member):
    factories.BoardMemberFactory(user__username="gone", display_name="Dr Gone", active=False)
    board_member.board_member.conflicts = "Consults for a vitamin maker."
    board_member.board_member.save()
    page = client.get("/advisory-board/").content.decode()
    assert board_member.board_member.display_name in page
    assert "Consults for a vitamin maker." in page
    assert "Dr Gone" not in page


def test_editorial_policy_page_renders_sanitised_markdown(client, db):
    SitePage.objects.create(
        slug="editorial-policy", title="Editorial policy", body="We **review**.<script>x</script>"
    )
    page = client.get("/editorial-policy/").content.decode()
    assert "<strong>review</strong>" in page
    assert "<script>x" not in page


def test_the_sitemap_lists_the_editorial_policy_only_once_it_is_written(client, db):
    """A new site has no policy yet: listing its address would send search engines to a 404."""
    assert client.get("/editorial-policy/").status_code == 404
    assert b"/editorial-policy/" not in client.get("/sitemap.xml").content
    cache.clear()
    SitePage.objects.create(slug=SitePage.EDITORIAL_POLICY, title="Editorial policy", body="Hi.")
    assert client.get("/editorial-policy/").status_code == 200
    assert b"/editorial-policy/" in client.get("/sitemap.xml").content


def test_the_site_page_form_says_which_address_is_the_editorial_policy(admin_client):
    """Titled "Our editorial policy", the page would get another address and never show."""
    page = admin_client.get("/admin/articles/sitepage/add/").content.decode()
    assert "editorial-policy" in page and "not shown to readers" in page


def test_unknown_page_gets_the_friendly_404(client, db):
    response = client.get("/articles/never-existed/")
    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()


# Feeds, sitemap and JSON


def test_feed_lists_approved_articles_only(client, approved, editor, audiences):
    draft = factories.ArticleFactory(created_by=editor, slug="draft", title="Secret draft?")
    draft.allow_pending_publication = True
    draft.save()
    workflow.submit(draft, by=editor)
    feed = client.get("/feed/").content.decode()
    assert approved.snapshot["article"]["title"] in feed
    assert "Secret draft?" not in feed


def test_sitemap_lists_published_articles_and_pages(client, approved, editor, audiences):
    factories.ArticleFactory(created_by=editor, slug="never-submitted")
    sitemap = client.get("/sitemap.xml").content.decode()
    assert "/articles/bones/" in sitemap
    assert "/advisory-board/" in sitemap
    assert "never-submitted" not in sitemap


def test_api_returns_the_published_round(client, approved, board_member):
    data = client.get("/api/articles/bones/").json()
    assert data["title"] == approved.snapshot["article"]["title"]
    assert data["review"]["state"] == "approved"
    assert data["review"]["reviewer"]["name"] == board_member.board_member.display_name
    assert data["review"]["snapshot_sha256"] == approved.snapshot_sha256
    assert {a["slug"] for a in data["audiences"]} == {
        "patient",
        "caregiver",
        "student",
        "clinician",
    }
    assert data["references"][0]["id"] == "g-2025"
    assert data["references"][0]["title"] == "Bone guideline"


def test_api_hides_drafts(client, article):
    assert client.get("/api/articles/bones/").status_code == 404


def test_the_api_answers_a_missing_article_in_json(client, article):
    """A program reading the API gets JSON for a 404 too, not the readers' HTML page, cached
    as briefly as other 404s and purged when something is published."""
    response = client.get("/api/articles/bones/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": "No published article has that address."}
    assert "vetted-not-found" in response["Surrogate-Key"]


# The follow-up question form


def test_reader_question_is_stored_for_the_editors(client, approved):
    response = client.post(
        "/articles/bones/questions/", {"text": "Can I take it with tea?", "audience": "patient"}
    )
    assert response.status_code == 302
    question = Question.objects.get()
    assert question.text == "Can I take it with tea?"
    assert question.audience_slug == "patient"
    assert question.article == approved.article


def test_every_hint_the_article_page_points_to_exists(client, approved):
    """aria-describedby must name elements on the page, or screen readers lose the hint."""
    page = client.get("/articles/bones/").content.decode()
    described_by = re.findall(r'aria-describedby="([^"]+)"', page)
    assert described_by, "the question form's textarea names its help text"
    for ids in described_by:
        for element_id in ids.split():
            assert f'id="{element_id}"' in page, f"nothing on the page has id {element_id}"


def test_question_honeypot_stores_nothing(client, approved):
    response = client.post("/articles/bones/questions/", {"text": "Buy pills", "website": "x"})
    assert response.status_code == 302
    assert not Question.objects.exists()


def test_empty_question_shows_an_error_and_stores_nothing(client, approved):
    response = client.post("/articles/bones/questions/", {"text": "  "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Question.objects.exists()


def test_questions_are_rate_limited_per_address(client, approved):
    for _ in range(5):
        client.post("/articles/bones/questions/", {"text": "Why?"})
    response = client.post("/articles/bones/questions/", {"text": "Why again?"})
    assert response.status_code == 429
    assert Question.objects.count() == 5


def ask(client, text, forwarded, peer="10.0.0.2"):
    return client.post(
        "/articles/bones/questions/",
        {"text": text},
        REMOTE_ADDR=peer,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def test_behind_a_trusted_proxy_one_reader_does_not_use_up_everyones_questions(
    client, approved, settings
):
    settings.TRUSTED_PROXIES = parse_networks("10.0.0.2")
    for _ in range(5):
        ask(client, "Why?", "203.0.113.7")

    assert ask(client, "Why again?", "203.0.113.7").status_code == 429
    assert ask(client, "And me?", "198.51.100.9").status_code == 302
    assert Question.objects.count() == 6


def test_a_reader_cannot_dodge_the_question_limit_by_sending_x_forwarded_for(
    client, approved, settings
):
    settings.TRUSTED_PROXIES = parse_networks("10.0.0.2")
    for n in range(5):
        ask(client, "Why?", f"198.51.100.{n}", peer="203.0.113.7")
        ask(client, "Why?", f"198.51.100.{n}, 192.0.2.8")

    assert ask(client, "Why again?", "198.51.100.99", peer="203.0.113.7").status_code == 429
    assert ask(client, "Why again?", "198.51.100.99, 192.0.2.8").status_code == 429
    assert Question.objects.count() == 10


def test_questions_about_unpublished_articles_are_refused(client, article):
    assert client.post("/articles/bones/questions/", {"text": "Hm?"}).status_code == 404


# Security headers


def test_public_pages_carry_a_strict_content_security_policy(client, approved):
    policy = client.get("/articles/bones/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


# The layout's links (worked out once per process by publishing.context_processors)

LAYOUT_LINKS = [
    'href="/"',
    'href="/advisory-board/"',
    'href="/editorial-policy/"',
    'href="/feed/"',
    'action="/search/"',
]


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/search/?q=bone",
        "/advisory-board/",
        "/editorial-policy/",
        "/articles/bones/",
        "/articles/bones/?audience=clinician",
        "/articles/nowhere/",
    ],
)
def test_every_page_of_the_layout_links_to_the_site_sections(client, approved, url):
    SitePage.objects.get_or_create(
        slug="editorial-policy", defaults={"title": "Editorial policy", "body": "We review."}
    )
    cache.clear()
    response = client.get(url)
    assert response.status_code in (200, 404)
    page = response.content.decode()
    for link in LAYOUT_LINKS:
        assert link in page, (url, link)


def test_layout_links_follow_the_script_prefix():
    try:
        set_script_prefix("/vetted/")
        assert site_links()["links"]["home"] == "/vetted/"
        assert site_links()["links"]["board"] == "/vetted/advisory-board/"
    finally:
        set_script_prefix("/")
    assert site_links()["links"]["home"] == "/"


# What readers see comes from what the board approved, never from the request or staff notes


def test_the_note_for_the_board_never_reaches_readers(client, article, audiences):
    # Issue 13, item 6: the submitter's note was printed in the public update history.
    # Usernames long enough never to turn up by chance (in a digest, say).
    submitter = factories.EditorFactory(username="edith-internal")
    board_member = factories.BoardMemberFactory(user__username="brook-internal").user
    factories.approve(
        article,
        editor=submitter,
        board_member=board_member,
        note="Rewrote the doses as aexample asked.",
        what_changed="Doses brought in line with the 2025 guideline.",
    )
    public = [
        client.get("/articles/bones/").content.decode(),
        client.get("/api/articles/bones/").content.decode(),
        client.get("/feed/").content.decode(),
        client.get("/").content.decode(),
    ]
    for text in public:
        assert "as aexample asked" not in text
        assert "edith-internal" not in text
        assert board_member.username not in text
    assert "Doses brought in line with the 2025 guideline." in public[0]


def test_absolute_links_use_site_url_whatever_host_a_request_names(client, approved, settings):
    # Issue 13, item 8: the first Host a page was asked under went into every reader's copy.
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    settings.SITE_URL = "https://vetted.example.org"
    hostile = {"HTTP_HOST": "localhost:31337", "HTTP_X_FORWARDED_PROTO": "https"}

    first = client.get("/articles/bones/", **hostile).content.decode()
    later = client.get("/articles/bones/").content.decode()
    api = client.get("/api/articles/bones/", **hostile).json()
    feed = client.get("/feed/", **hostile).content.decode()
    sitemap = client.get("/sitemap.xml", **hostile).content.decode()

    for text in (first, later, feed, sitemap, str(api)):
        assert "localhost:31337" not in text
    assert '<link rel="canonical" href="https://vetted.example.org/articles/bones/">' in later
    assert api["url"] == "https://vetted.example.org/articles/bones/"
    assert "<link>https://vetted.example.org/articles/bones/</link>" in feed
    assert "<loc>https://vetted.example.org/articles/bones/</loc>" in sitemap
