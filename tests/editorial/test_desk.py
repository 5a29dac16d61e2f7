"""The editor's desk through Django's test client: save and submit in one transaction, what
readers see, compare with live, the live preview endpoint and the writing checks."""

import re

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from reversion.models import Version

from articles.models import Article
from editorial.admin.articles import SAVE_AND_SUBMIT
from editorial.checks import did_you_mean, writing_checks
from reviews.models import ReviewRound, State
from tests import factories
from tests.admin_forms import change_form_data
from tests.clients import logged_in
from tests.factories import approve, save_as

pytestmark = pytest.mark.django_db

BODY = (
    "Calcium matters [@guideline-2025].\n\n"
    "::: audience patient caregiver\nAsk your doctor.\n:::\n\n"
    "::: audience student clinician\nCheck serum 25(OH)D.\n:::\n"
)


@pytest.fixture
def reference(db):
    return factories.ReferenceFactory(key="guideline-2025", title="Bone guideline", year=2025)


@pytest.fixture
def article(editor, audiences, reference):
    return factories.ArticleFactory(
        created_by=editor, slug="bones", title="Does calcium help bones?", summary="Yes.", body=BODY
    )


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def typed_form(client, article, **changes):
    data = change_form_data(client.get(change_url(article)))
    data.update(changes)
    return data


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


# 1. Save and submit


def test_save_and_submit_freezes_the_text_just_typed(client, editor, article):
    logged_in(client, editor)
    typed = BODY + "\nA sentence typed and never saved before.\n"
    data = typed_form(
        client, article, body=typed, submit_note="Please check the new line.", what_changed="New"
    )
    response = client.post(change_url(article), {**data, "_saveandsubmit": "1"})
    assert response.status_code == 302
    assert response.url == change_url(article)
    review_round = ReviewRound.objects.get(article=article)
    assert review_round.snapshot["article"]["body"] == typed
    # The round points at history holding that text: the editor's save, then the submission.
    saved, submitted = list(Version.objects.get_for_object(article).order_by("pk"))[-2:]
    assert submitted.revision == review_round.revision
    assert submitted.revision.comment == "Submitted for review (round 1)."
    assert saved.revision != submitted.revision
    assert saved.field_dict["body"] == submitted.field_dict["body"] == typed
    assert saved.revision.user == submitted.revision.user == editor
    assert review_round.note == "Please check the new line."
    assert review_round.what_changed == "New"
    assert review_round.submitted_by == editor
    article.refresh_from_db()
    assert article.body == typed
    assert messages_of(response) == [
        "Saved and submitted for review as round 1. The board reviews exactly the text you saved."
    ]


def test_a_refused_submission_saves_nothing_and_keeps_what_was_typed(client, editor, article):
    logged_in(client, editor)
    typed = BODY + "\nNew claim [@no-such-study].\n"
    data = typed_form(client, article, body=typed, submit_note="My note", what_changed="Line")
    response = client.post(change_url(article), {**data, "_saveandsubmit": "1"})
    assert response.status_code == 200
    assert not ReviewRound.objects.exists()
    article.refresh_from_db()
    assert article.body == BODY  # the save was rolled back with the submission
    form = response.context["adminform"].form
    assert form["body"].value() == typed
    assert form["submit_note"].value() == "My note"
    assert form["what_changed"].value() == "Line"
    page = response.content.decode()
    assert "Not submitted, and not saved" in page
    assert "no-such-study" in page
    assert "My note</textarea>" in page
    # Nothing of the refused attempt is announced as saved.
    assert not any("successfully" in message for message in messages_of(response))


def test_an_edit_conflict_refuses_the_save_and_the_submission(
    client, editor, other_editor, article
):
    logged_in(client, editor)
    data = typed_form(client, article, body=BODY + "\nMine.\n", submit_note="Note kept")
    save_as(other_editor, Article.objects.get(pk=article.pk), edit_version=2, summary="Theirs.")
    response = client.post(change_url(article), {**data, "_saveandsubmit": "1"})
    assert response.status_code == 200
    assert not ReviewRound.objects.exists()
    form = response.context["adminform"].form
    assert form["body"].value() == BODY + "\nMine.\n"
    assert form["submit_note"].value() == "Note kept"
    assert Article.objects.get(pk=article.pk).summary == "Theirs."


def test_a_form_error_submits_nothing_and_keeps_the_note(client, editor, article):
    logged_in(client, editor)
    data = typed_form(client, article, title="", submit_note="Still here")
    response = client.post(change_url(article), {**data, "_saveandsubmit": "1"})
    assert response.status_code == 200
    assert not ReviewRound.objects.exists()
    assert response.context["adminform"].form["submit_note"].value() == "Still here"


def test_a_plain_save_submits_nothing(client, editor, article):
    logged_in(client, editor)
    data = typed_form(client, article, body=BODY + "\nSaved only.\n")
    response = client.post(change_url(article), {**data, "_continue": "1"})
    assert response.status_code == 302
    assert not ReviewRound.objects.exists()


def test_a_board_member_without_submit_permission_gets_no_submit_button(
    client, board_member, article
):
    page = logged_in(client, board_member).get(change_url(article)).content.decode()
    assert 'name="_saveandsubmit"' not in page


def test_a_board_member_reads_the_source_at_the_desk_and_is_offered_no_editing(
    client, board_member, article
):
    """Someone who may only look gets the Markdown source to read (the form has no body
    field for them, and the source column was empty) and no save or cite controls."""
    page = logged_in(client, board_member).get(change_url(article)).content.decode()
    source = re.search(r'<textarea id="id_body"[^>]*readonly[^>]*>(.*?)</textarea>', page, re.S)
    assert source is not None
    assert "Ask your doctor." in source.group(1)
    assert 'name="_continue"' not in page  # no "Save draft" that could only be refused
    assert 'id="cite-picker"' not in page


def test_an_editor_still_gets_the_editable_source_and_the_save_button(client, editor, article):
    page = logged_in(client, editor).get(change_url(article)).content.decode()
    assert re.search(r'<textarea name="body"[^>]*id="id_body"', page)
    assert 'name="_continue"' in page and 'id="cite-picker"' in page


# 2. What readers see


def status_text(client, article):
    page = client.get(change_url(article)).content.decode()
    return re.search(r'<span class="reader-status[^>]*>([^<]*)</span>', page).group(1)


def test_the_status_follows_the_article_through_the_workflow(client, editor, board_member, article):
    from reviews import workflow

    logged_in(client, editor)
    assert status_text(client, article) == "Draft (never published)"
    review_round = workflow.submit(article, by=editor)
    assert status_text(client, article) == "In review (round 1, not started)"
    workflow.start_review(review_round, by=board_member)
    assert status_text(client, article) == "In review (round 1, by bea)"
    workflow.request_changes(review_round, by=board_member, note="Cite more.")
    assert status_text(client, article) == "Changes requested (round 1)"
    approve(article, editor=editor, board_member=board_member)
    assert status_text(client, article) == "Live (round 2)"
    save_as(editor, article, summary="Saved, not submitted.")
    assert status_text(client, article) == (
        "Live with newer changes (readers see round 2; the draft was saved since and not submitted)"
    )
    workflow.submit(article, by=editor)
    assert status_text(client, article) == (
        "Live with newer changes (readers see round 2; round 3 is newer)"
    )


def view_on_site_link(client, article):
    """Where the change page's "View on site" leads (through the admin's shortcut when it
    goes that way), or None when the page offers no such link."""
    page = client.get(change_url(article)).content.decode()
    found = re.search(r'<a href="([^"]+)" class="viewsitelink"', page)
    if found is None:
        return None
    href = found.group(1)
    return client.get(href)["Location"] if href.startswith("/admin/") else href


def test_view_on_site_is_offered_only_for_the_page_readers_can_open(
    client, editor, board_member, article
):
    logged_in(client, editor)
    assert view_on_site_link(client, article) is None  # a draft: readers have no page yet
    approve(article, editor=editor, board_member=board_member)
    assert view_on_site_link(client, article).endswith("/articles/bones/")
    # A new address waits for the next approval; until then the link keeps the live one.
    save_as(editor, article, slug="calcium-and-bones")
    assert view_on_site_link(client, article).endswith("/articles/bones/")
    assert client.get("/articles/bones/").status_code == 200


def test_saving_the_draft_unchanged_keeps_it_live_and_adds_no_version(
    client, editor, board_member, article
):
    approve(article, editor=editor, board_member=board_member)
    logged_in(client, editor)
    versions = Version.objects.get_for_object(article).count()
    # As a browser sends it: line ends as CRLF, every field as loaded.
    data = typed_form(client, article)
    data["body"] = data["body"].replace("\n", "\r\n")
    assert client.post(change_url(article), data).status_code == 302
    assert status_text(client, article) == "Live (round 1)"
    assert Version.objects.get_for_object(article).count() == versions
    assert Article.objects.get(pk=article.pk).edit_version == article.edit_version

    topic = factories.TopicFactory(slug="bones")
    changed = typed_form(client, article, topics=[str(topic.pk)])
    assert client.post(change_url(article), changed).status_code == 302
    assert status_text(client, article).startswith("Live with newer changes")
    assert Version.objects.get_for_object(article).count() == versions + 1


def test_the_changelist_filters_by_what_readers_see(client, editor, board_member, audiences):
    live = factories.ArticleFactory(created_by=editor, title="Live one", body="Text.")
    approve(live, editor=editor, board_member=board_member)
    changed = factories.ArticleFactory(created_by=editor, title="Changed one", body="Text.")
    approve(changed, editor=editor, board_member=board_member)
    save_as(editor, changed, body="Text, edited.")
    factories.ArticleFactory(created_by=editor, title="Draft one", body="Text.")
    logged_in(client, editor)
    url = reverse("admin:articles_article_changelist")

    def titles(status):
        response = client.get(url, {"reader_status": status})
        return [article.title for article in response.context["cl"].result_list]

    assert titles("live") == ["Live one"]
    assert titles("live_with_changes") == ["Changed one"]
    assert titles("draft") == ["Draft one"]
    assert titles("in_review") == []
    page = client.get(url).content.decode()
    assert "What readers see" in page
    assert "Live with newer changes (readers see round 1" in page


def test_compare_with_live_shows_the_saved_draft_against_the_published_round(
    client, editor, board_member, article
):
    approve(article, editor=editor, board_member=board_member)
    save_as(editor, article, summary="A new summary nobody approved.")
    logged_in(client, editor)
    page = client.get(change_url(article)).content.decode()
    url = reverse("admin:articles_article_compare_live", args=[article.pk])
    assert f'href="{url}"' in page
    response = client.get(url)
    assert response.status_code == 200
    summary = next(diff for diff in response.context["field_diffs"] if diff.label == "Summary")
    assert summary.changed
    assert "<ins>" in str(summary.html) and "nobody approved" in str(summary.html)
    body = next(diff for diff in response.context["field_diffs"] if diff.label == "Body")
    assert not body.changed


def test_compare_with_live_needs_permission(client, article):
    url = reverse("admin:articles_article_compare_live", args=[article.pk])
    logged_in(client, factories.UserFactory(is_staff=True, username="staffer"))
    assert client.get(url).status_code == 403


# 3. The live preview


def preview_url(article):
    return reverse("admin:articles_article_live_preview", args=[article.pk])


def test_the_live_preview_renders_typed_text_for_the_chosen_audience_and_stores_nothing(
    client, editor, article
):
    logged_in(client, editor)
    typed = BODY.replace("Ask your doctor.", "Typed for patients only.")
    for audience, shown, hidden in [
        ("patient", "Typed for patients only.", "Check serum"),
        ("clinician", "Check serum 25(OH)D.", "Typed for patients"),
    ]:
        response = client.post(
            preview_url(article), {"body": typed, "title": "New title?", "audience": audience}
        )
        assert response.status_code == 200
        page = response.content.decode()
        assert shown in page and hidden not in page
        assert "New title?" in page
        assert 'href="#ref-1"' in page  # numbered citations linking to the reference list
        assert "Bone guideline" in page
    article.refresh_from_db()
    assert article.body == BODY and article.title == "Does calcium help bones?"
    assert not ReviewRound.objects.exists()


def test_the_live_preview_sanitises_what_is_typed(client, editor, article):
    logged_in(client, editor)
    response = client.post(preview_url(article), {"body": "<script>alert(1)</script> Hi"})
    assert "<script>alert" not in response.content.decode()


def test_the_live_preview_refuses_get_strangers_and_missing_csrf(client, editor, article):
    logged_in(client, editor)
    assert client.get(preview_url(article)).status_code == 405
    client.logout()
    assert client.post(preview_url(article), {"body": "x"}).status_code == 302
    logged_in(client, factories.UserFactory(is_staff=True, username="staffer"))
    assert client.post(preview_url(article), {"body": "x"}).status_code == 403
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(editor)
    assert strict.post(preview_url(article), {"body": "x"}).status_code == 403


# 4 and 5. Writing checks


def codes(article, body):
    return {(p["line"], p["code"], p["kind"]) for p in writing_checks(article, body)["problems"]}


def test_an_unknown_key_gets_did_you_mean_for_case_and_small_typos(article):
    assert did_you_mean("Guideline-2025", ["guideline-2025", "praxis-2025a"]) == ["guideline-2025"]
    assert did_you_mean("guidline-2025", ["guideline-2025", "praxis-2025a"]) == ["guideline-2025"]
    assert did_you_mean("completely-else", ["guideline-2025"]) == []
    problem = writing_checks(article, "See [@Guideline-2025].")["problems"][0]
    assert problem["message"].endswith("Did you mean [@guideline-2025]?")
    assert problem["fix"] == 'Replace "Guideline-2025" with "guideline-2025".'


def test_empty_body_and_summary_are_warned(article):
    article.summary = ""
    problems = codes(article, "")
    assert (0, "empty-summary", "warning") in problems
    assert (1, "empty-body", "warning") in problems


def test_placeholder_text_is_warned_at_its_line(article):
    found = [
        (p["line"], p["message"])
        for p in writing_checks(article, "Fine.\n\nTODO: dose [citation needed].\n")["problems"]
        if p["code"] == "placeholder"
    ]
    assert found == [
        (3, "Placeholder “TODO” left in the text."),
        (3, "Placeholder “[citation needed]” left in the text."),
    ]
    messages = [p["message"] for p in writing_checks(article, "A TBD b.")["problems"]]
    assert any("TBD" in message for message in messages)


def test_a_heading_empty_for_some_audiences_is_warned(article):
    body = (
        "Intro.\n\n## Dosing\n\n::: audience clinician student\nGive 800 IU.\n:::\n\n"
        "## Lifestyle\n\nWalk daily.\n"
    )
    problems = writing_checks(article, body)["problems"]
    dosing = [p for p in problems if p["code"] == "empty-section-audience"]
    assert len(dosing) == 1
    assert dosing[0]["line"] == 3
    assert "patient, caregiver" in dosing[0]["message"]
    assert not [p for p in problems if p["line"] == 10 and p["code"].startswith("empty")]


def test_a_reference_cited_in_some_audiences_only_is_warned(article, reference):
    problems = writing_checks(
        article,
        BODY.replace("Ask your doctor.", "Ask [@guideline-2025].").replace(
            "Calcium matters [@guideline-2025].", "Calcium matters."
        ),
    )["problems"]
    partial = [p for p in problems if p["code"] == "partial-citation"]
    assert [p["line"] for p in partial] == [4]
    assert "patient, caregiver" in partial[0]["message"]
    assert not [
        p for p in writing_checks(article, BODY)["problems"] if p["code"] == "partial-citation"
    ]


def test_patient_text_over_the_grade_limit_is_a_warning_not_a_refusal(article, editor):
    from reviews import workflow

    long_words = (
        "Pharmacological supplementation with cholecalciferol demonstrates considerable "
        "heterogeneity regarding musculoskeletal consequences in institutionalised octogenarians."
    )
    body = f"Shared.\n\n::: audience patient\n{long_words}\n:::\n"
    problems = [
        p for p in writing_checks(article, body)["problems"] if p["code"] == "grade-over-limit"
    ]
    assert [(p["line"], p["kind"]) for p in problems] == [(3, "warning")]
    save_as(editor, article, body=body)
    assert workflow.submit(article, by=editor).state == State.SUBMITTED


def test_a_new_site_without_audiences_gets_the_desk_with_what_to_do(client, editor):
    """Before the first audience exists nothing can be rendered: the desk says so, it does
    not fail."""
    article = factories.ArticleFactory(created_by=editor, slug="first", body="First words.")
    logged_in(client, editor)
    response = client.get(change_url(article))
    assert response.status_code == 200
    page = response.content.decode()
    assert "there are no audiences yet" in page.lower()
    assert "Add at least one audience" in page
    checks = client.post(
        reverse("admin:articles_article_checks", args=[article.pk]), {"body": "Typed."}
    ).json()
    assert [problem["code"] for problem in checks["problems"]] == ["no-audiences"]
    preview = client.post(preview_url(article), {"body": "Typed."})
    assert preview.status_code == 400
    assert "no audiences" in preview.json()["error"]
    submitted = client.post(
        change_url(article), typed_form(client, article, **{SAVE_AND_SUBMIT: "1"})
    )
    assert submitted.status_code == 200  # the form again, with the reason
    assert "no audiences" in " ".join(messages_of(submitted)) + submitted.content.decode()
    assert not article.review_rounds.exists()
