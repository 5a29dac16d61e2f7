"""What Vetted emits passes the tools that read it (issue 16, item 8): the sitemap against the
sitemaps.org XML Schema, the API's references against the CSL-JSON schema (both vendored in
tests/fixtures/schemas/), the JSON-LD's dates, publisher, editor and citation DOIs, the
site-wide og:image and the feed's guids."""

import datetime
import json
import struct
from pathlib import Path

import jsonschema
import pytest
from django.conf import settings
from lxml import etree

from references.csl import to_csl
from references.models import Reference
from references.retractions import RetractionNotice
from reviews import workflow
from reviews.retractions import retractions_mark
from tests import factories

pytestmark = pytest.mark.django_db

SCHEMAS = Path(__file__).resolve().parents[1] / "fixtures" / "schemas"
CSL_SCHEMA = json.loads((SCHEMAS / "csl-data.json").read_text())
SITEMAP_SCHEMA = etree.XMLSchema(etree.parse(str(SCHEMAS / "sitemap.xsd")))


def csl_errors(items):
    validator = jsonschema.Draft7Validator(CSL_SCHEMA)
    return [error.message for error in validator.iter_errors(items)]


@pytest.fixture
def library(db):
    return [
        factories.ReferenceFactory(
            key="bateman2008",
            kind=Reference.Kind.RANDOMISED_TRIAL,
            title="Vitamin D and falls",
            authors="Bateman ED\nSmith JA Jr",
            et_al=True,
            doi="10.5555/falls.2008",
            pmid="99000101",
            volume="12",
            issue="3",
            pages="101-109",
        ),
        factories.ReferenceFactory(
            key="who2023",
            kind=Reference.Kind.GUIDELINE,
            title="Calcium guideline",
            authors="World Health Organization",
            container="WHO",
            url="https://example.org/calcium",
        ),
        factories.ReferenceFactory(
            key="site", kind=Reference.Kind.WEBSITE, title="A web page", authors="", year=None
        ),
    ]


@pytest.fixture
def published(editor, board_member, audiences, library):
    article = factories.ArticleFactory(
        created_by=editor,
        slug="bones",
        body="Falls [@bateman2008]. Calcium [@who2023]. Read more [@site].\n",
    )
    first = factories.approve(article, editor=editor, board_member=board_member)
    factories.save_as(editor, article, summary="Updated summary.")
    second = factories.approve(article, editor=editor, board_member=board_member)
    return article, first, second


def json_ld(client, path="/articles/bones/"):
    page = client.get(path).content.decode()
    return json.loads(page.split('<script type="application/ld+json">')[1].split("</script>")[0])


# The sitemap


def test_the_sitemap_is_valid_against_the_sitemaps_org_schema(client, published):
    factories.ArticleFactory(slug="never-submitted")

    document = etree.fromstring(client.get("/sitemap.xml").content)

    assert SITEMAP_SCHEMA.validate(document), SITEMAP_SCHEMA.error_log
    namespace = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locations = document.xpath("//s:loc/text()", namespaces=namespace)
    assert f"{settings.SITE_URL}/articles/bones/" in locations


def test_the_sitemap_schema_refuses_a_broken_sitemap():
    # The check above could not fail if the schema accepted anything.
    broken = etree.fromstring(
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url>'
        b"<loc>http://example.org/a</loc><changefreq>sometimes</changefreq></url></urlset>"
    )

    assert not SITEMAP_SCHEMA.validate(broken)


# CSL-JSON


def test_the_api_references_are_valid_csl_json(client, published):
    items = client.get("/api/articles/bones/").json()["references"]

    assert csl_errors(items) == []
    trial = next(item for item in items if item["id"] == "bateman2008")
    assert trial["author"][0] == {"family": "Bateman", "given": "E. D."}
    assert trial["DOI"] == "10.5555/falls.2008"


def test_a_reference_retracted_after_approval_is_marked_in_the_api_csl_json(client, published):
    trial = Reference.objects.get(key="bateman2008")
    trial.retracted = True
    trial.retraction_doi = "10.5555/falls.2008.retraction"
    trial.save()

    items = client.get("/api/articles/bones/").json()["references"]

    assert csl_errors(items) == []
    exported = next(item for item in items if item["id"] == "bateman2008")
    assert exported["status"] == "retracted"
    assert exported["note"].endswith("https://doi.org/10.5555/falls.2008.retraction")
    assert all("status" not in item for item in items if item["id"] != "bateman2008")


def test_every_kind_exports_valid_csl_json(library):
    items = [
        to_csl({**library[0].as_data(), "kind": kind, "key": f"k-{kind}"})
        for kind in Reference.Kind.values
    ]

    assert csl_errors(items) == []


def test_the_csl_schema_refuses_what_processors_would_refuse():
    assert csl_errors([{"id": "a", "type": "journal-article", "Title": "x"}])
    assert csl_errors([{"type": "book"}])


# JSON-LD


def test_json_ld_gives_dates_publisher_and_editor_as_the_page_shows_them(client, published):
    _article, first, second = published

    data = json_ld(client)

    assert data["datePublished"] == first.decided_at.isoformat()
    assert data["dateModified"] == second.decided_at.isoformat()
    assert data["publisher"] == {
        "@type": "Organization",
        "name": "Vetted",
        "url": f"{settings.SITE_URL}/",
        "logo": {"@type": "ImageObject", "url": f"{settings.SITE_URL}/static/img/og-image.png"},
    }
    assert data["editor"] == {
        "@type": "Organization",
        "name": "Medical Advisory Board",
        "url": f"{settings.SITE_URL}/advisory-board/",
    }
    assert "author" not in data  # the page names no author


def test_json_ld_citations_carry_dois_and_retraction(
    client, published, django_capture_on_commit_callbacks
):
    json_ld(client)  # cached: marking the retraction must make it stale
    with django_capture_on_commit_callbacks(execute=True):
        retractions_mark(
            notices=[
                RetractionNotice(
                    row=2,
                    paper_doi="10.5555/falls.2008",
                    paper_pmid="",
                    notice_doi="10.5555/falls.retraction",
                    date=datetime.date(2024, 1, 2),
                )
            ],
            source="rw.csv",
        )

    citations = {item["name"]: item for item in json_ld(client)["citation"]}

    trial = citations["Vitamin D and falls"]
    assert trial["url"] == "https://doi.org/10.5555/falls.2008"
    assert {"@type": "PropertyValue", "propertyID": "DOI", "value": "10.5555/falls.2008"} in (
        trial["identifier"]
    )
    assert trial["creativeWorkStatus"] == "Retracted"
    assert "creativeWorkStatus" not in citations["Calcium guideline"]


def test_a_page_pending_review_names_no_editor(client, editor, board_member, audiences, library):
    article = factories.ArticleFactory(created_by=editor, slug="pending", body="Falls.\n")
    pending = factories.submit_pending(article, editor=editor, board_member=board_member)

    data = json_ld(client, "/articles/pending/")

    assert pending.state == workflow.State.SUBMITTED
    assert "editor" not in data and "reviewedBy" not in data
    assert data["dateModified"] == pending.submitted_at.isoformat()


# og:image and the feed


def test_every_public_page_has_an_absolute_og_image_that_exists(client, published):
    expected = f'<meta property="og:image" content="{settings.SITE_URL}/static/img/og-image.png">'
    for path in ("/", "/articles/bones/", "/advisory-board/", "/search/?q=falls"):
        assert expected in client.get(path).content.decode(), path

    image = (Path(settings.BASE_DIR) / "static" / "img" / "og-image.png").read_bytes()
    assert image[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", image[16:24]) == (1200, 630)


def test_feed_guids_are_absolute_permalinks(client, published):
    feed = etree.fromstring(client.get("/feed/").content)

    [guid] = feed.xpath("//item/guid")
    assert guid.get("isPermaLink") in (None, "true")
    assert guid.text.startswith(f"{settings.SITE_URL}/articles/bones/")


def test_the_sitemap_lists_topic_pages_that_have_a_published_article(client, published):
    article, _first, _second = published
    shown = factories.TopicFactory(slug="bone-health")
    factories.TopicFactory(slug="empty-topic")
    draft_only = factories.TopicFactory(slug="draft-only")
    article.topics.set([shown])
    factories.approve(article, editor=article.created_by, board_member=board_member_of(article))
    article.topics.add(draft_only)  # on the draft only: not approved, so not listed

    document = etree.fromstring(client.get("/sitemap.xml").content)

    assert SITEMAP_SCHEMA.validate(document), SITEMAP_SCHEMA.error_log
    locations = document.xpath(
        "//s:loc/text()", namespaces={"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    )
    assert f"{settings.SITE_URL}/topics/bone-health/" in locations
    assert not [url for url in locations if "empty-topic" in url or "draft-only" in url]


def board_member_of(article):
    """Whoever approved the article's last round."""
    return article.review_rounds.order_by("-number").first().decided_by


# robots.txt


def test_robots_txt_keeps_crawlers_out_of_the_admin_and_names_the_sitemap(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "public" in response["Cache-Control"]
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    assert "Disallow: /admin/" in lines
    assert "Disallow: /api/articles/" in lines
    assert f"Sitemap: {settings.SITE_URL}/sitemap.xml" in lines
    assert not [line for line in lines if line.strip() == "Disallow: /"]
