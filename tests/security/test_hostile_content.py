"""Hostile text in every field people type into never becomes markup that runs.

The payloads (tests/security/payloads.py) are published through the real workflow, then every
page that shows them is parsed with html.parser (tests/security/hostile.py). Also: oversized,
deeply nested, NUL-laden and mis-encoded input gives a clear answer, never a 500 or a hang.
"""

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from xml.etree import ElementTree

import pytest
from django.test import Client

from articles.models import Article, Question
from articles.rendering import render, render_markdown
from references.citations import render_reference_list
from tests import factories
from tests.security.hostile import (
    ADMIN_TAGS,
    TEMPLATE_TAGS,
    HostileSite,
    inspect,
    preview_region,
    title_of,
)
from tests.security.payloads import PAYLOADS

PROJECT_DIR = Path(__file__).resolve().parents[2]


def test_the_corpus_holds_at_least_forty_payloads_of_every_kind():
    text = "\n".join(PAYLOADS).lower()
    assert len(set(PAYLOADS)) >= 40
    for needle in ("<script", "onerror", "javascript:", "data:", "vbscript:", "<svg", "&#", "]("):
        assert needle in text, needle


# --- The sanitiser, one payload at a time -----------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_rendering_a_payload_leaves_nothing_that_runs(payload):
    body = f"{payload}\n\n- {payload}\n\n> {payload}\n\n::: audience clinician\n{payload}\n:::\n"
    fragments = {
        "body": render(body, audience="clinician", audiences=["clinician"], references={}).html,
        "markdown": render_markdown(payload),
        "references": render_reference_list(
            ["k"],
            {
                "k": {
                    "title": payload,
                    "authors": [payload],
                    "container": payload,
                    "kind_label": payload,
                    "doi": payload,
                    "pmid": payload,
                    "url": payload,
                    "volume": payload,
                    "pages": payload,
                }
            },
            [1],
        ),
        "references-js-url": render_reference_list(
            ["k"], {"k": {"title": "t", "url": f"javascript:{payload}"}}, [1]
        ),
    }
    problems = {name: inspect(html)[0] for name, html in fragments.items()}
    assert problems == {name: [] for name in fragments}


# --- Every page of a site full of payloads ----------------------------------------------------


@pytest.fixture
def hostile_site(db):
    return HostileSite()


def test_no_public_page_holds_a_script_handler_or_script_url(hostile_site):
    client = Client()
    problems, json_ld_names = {}, {}
    for name, path in hostile_site.public_pages():
        response = client.get(path)
        assert response.status_code == 200, (name, response.status_code)
        found, blocks = inspect(response.text, allowed_tags=TEMPLATE_TAGS)
        if found:
            problems[name] = found
        if name.startswith("article-"):
            # Exactly our one JSON-LD block, still valid JSON, still holding the hostile title.
            assert len(blocks) == 1, name
            json_ld_names[name] = blocks[0]["name"]

    assert problems == {}
    for index, payload in enumerate(hostile_site.payloads):
        assert json_ld_names[f"article-{index}"] == title_of(payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_hostile_search_query_is_shown_as_text(db, payload):
    response = Client().get("/search/", {"q": payload})

    if "\x00" in payload:  # refused before any page is made (config.middleware)
        assert response.status_code == 400
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        return
    assert response.status_code == 200
    assert inspect(response.text, allowed_tags=TEMPLATE_TAGS)[0] == []


def test_the_json_api_is_json_with_sanitised_html(hostile_site):
    client = Client()
    for index, payload in enumerate(hostile_site.payloads):
        response = client.get(f"/api/articles/hostile-{index}/")
        assert response["Content-Type"] == "application/json"
        assert response["X-Content-Type-Options"] == "nosniff"
        data = json.loads(response.content)
        assert data["title"] == title_of(payload)
        html = [item["body_html"] for item in data["audiences"]] + [data["evidence_note_html"]]
        assert [inspect(fragment)[0] for fragment in html] == [[]] * len(html), index


def test_the_feed_and_sitemap_are_well_formed_xml_with_the_titles_as_text(hostile_site):
    client = Client()
    feed = ElementTree.fromstring(client.get("/feed/").content)
    # XML-escaped once, so the reader gets exactly the typed title back as text.
    titles = {item.findtext("title") for item in feed.iter("item")}
    # The feed lists the newest 30.
    assert len(list(feed.iter("item"))) == 30
    assert titles <= {title_of(payload) for payload in hostile_site.payloads}
    sitemap = ElementTree.fromstring(client.get("/sitemap.xml").content)
    locations = [element.text for element in sitemap.iter() if element.tag.endswith("loc")]
    assert all("<" not in location and '"' not in location for location in locations)


def test_feed_descriptions_read_as_html_hold_nothing_that_runs(db):
    HostileSite(PAYLOADS[:3])
    feed = ElementTree.fromstring(Client().get("/feed/").content)
    problems = [inspect(item.findtext("description"))[0] for item in feed.iter("item")]
    assert problems == [[]] * len(problems)


def test_no_admin_page_runs_hostile_text(hostile_site):
    client = Client()
    client.force_login(hostile_site.superuser)
    problems = {}
    for name, path, is_preview in hostile_site.admin_pages():
        response = client.get(path)
        assert response.status_code == 200, (name, response.status_code)
        found, _ = inspect(response.text, allowed_tags=ADMIN_TAGS, allow_style=True)
        if is_preview:
            # Inside the previewed article only sanitised content may appear: no forms either.
            found += inspect(preview_region(response.text))[0]
        if found:
            problems[name] = found
    assert problems == {}


# --- Oversized, nested, NUL and mis-encoded input ---------------------------------------------


@pytest.fixture
def published(db, editor, board_member):
    from reviews import workflow

    factories.standard_audiences()
    article = factories.ArticleFactory(created_by=editor, slug="bones")
    review_round = workflow.start_review(workflow.submit(article, by=editor), by=board_member)
    workflow.approve(review_round, by=board_member)
    return article


def ask(data, **extra):
    return Client().post("/articles/bones/questions/", data, **extra)


def test_a_one_megabyte_question_is_refused_with_a_clear_message(published):
    response = ask({"text": "x" * 1_000_000})

    assert response.status_code == 400
    assert "Ensure this value has at most 2000 characters" in response.text
    assert not Question.objects.exists()


def test_a_question_with_a_nul_byte_is_refused_with_a_clear_message(published):
    response = ask({"text": "Is it safe?\x00"})

    assert response.status_code == 400
    assert "Null characters are not allowed" in response.text
    assert not Question.objects.exists()


def test_a_question_in_invalid_utf8_is_not_a_server_error(published):
    response = ask(
        b"text=%FF%FE%C0%AFIs+it+safe%3F&audience=patient",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code in {302, 400}
    for question in Question.objects.all():
        question.text.encode("utf-8")  # what was stored is valid text


@pytest.fixture
def admin_client(db):
    factories.standard_audiences()
    client = Client(raise_request_exception=False)
    client.force_login(factories.UserFactory(superuser=True, username="root"))
    return client


def article_form(**changes):
    return {
        "title": "Does calcium help?",
        "slug": "calcium",
        "summary": "Usually.",
        "body": "Calcium matters.",
        "evidence_note": "",
        "review_interval_months": "12",
        **changes,
    }


@pytest.mark.parametrize("field", ["title", "slug", "summary", "body", "evidence_note"])
def test_the_admin_article_form_refuses_nul_bytes_clearly(admin_client, field):
    response = admin_client.post("/admin/articles/article/add/", article_form(**{field: "a\x00b"}))

    assert response.status_code == 200
    assert "Null characters are not allowed" in response.text or "Enter a valid" in response.text
    assert not Article.objects.exists()


def test_the_admin_article_form_takes_invalid_utf8_without_a_server_error(admin_client):
    response = admin_client.post(
        "/admin/articles/article/add/",
        b"title=%FF%FEbad&slug=bad&summary=%C0%AF&body=x&review_interval_months=12",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code in {200, 302}


def test_a_request_larger_than_the_upload_limit_is_refused_not_a_server_error(admin_client):
    response = admin_client.post("/admin/articles/article/add/", article_form(body="x" * 3_000_000))

    assert response.status_code == 400
    assert not Article.objects.exists()


def test_a_one_megabyte_body_is_refused_with_a_clear_message(admin_client):
    body = "Calcium matters for bone, and so does vitamin D.\n\n" * 20_000  # about 1 MB
    response = admin_client.post("/admin/articles/article/add/", article_form(body=body))

    assert response.status_code == 200
    assert "The body is too long" in response.content.decode()
    assert not Article.objects.exists()


def test_a_deeply_nested_body_is_refused_with_a_clear_message(admin_client):
    body = "".join("    " * level + "- item\n" for level in range(200))
    response = admin_client.post("/admin/articles/article/add/", article_form(body=body))

    assert response.status_code == 200
    assert "nest more than" in response.content.decode()
    assert not Article.objects.exists()


RENDER_IN_CHILD = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {root!r})
    from articles.rendering import check, render
    source = sys.stdin.read()
    result = render(source, audience="patient", audiences=["patient"], references={{}})
    problems = check(source, audiences=["patient"], reference_keys=[])
    print(len(result.html), len(problems))
    """
)
# A hang guard, not a measurement: each render takes well under a second here (bench/ times it).
RENDER_TIMEOUT = 60


def render_in_child(source):
    return subprocess.run(
        [sys.executable, "-c", RENDER_IN_CHILD.format(root=str(PROJECT_DIR))],
        input=source,
        capture_output=True,
        text=True,
        timeout=RENDER_TIMEOUT,
        check=False,
    )


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(">" * 5000 + " deep\n", id="5000-nested-quotes-on-one-line"),
        pytest.param("".join(">" * n + " x\n" for n in range(1, 200)), id="quote-staircase"),
        pytest.param("[" * 500 + "x" + "]" * 500, id="500-nested-brackets"),
        pytest.param("*" * 100_000 + "x", id="100000-emphasis-marks"),
        pytest.param("Calcium matters for bone. " * 40_000, id="1MB-paragraph"),
    ],
)
def test_rendering_hostile_structure_finishes_without_error(source):
    result = render_in_child(source)

    assert result.returncode == 0, result.stderr[-2000:]
    html_length, _problems = map(int, result.stdout.split())
    assert html_length > 0  # something was rendered, not an error swallowed


def test_rendering_50000_nested_brackets_finishes_without_error():
    result = render_in_child("[" * 50_000 + "x" + "]" * 50_000)

    assert result.returncode == 0, result.stderr[-2000:]
    html_length, _problems = map(int, result.stdout.split())
    assert html_length >= 100_000  # the brackets come out as text, none dropped


def test_rendering_5000_nested_list_levels_finishes_without_error():
    source = "".join("    " * level + "- item\n" for level in range(5000))

    result = render_in_child(source)

    assert result.returncode == 0, result.stderr[-500:]
