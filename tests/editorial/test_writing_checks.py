"""Writing checks beside the article editor: problems with lines, readability per audience,
unused references, the reference picker, the live checks endpoint and its script."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from articles.readability import is_flagged, plain_text, readability
from editorial.checks import FIXES
from tests import factories
from tests.clients import logged_in

LONG_WORDS = (
    "Pharmacological supplementation with cholecalciferol demonstrates considerable "
    "heterogeneity regarding musculoskeletal consequences in institutionalised octogenarians."
)
SHORT_WORDS = "Your doctor may check your blood. It is a quick test. You can eat first."


# The pure readability module


def test_readability_gives_grade_and_word_count_of_plain_text():
    assert readability(SHORT_WORDS) == {"grade": readability(SHORT_WORDS)["grade"], "words": 15}
    assert readability(SHORT_WORDS)["grade"] < 4
    assert readability(LONG_WORDS)["grade"] > 20


def test_readability_of_text_without_words_is_zero():
    assert readability("") == {"grade": 0.0, "words": 0}
    assert readability(" ... ") == {"grade": 0.0, "words": 0}


def test_plain_text_drops_tags_and_citation_numbers():
    html = '<h2>Bones</h2><p>Calcium helps.<sup class="cite"><a href="#ref-1">1</a></sup></p>'
    text = plain_text(html)
    assert "1" not in text
    assert "<" not in text
    assert readability(text)["words"] == 3


@pytest.mark.parametrize(
    ("audience", "grade", "flagged"),
    [
        ("patient", 8.1, True),
        ("caregiver", 12.0, True),
        ("patient", 8.0, False),
        ("clinician", 15.0, False),
        ("student", 9.0, False),
    ],
)
def test_only_patient_and_caregiver_text_above_grade_8_is_flagged(audience, grade, flagged):
    assert is_flagged(audience, grade) is flagged


# The panel on the article change page


@pytest.fixture
def reference(db):
    return factories.ReferenceFactory(key="guideline-2025", title="Bone guideline 2025")


@pytest.fixture
def article(editor, audiences, reference):
    return factories.ArticleFactory(
        created_by=editor,
        slug="bones",
        body=(
            "Calcium matters [@guideline-2025].\n"
            "\n"
            "Vitamin D too [@made-up-2024].\n"
            "\n"
            f"::: audience patient\n{LONG_WORDS}\n:::\n"
            "\n"
            f"::: audience caregiver\n{SHORT_WORDS}\n:::\n"
        ),
    )


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def checks_url(article):
    return reverse("admin:articles_article_checks", args=[article.pk])


def panel(response):
    match = re.search(r'<aside class="writing-checks.*?</aside>', response.content.decode(), re.S)
    assert match, "no writing checks panel on the page"
    return match.group(0)


def annotations(response):
    """The list of problems beside the source, at their lines."""
    match = re.search(r'<ul id="desk-annotation-list".*?</ul>', response.content.decode(), re.S)
    assert match, "no annotation list beside the source"
    return match.group(0)


@pytest.mark.django_db
def test_the_checks_panel_shows_an_unknown_key_with_its_line(client, editor, article):
    html = annotations(logged_in(client, editor).get(change_url(article)))
    assert (
        '<span class="writing-line">Line 3</span> '
        "Line 3: unknown citation key &quot;made-up-2024&quot;."
    ) in html
    assert "guideline-2025&quot;" not in html


@pytest.mark.django_db
def test_the_checks_panel_shows_a_malformed_audience_block_with_its_line(client, editor, audiences):
    article = factories.ArticleFactory(
        created_by=editor, body="Shared.\n\n::: audience patients\nHello.\n"
    )
    html = annotations(logged_in(client, editor).get(change_url(article)))
    assert re.search(r'<span class="writing-line">Line 3</span> Line 3: unknown audience', html)
    assert re.search(r'<span class="writing-line">Line 3</span> Line 3: audience block', html)


@pytest.mark.django_db
def test_the_checks_panel_shows_grade_and_word_count_per_audience(client, editor, article):
    response = logged_in(client, editor).get(change_url(article))
    scores = {row["slug"]: row for row in response.context["writing_checks"]["audiences"]}
    assert list(scores) == ["patient", "caregiver", "student", "clinician"]
    # Shared text: "Calcium matters. Vitamin D too." — 5 words; each block adds its own.
    assert scores["student"]["words"] == scores["clinician"]["words"] == 5
    assert scores["caregiver"]["words"] == 5 + 15
    assert scores["patient"]["words"] == 5 + 13
    html = panel(response)
    for audience in response.context["writing_checks"]["audiences"]:
        row = re.search(rf'<tr data-audience="{audience["slug"]}".*?</tr>', html, re.S).group(0)
        assert f'<td class="writing-words">{audience["words"]}</td>' in row
        assert f'<td class="writing-grade">{audience["grade"]:.1f}' in row
        preview = reverse("admin:articles_article_preview", args=[article.pk])
        assert f'href="{preview}?audience={audience["slug"]}"' in row


@pytest.mark.django_db
def test_a_patient_block_written_in_long_words_is_flagged_above_grade_8(client, editor, article):
    response = logged_in(client, editor).get(change_url(article))
    scores = {row["slug"]: row for row in response.context["writing_checks"]["audiences"]}
    assert scores["patient"]["grade"] > 8
    assert scores["patient"]["flagged"]
    assert not scores["caregiver"]["flagged"]
    html = panel(response)
    patient_row = re.search(r'<tr data-audience="patient".*?</tr>', html, re.S).group(0)
    caregiver_row = re.search(r'<tr data-audience="caregiver".*?</tr>', html, re.S).group(0)
    assert 'class="writing-flagged"' in patient_row
    assert "above grade 8" in patient_row
    assert "above grade 8" not in caregiver_row


@pytest.mark.django_db
def test_references_cited_by_no_article_are_listed(client, editor, article):
    factories.ReferenceFactory(key="unused-trial", title="A trial nobody cites")
    factories.ReferenceFactory(key="cited-elsewhere", title="Cited by another article")
    factories.ArticleFactory(created_by=editor, slug="other", body="See [@cited-elsewhere].\n")
    response = logged_in(client, editor).get(change_url(article))
    checks = response.context["writing_checks"]
    assert [reference["key"] for reference in checks["unused_references"]] == ["unused-trial"]
    assert checks["unused_count"] == 1
    html = panel(response)
    unused = html.split("References cited nowhere")[1]
    assert "<code>[@unused-trial]</code> A trial nobody cites" in unused
    assert "cited-elsewhere" not in unused
    assert "guideline-2025" not in unused


@pytest.mark.django_db
def test_the_unused_reference_list_is_capped_with_a_count(client, editor, article):
    factories.ReferenceFactory.create_batch(25)
    response = logged_in(client, editor).get(change_url(article))
    checks = response.context["writing_checks"]
    assert len(checks["unused_references"]) == 20
    assert checks["unused_count"] == 25
    assert "25 references in the library are cited by no article; the first 20 are listed." in (
        panel(response)
    )


@pytest.mark.django_db
def test_the_reference_picker_lists_library_keys_with_titles(client, editor, article):
    html = logged_in(client, editor).get(change_url(article)).content.decode()
    assert '<select id="reference-picker" class="cite-list" size="1">' in html
    option = re.search(r'<option value="guideline-2025"[^>]*>([^<]*)</option>', html)
    assert option.group(1).startswith("[@guideline-2025]")
    assert "Bone guideline" in option.group(1)
    # Without JavaScript the search and the button could do nothing, so the script reveals them.
    assert '<button type="button" class="button" id="insert-citation" hidden>' in html
    assert re.search(r'<input type="search" id="cite-search"[^>]* hidden>', html)


@pytest.mark.django_db
def test_the_js_file_is_served_and_referenced_without_inline_script(
    client, settings, editor, article
):
    # WhiteNoise serves collected files; in tests it may look them up where they are written.
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    page = logged_in(client, editor).get(change_url(article)).content.decode()
    assert '<script src="/static/admin-extra/writing-checks.js" defer></script>' in page
    # CSP forbids inline script: every script on the page is a file.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    path = finders.find("admin-extra/writing-checks.js")
    assert path
    with open(path, encoding="utf-8") as script:
        source = script.read()
    assert "X-CSRFToken" in source
    assert "VettedDesk.setAnnotations" in source
    assert '<script src="/static/admin-extra/desk.js" defer></script>' in page
    response = Client().get("/static/admin-extra/desk.js")
    assert response.status_code == 200
    assert b"setSelectionRange" in b"".join(response.streaming_content)


@pytest.mark.django_db
def test_the_checks_endpoint_returns_json_for_the_typed_body(client, editor, article):
    typed = f"Typed [@nowhere-2020].\n\n::: audience caregiver\n{LONG_WORDS}\n:::\n"
    response = logged_in(client, editor).post(checks_url(article), {"body": typed})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    checks = response.json()
    assert checks["problems"] == [
        {
            "line": 1,
            "code": "unknown-citation",
            "kind": "error",
            "message": 'Line 1: unknown citation key "nowhere-2020".',
            "fix": FIXES["unknown-citation"],
        },
        {
            "line": 3,
            "code": "grade-over-limit",
            "kind": "warning",
            "message": "The caregiver text reads at grade "
            f"{scores_of(checks)['caregiver']['grade']:.1f}, over the limit of 8.",
            "fix": "Shorter sentences and everyday words bring the grade down.",
        },
    ]
    scores = {audience["slug"]: audience for audience in checks["audiences"]}
    assert scores["caregiver"]["flagged"] is True
    assert scores["patient"]["flagged"] is False
    assert scores["patient"]["words"] == 1
    assert checks["max_grade"] == 8
    # The typed body no longer cites the guideline: it is unused now.
    assert [reference["key"] for reference in checks["unused_references"]] == ["guideline-2025"]
    assert checks["unused_count"] == 1
    assert "library" not in checks


def scores_of(checks):
    return {audience["slug"]: audience for audience in checks["audiences"]}


@pytest.mark.django_db
def test_the_checks_endpoint_refuses_get(client, editor, article):
    response = logged_in(client, editor).get(checks_url(article))
    assert response.status_code == 405


@pytest.mark.django_db
def test_the_checks_endpoint_refuses_users_without_permission(client, article):
    response = client.post(checks_url(article), {"body": "x"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    logged_in(client, factories.UserFactory(is_staff=True, username="staffer"))
    assert client.post(checks_url(article), {"body": "x"}).status_code == 403


@pytest.mark.django_db
def test_the_checks_endpoint_needs_the_csrf_token_from_the_form(editor, article):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    page = client.get(change_url(article)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert client.post(checks_url(article), {"body": "x"}).status_code == 403
    accepted = client.post(checks_url(article), {"body": "x"}, headers={"X-CSRFToken": token})
    assert accepted.status_code == 200


@pytest.mark.django_db
def test_the_checks_endpoint_of_a_missing_article_is_not_found(client, editor, audiences):
    assert (
        logged_in(client, editor).post(checks_url(type("A", (), {"pk": 999})())).status_code == 404
    )


# Measured with 5 and 50 references: the same budget for both, so no query per reference.
# The desk's status and live preview add 7 (see tests/editorial/test_admin.py), the open review
# comments on the draft 1, "View on site" 1 (the address readers are shown, if any).
ARTICLE_PAGE_QUERIES = 25


@pytest.mark.django_db
@pytest.mark.parametrize("count", [5, 50])
def test_the_article_change_page_makes_a_fixed_number_of_queries(
    client, django_assert_max_num_queries, editor, audiences, count
):
    references = factories.ReferenceFactory.create_batch(count)
    body = "".join(f"Point {n} [@{reference.key}].\n\n" for n, reference in enumerate(references))
    article = factories.ArticleFactory(created_by=editor, body=body[: len(body) // 2])
    logged_in(client, editor)
    with django_assert_max_num_queries(ARTICLE_PAGE_QUERIES):
        response = client.get(change_url(article))
    assert response.status_code == 200
    assert response.context["writing_checks"]["unused_count"] == count - count // 2
