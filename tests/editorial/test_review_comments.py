"""Review comments in the admin: the round preview with its comments and plain forms, the
draft's lines with their comments, the changes since the previous round, the approval
confirmation and the dashboard's counts."""

import json
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from reviews import comments, workflow
from reviews.models import ReviewComment, State
from tests import factories
from tests.clients import client_for, logged_in
from tests.factories import save_as

pytestmark = pytest.mark.django_db

BODY = (
    "Adults over 70 should take 800 IU of vitamin D3 every day [@guideline-2025].\n"
    "\n"
    "::: audience clinician\n"
    "Check baseline serum 25(OH)D before starting.\n"
    ":::\n"
    "\n"
    "- Walk or lift weights three days a week.\n"
    "- Stop smoking and limit alcohol.\n"
)


@pytest.fixture
def reference(db):
    return factories.ReferenceFactory(key="guideline-2025", title="Bone guideline", year=2025)


@pytest.fixture
def article(editor, audiences, reference):
    return factories.ArticleFactory(created_by=editor, body=BODY, slug="bones")


@pytest.fixture
def under_review(article, editor, board_member):
    review_round = workflow.submit(article, by=editor)
    return workflow.start_review(review_round, by=board_member)


def preview_url(review_round, audience="patient"):
    url = reverse("admin:reviews_reviewround_preview", args=[review_round.pk])
    return f"{url}?audience={audience}"


def draft_url(review_round):
    return reverse("admin:reviews_reviewround_draft", args=[review_round.pk])


def texts(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_the_preview_is_the_public_template_with_comment_links_and_form(
    client, under_review, board_member
):
    response = logged_in(client, board_member).get(preview_url(under_review))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Which best describes you?" in html  # the public page's own parts
    assert 'class="review-stepper"' in html
    assert html.count('class="comment-here"') == 3  # one paragraph, two list items
    assert 'id="comment-form"' in html
    assert '<option value="required"' in html  # board members may require changes
    assert "admin-extra/comments.js" in html
    assert "<script>" not in html and " style=" not in html and " onclick" not in html


def test_an_editor_gets_no_required_option(client, under_review, other_editor):
    html = logged_in(client, other_editor).get(preview_url(under_review)).content.decode()
    assert 'id="comment-form"' in html
    assert '<option value="required"' not in html


def test_the_passage_link_fills_the_quote_without_javascript(client, under_review, board_member):
    response = logged_in(client, board_member).get(preview_url(under_review) + "&passage=1")
    quote = re.search(
        r'<textarea id="comment-quote"[^>]*>([^<]*)</textarea>', response.content.decode()
    )
    assert quote.group(1) == "Adults over 70 should take 800 IU of vitamin D3 every day."


def test_a_board_member_comments_with_the_plain_form(client, under_review, board_member):
    url = preview_url(under_review, "clinician")
    response = logged_in(client, board_member).post(
        url,
        {
            "op": "add",
            "quote": "baseline serum 25(OH)D",
            "text": "Give the target level.",
            "kind": "required",
            "audience": "clinician",
            "next": url,
        },
    )
    assert response.status_code == 302 and response["Location"] == url
    comment = ReviewComment.objects.get()
    assert (comment.kind, comment.audience, comment.start_line) == ("required", "clinician", 4)
    page = client.get(url).content.decode()
    assert "Give the target level." in page
    assert '<span class="count-open">1 open</span>' in page
    # Not shown with another audience's text, but counted there.
    patient = client.get(preview_url(under_review, "patient")).content.decode()
    assert "1 comment on other audiences" in patient


def test_words_every_audience_reads_are_anchored_to_the_shared_text(
    client, under_review, board_member
):
    logged_in(client, board_member).post(
        preview_url(under_review, "clinician"),
        {"op": "add", "quote": "800 IU", "text": "Source?", "audience": "clinician"},
    )
    assert ReviewComment.objects.get().audience == ""


def test_a_refused_comment_keeps_what_was_typed(client, under_review, board_member):
    response = logged_in(client, board_member).post(
        preview_url(under_review),
        {"op": "add", "quote": "1,000 IU daily", "text": "My long careful remark."},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "is not in the text every audience shares" in html
    assert "My long careful remark." in html
    assert "1,000 IU daily" in html
    assert not ReviewComment.objects.exists()


def test_the_editor_replies_and_resolves_beside_the_draft_lines(
    client, under_review, board_member, editor, article
):
    comment = comments.add(under_review, by=board_member, quote="limit alcohol", text="How much?")
    url = draft_url(under_review)
    page = logged_in(client, editor).get(url)
    html = page.content.decode()
    row = re.search(r'<tr id="line-8" class="has-comments">.*?</tr>', html, re.S).group(0)
    assert "Stop smoking and limit alcohol." in row and "How much?" in row
    response = client.post(
        url, {"op": "reply", "comment": comment.pk, "text": "One drink a day.", "next": url}
    )
    assert response.status_code == 302
    response = client.post(url, {"op": "resolve", "comment": comment.pk, "next": url}, follow=True)
    assert texts(response) == ["Your reply is saved.", "The comment is resolved."]
    comment.refresh_from_db()
    assert comment.state == ReviewComment.State.RESOLVED
    assert comment.replies.get().text == "One drink a day."


def test_authors_change_their_own_words_and_the_old_words_stay_in_the_history(
    client, under_review, board_member, editor
):
    comment = comments.add(under_review, by=board_member, quote="limit alcohol", text="How mch?")
    answer = comments.reply(comment, by=editor, text="One drink a dya.")
    url = preview_url(under_review)

    # Each author gets an edit form for their own words only.
    as_board = logged_in(client, board_member).get(url).content.decode()
    assert f'id="edit-{comment.pk}"' in as_board and f'id="edit-{answer.pk}"' not in as_board
    response = client.post(
        url, {"op": "edit", "comment": comment.pk, "text": "How much?", "next": url}, follow=True
    )
    assert texts(response)[-1].startswith("Your words are changed")
    comment.refresh_from_db()
    assert comment.text == "How much?"
    assert "it read: “How mch?”" in client.get(url).content.decode()

    # Someone else's words: refused, and nothing changes.
    refused = client.post(url, {"op": "edit", "comment": answer.pk, "text": "Rewritten."})
    assert refused.status_code == 400
    assert "Only the person who wrote a comment can change its words." in (refused.content.decode())
    answer.refresh_from_db()
    assert answer.text == "One drink a dya."
    # A refused change of one's own words opens the form again with what was typed.
    too_long = "Much longer. " * 400
    refused = client.post(url, {"op": "edit", "comment": comment.pk, "text": too_long})
    assert refused.status_code == 400
    page = refused.content.decode()
    assert '<details class="comment-edit" open>' in page
    assert f"{too_long}</textarea>" in page
    comment.refresh_from_db()
    assert comment.text == "How much?"

    logged_in(client, editor).post(
        draft_url(under_review),
        {"op": "edit", "comment": answer.pk, "text": "One drink a day."},
    )
    answer.refresh_from_db()
    assert answer.text == "One drink a day."


def test_an_editor_cannot_resolve_a_required_change_and_is_told_why(
    client, under_review, board_member, editor
):
    comment = comments.add(
        under_review, by=board_member, quote="800 IU", text="Cite.", kind="required"
    )
    response = logged_in(client, editor).post(
        draft_url(under_review), {"op": "resolve", "comment": comment.pk}
    )
    assert response.status_code == 400
    assert "Only an advisory board member can resolve a required change" in (
        response.content.decode()
    )


def test_a_comment_from_another_round_cannot_be_reached_through_this_one(
    client, under_review, board_member, editor, article
):
    comment = comments.add(under_review, by=board_member, quote="800 IU", text="x")
    other = factories.ArticleFactory(created_by=editor, body="Other text.\n", slug="other")
    other_round = workflow.submit(other, by=editor)
    response = logged_in(client, editor).post(
        preview_url(other_round), {"op": "resolve", "comment": comment.pk}
    )
    assert response.status_code == 400
    comment.refresh_from_db()
    assert comment.state == ReviewComment.State.OPEN


def test_the_article_page_lists_open_comments_with_a_link_to_the_lines(
    client, under_review, board_member, editor, article
):
    comments.add(under_review, by=board_member, quote="limit alcohol", text="How much?")
    html = (
        logged_in(client, editor)
        .get(reverse("admin:articles_article_change", args=[article.pk]))
        .content.decode()
    )
    assert "1 open review comment on round 1" in html
    assert f"{draft_url(under_review)}#line-8" in html


def test_the_desk_gutter_shows_open_comments_at_their_lines(
    client, under_review, board_member, editor, article
):
    comments.add(under_review, by=board_member, quote="limit alcohol", text="How much?")
    response = logged_in(client, editor).get(
        reverse("admin:articles_article_change", args=[article.pk])
    )
    annotations = json.loads(response.context["desk_annotations_json"])
    [comment] = [item for item in annotations if item["kind"] == "comment"]
    assert comment["line"] == 8
    assert "“limit alcohol”" in comment["message"] and "How much?" in comment["message"]


def test_the_round_page_shows_counts_previous_round_and_changes_link(
    client, under_review, board_member, editor, article
):
    done = comments.add(under_review, by=board_member, quote="800 IU", text="Fixed?")
    comments.resolve(done, by=board_member)
    comments.add(under_review, by=board_member, quote="limit alcohol", text="How much?")
    workflow.request_changes(under_review, by=board_member, note="Tighten the doses.")
    save_as(editor, article, body=BODY.replace("three days", "two or three days"))
    second = workflow.submit(article, by=editor)
    html = (
        logged_in(client, board_member)
        .get(reverse("admin:reviews_reviewround_change", args=[second.pk]))
        .content.decode()
    )
    assert "Tighten the doses." in html
    assert "Fixed?" in html  # the resolved comment stayed with round 1
    assert '<span class="count-open">1 open</span>' in html  # the open one came along
    assert reverse("admin:reviews_reviewround_changes", args=[second.pk]) in html


def test_changes_since_the_previous_round_show_only_changed_passages(
    client, under_review, board_member, editor, article
):
    workflow.request_changes(under_review, by=board_member, note="Fix.")
    filler = "".join(f"Unchanged line {number}.\n\n" for number in range(20))
    save_as(editor, article, body=BODY + filler + "Last line.\n")
    middle = workflow.submit(article, by=editor)
    workflow.withdraw(middle, by=editor)
    body = BODY.replace("three days", "two or three days") + filler + "Last line, changed.\n"
    save_as(editor, article, body=body)
    newest = workflow.submit(article, by=editor)
    response = logged_in(client, board_member).get(
        reverse("admin:reviews_reviewround_changes", args=[newest.pk])
    )
    html = response.content.decode()
    assert "2 changed passages" in html
    assert "<ins>two or </ins>three days" in html
    assert "Unchanged line 5." not in html  # far from any change
    assert 'href="#change-2">Next change' in html
    assert 'href="#change-1">Previous change' in html


def test_approving_from_the_round_page_asks_for_confirmation_and_keeps_the_note(
    client, under_review, board_member
):
    url = reverse("admin:reviews_reviewround_workflow", args=[under_review.pk, "approve"])
    response = logged_in(client, board_member).post(url, {"note": "Checked every dose."})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Approve round 1" in html and "Checked every dose." in html
    under_review.refresh_from_db()
    assert under_review.state == State.UNDER_REVIEW
    client.post(url, {"note": "Checked every dose.", "confirm": "yes"})
    under_review.refresh_from_db()
    assert under_review.state == State.APPROVED
    assert under_review.decision_note == "Checked every dose."


def test_approval_with_an_open_required_change_is_refused_with_its_quote(
    client, under_review, board_member
):
    comments.add(under_review, by=board_member, quote="800 IU", text="Cite.", kind="required")
    url = reverse("admin:reviews_reviewround_workflow", args=[under_review.pk, "approve"])
    response = logged_in(client, board_member).post(url, {"confirm": "yes"}, follow=True)
    assert "still has 1 open required change: line 1: “800 IU”" in texts(response)[0]


def test_the_dashboard_counts_link_to_their_lists(
    client, article, editor, board_member, second_board_member
):
    review_round = workflow.submit(article, by=editor)
    board = client_for(board_member)
    html = board.get(reverse("admin:index")).content.decode()
    counts = {
        label: int(count)
        for count, label in re.findall(r'<span class="desk-count">(\d+)</span> ([^<]+)</a>', html)
    }
    assert counts == {
        "Waiting for a reviewer": 1,
        "I am reviewing": 0,
        "Comments waiting for my answer": 0,
    }

    workflow.start_review(review_round, by=board_member)
    comments.add(review_round, by=board_member, quote="800 IU", text="Source?")
    workflow.request_changes(review_round, by=board_member, note="See the comment.")
    editor_html = client_for(editor).get(reverse("admin:index")).content.decode()
    assert re.search(
        r'<span class="desk-count">1</span> Changes requested on my articles', editor_html
    )
    assert re.search(
        r'<span class="desk-count">1</span> Comments waiting for my answer', editor_html
    )

    listed = client_for(editor).get(
        reverse("admin:reviews_reviewround_changelist") + "?queue=answer"
    )
    assert listed.context["cl"].result_count == 1
    listed = client_for(editor).get(
        reverse("admin:reviews_reviewround_changelist") + "?queue=my_changes"
    )
    assert listed.context["cl"].result_count == 1
    assert (
        client_for(second_board_member)
        .get(reverse("admin:reviews_reviewround_changelist") + "?queue=my_changes")
        .context["cl"]
        .result_count
        == 0
    )
