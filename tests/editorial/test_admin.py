"""The review admin driven through Django's test client: buttons, workflow views, the queue,
previews, history and compare, revert and the read-only audit trail."""

import datetime
import re

import pytest
import reversion
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from articles.models import Topic
from reviews import workflow
from reviews.models import ReviewEvent, ReviewRound, State
from tests import factories
from tests.admin_forms import change_form_data
from tests.clients import logged_in
from tests.factories import save_as

pytestmark = pytest.mark.django_db

Action = ReviewEvent.Action

BODY = (
    "Calcium matters [@guideline-2025].\n\n"
    "::: audience patient\nAsk your doctor.\n:::\n\n"
    "::: audience clinician\nCheck serum 25(OH)D.\n:::\n"
)


@pytest.fixture
def reference(db):
    return factories.ReferenceFactory(key="guideline-2025", title="Bone guideline", year=2025)


@pytest.fixture
def article(editor, audiences, reference):
    return factories.ArticleFactory(
        created_by=editor,
        slug="bones",
        title="Does calcium help bones?",
        summary="Usually yes.",
        body=BODY,
    )


@pytest.fixture
def submitted(article, editor):
    return workflow.submit(article, by=editor, note="First version.")


@pytest.fixture
def under_review(submitted, board_member):
    return workflow.start_review(submitted, by=board_member)


@pytest.fixture
def approved(under_review, board_member):
    return workflow.approve(under_review, by=board_member, note="Checked.")


@pytest.fixture
def superuser(db):
    return factories.UserFactory(superuser=True, username="root")


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def article_workflow_url(article, action):
    return reverse("admin:articles_article_workflow", args=[article.pk, action])


def round_workflow_url(review_round, action):
    return reverse("admin:reviews_reviewround_workflow", args=[review_round.pk, action])


def workflow_buttons(response):
    """The workflow actions offered on a page, each proven by its form action and its button;
    submitting is the change form's own "Save and submit for review" button."""
    page = response.content.decode()
    actions = set(re.findall(r'<form method="post" action="[^"]*/workflow/(\w+)/"', page))
    classes = set(re.findall(r'class="button workflow-(\w+)"', page))
    assert actions == classes, (actions, classes)
    if 'name="_saveandsubmit"' in page:
        actions.add("submit")
    return actions


def message_texts(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def article_body(html):
    """The reviewed article text of a page: the one fragment the previews promise to match."""
    match = re.search(r'<div class="article-body">.*?</div>', html, re.S)
    assert match, "no article body on the page"
    return match.group(0)


def without_comment_links(html):
    """The round preview numbers each passage and ends it with a "Comment" link (for reviewers
    without JavaScript); everything else must be the public page's HTML."""
    html = re.sub(r' id="passage-\d+" data-passage="\d+"', "", html)
    return re.sub(
        r'<a class="comment-here" href="[^"]*">Comment<span[^>]*>[^<]*</span></a>', "", html
    )


def reload(obj):
    obj.refresh_from_db()
    return obj


# 1. Buttons on the article change page


def test_editor_sees_submit_and_no_board_buttons_on_a_draft(client, editor, article):
    response = logged_in(client, editor).get(change_url(article))
    assert response.status_code == 200
    assert workflow_buttons(response) == {"submit"}
    page = response.content.decode()
    assert 'class="state-badge state-draft"' in page
    assert 'name="submit_note"' in page and 'name="what_changed"' in page
    assert "csrfmiddlewaretoken" in page


def test_editor_sees_submit_and_withdraw_but_not_approve_on_a_submitted_round(
    client, editor, submitted
):
    response = logged_in(client, editor).get(change_url(submitted.article))
    assert workflow_buttons(response) == {"submit", "withdraw"}
    assert "workflow-approve" not in response.content.decode()


def test_board_member_sees_start_review_on_a_submitted_round(client, board_member, submitted):
    response = logged_in(client, board_member).get(change_url(submitted.article))
    assert response.status_code == 200
    assert workflow_buttons(response) == {"start_review"}
    assert 'class="state-badge state-submitted"' in response.content.decode()


def test_board_member_sees_approve_and_request_changes_after_starting_review(
    client, board_member, under_review
):
    response = logged_in(client, board_member).get(change_url(under_review.article))
    assert workflow_buttons(response) == {"approve", "request_changes"}
    page = response.content.decode()
    assert 'class="state-badge state-under_review"' in page
    assert (
        'id="note-request_changes" name="note" rows="2" cols="60" maxlength="5000" required' in page
    )


def test_board_member_who_edited_the_article_sees_no_approve_button(
    client, article, editor, board_member, second_board_member
):
    save_as(board_member, article, summary="The reviewer fixed a typo.")
    review_round = workflow.submit(article, by=editor)
    assert workflow_buttons(logged_in(client, board_member).get(change_url(article))) == set()
    workflow.start_review(review_round, by=second_board_member)
    buttons = workflow_buttons(client.get(change_url(article)))
    assert "approve" not in buttons
    assert buttons == {"request_changes"}


def test_superuser_who_submitted_sees_no_approve_button(client, article, superuser, board_member):
    review_round = workflow.submit(article, by=superuser)
    workflow.start_review(review_round, by=board_member)
    buttons = workflow_buttons(logged_in(client, superuser).get(change_url(article)))
    assert "approve" not in buttons
    assert buttons == {"submit", "request_changes", "withdraw"}


def test_board_member_sees_the_same_buttons_on_the_round_page(client, board_member, submitted):
    url = reverse("admin:reviews_reviewround_change", args=[submitted.pk])
    response = logged_in(client, board_member).get(url)
    assert response.status_code == 200
    assert workflow_buttons(response) == {"start_review"}
    workflow.start_review(submitted, by=board_member)
    assert workflow_buttons(client.get(url)) == {"approve", "request_changes"}


def test_round_history_lists_every_event_with_actor_and_note(
    client, editor, board_member, approved
):
    page = logged_in(client, editor).get(change_url(approved.article)).content.decode()
    assert 'class="state-badge state-approved"' in page
    assert f"Submitted by {editor}: “First version.”" in page
    assert f"Started review by {board_member}" in page
    assert f"Approved by {board_member}: “Checked.”" in page


def test_workflow_forms_work_with_csrf_checks_enforced(editor, article):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    page = client.get(change_url(article)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    refused = client.post(article_workflow_url(article, "submit"))
    assert refused.status_code == 403
    assert not ReviewRound.objects.exists()
    accepted = client.post(
        article_workflow_url(article, "submit"), {"csrfmiddlewaretoken": token, "note": "Go."}
    )
    assert accepted.status_code == 302
    assert ReviewRound.objects.get().note == "Go."


# 2. Workflow views


def test_posting_submit_creates_a_round_and_says_so(client, editor, article):
    response = logged_in(client, editor).post(
        article_workflow_url(article, "submit"), {"note": "Ready."}, follow=True
    )
    review_round = ReviewRound.objects.get()
    assert review_round.state == State.SUBMITTED
    assert review_round.note == "Ready."
    assert response.redirect_chain == [(change_url(article), 302)]
    assert message_texts(response) == ["Round 1 is now submitted."]
    assert "Round 1 is now submitted." in response.content.decode()


@pytest.mark.parametrize("via", ["article", "round"])
def test_posting_start_review_then_approve_moves_the_round_and_says_so(
    client, via, submitted, board_member
):
    def url(action):
        if via == "article":
            return article_workflow_url(submitted.article, action)
        return round_workflow_url(submitted, action)

    logged_in(client, board_member)
    response = client.post(url("start_review"), follow=True)
    assert message_texts(response) == ["Round 1 is now under review."]
    assert reload(submitted).state == State.UNDER_REVIEW
    assert submitted.reviewer == board_member

    response = client.post(
        url("approve"), {"note": "Doses checked.", "confirm": "yes"}, follow=True
    )
    assert message_texts(response) == ["Round 1 is now approved."]
    assert reload(submitted).state == State.APPROVED
    assert submitted.decision_note == "Doses checked."
    assert submitted.events.last().actor == board_member


@pytest.mark.parametrize("via", ["article", "round"])
def test_approving_asks_once_more_and_keeps_the_note(client, via, under_review, board_member):
    url = (
        article_workflow_url(under_review.article, "approve")
        if via == "article"
        else round_workflow_url(under_review, "approve")
    )
    response = logged_in(client, board_member).post(url, {"note": "Doses checked."})
    assert response.status_code == 200
    assert reload(under_review).state == State.UNDER_REVIEW
    html = response.content.decode()
    assert "Yes, approve round 1" in html and ">Doses checked.</textarea>" in html
    assert round_workflow_url(under_review, "approve") in html

    client.post(
        round_workflow_url(under_review, "approve"), {"note": "Doses checked.", "confirm": "yes"}
    )
    assert reload(under_review).state == State.APPROVED


@pytest.mark.parametrize("via", ["article", "round"])
def test_posting_request_changes_with_a_note_sends_the_round_back(
    client, via, under_review, board_member
):
    url = (
        article_workflow_url(under_review.article, "request_changes")
        if via == "article"
        else round_workflow_url(under_review, "request_changes")
    )
    response = logged_in(client, board_member).post(url, {"note": "Cite the trial."}, follow=True)
    assert message_texts(response) == ["Changes are now requested on round 1."]
    assert reload(under_review).state == State.CHANGES_REQUESTED
    assert under_review.decision_note == "Cite the trial."


@pytest.mark.parametrize("via", ["article", "round"])
def test_posting_withdraw_takes_the_round_out_of_review(client, via, submitted, editor):
    url = (
        article_workflow_url(submitted.article, "withdraw")
        if via == "article"
        else round_workflow_url(submitted, "withdraw")
    )
    response = logged_in(client, editor).post(url, follow=True)
    assert response.status_code == 200
    assert message_texts(response) == ["Round 1 is now withdrawn."]
    assert reload(submitted).state == State.WITHDRAWN


def test_round_workflow_redirects_to_the_round_page(client, submitted, board_member):
    response = logged_in(client, board_member).post(round_workflow_url(submitted, "start_review"))
    assert response.status_code == 302
    assert response.url == reverse("admin:reviews_reviewround_change", args=[submitted.pk])


def test_submit_with_an_unknown_citation_is_refused_with_the_problem_as_a_message(
    client, editor, article
):
    save_as(editor, article, body="Fine [@guideline-2025].\n\nNot fine [@made-up-2024].\n")
    response = logged_in(client, editor).post(article_workflow_url(article, "submit"), follow=True)
    assert not ReviewRound.objects.exists()
    assert not ReviewEvent.objects.exists()
    assert response.redirect_chain == [(change_url(article), 302)]
    [text] = message_texts(response)
    assert 'Line 3: unknown citation key "made-up-2024".' in text
    page = response.content.decode()
    assert "Line 3: unknown citation key &quot;made-up-2024&quot;." in page
    assert 'class="error"' in page


def test_approve_by_a_board_member_who_edited_the_text_is_refused(
    client, article, editor, board_member, second_board_member
):
    save_as(board_member, article, summary="Edited by the reviewer.")
    review_round = workflow.submit(article, by=editor)
    workflow.start_review(review_round, by=second_board_member)
    response = logged_in(client, board_member).post(
        article_workflow_url(article, "approve"), {"note": "Mine, approved."}, follow=True
    )
    assert reload(review_round).state == State.UNDER_REVIEW
    assert review_round.events.count() == 2
    [text] = message_texts(response)
    assert text.startswith("You wrote or edited part of this round's text")
    assert "another board member must review it" in response.content.decode()


def test_approve_by_the_superuser_who_submitted_is_refused(
    client, article, superuser, board_member
):
    review_round = workflow.submit(article, by=superuser)
    workflow.start_review(review_round, by=board_member)
    response = logged_in(client, superuser).post(
        round_workflow_url(review_round, "approve"), {"confirm": "yes"}, follow=True
    )
    assert reload(review_round).state == State.UNDER_REVIEW
    assert message_texts(response)[0].startswith(
        "You submitted this round, so another board member must review it."
    )


@pytest.mark.parametrize("via", ["article", "round"])
def test_request_changes_with_an_empty_note_is_refused(client, via, under_review, board_member):
    url = (
        article_workflow_url(under_review.article, "request_changes")
        if via == "article"
        else round_workflow_url(under_review, "request_changes")
    )
    response = logged_in(client, board_member).post(url, {"note": "   "}, follow=True)
    assert reload(under_review).state == State.UNDER_REVIEW
    assert under_review.events.count() == 2
    assert message_texts(response) == [
        "Say what needs to change: a note is required when requesting changes."
    ]


def test_a_board_member_cannot_submit_and_is_told_why(client, article, board_member):
    response = logged_in(client, board_member).post(
        article_workflow_url(article, "submit"), follow=True
    )
    assert not ReviewRound.objects.exists()
    assert message_texts(response) == [
        "Only editors can submit articles for review, and you are not an editor."
    ]


def test_an_editor_cannot_approve_and_is_told_why(client, under_review, other_editor):
    response = logged_in(client, other_editor).post(
        round_workflow_url(under_review, "approve"), {"confirm": "yes"}, follow=True
    )
    assert reload(under_review).state == State.UNDER_REVIEW
    assert message_texts(response) == [
        "Only advisory board members can approve a round, and you are not on the board."
    ]


def test_a_step_from_the_wrong_state_is_refused_with_a_message(client, submitted, board_member):
    response = logged_in(client, board_member).post(
        round_workflow_url(submitted, "approve"), {"confirm": "yes"}, follow=True
    )
    assert reload(submitted).state == State.SUBMITTED
    assert message_texts(response) == [
        "Cannot approve round 1 of “Does calcium help bones?”: it is submitted."
    ]


def test_a_refusal_naming_the_article_is_escaped_on_the_page(client, editor, board_member):
    factories.standard_audiences()
    article = factories.ArticleFactory(created_by=editor, title="<script>alert(1)</script>?")
    review_round = workflow.submit(article, by=editor)
    response = logged_in(client, board_member).post(
        round_workflow_url(review_round, "approve"), {"confirm": "yes"}, follow=True
    )
    assert "<script>alert(1)</script>" in message_texts(response)[0]
    page = response.content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_board_step_on_an_article_without_an_open_round_is_refused(client, article, board_member):
    response = logged_in(client, board_member).post(
        article_workflow_url(article, "start_review"), follow=True
    )
    assert message_texts(response) == ["The article has no round awaiting review."]
    assert not ReviewEvent.objects.exists()


@pytest.mark.parametrize("via", ["article", "round"])
@pytest.mark.parametrize("action", ["submit", "start_review", "approve", "withdraw"])
def test_get_on_a_workflow_url_is_not_allowed(client, via, action, submitted, superuser):
    url = (
        article_workflow_url(submitted.article, action)
        if via == "article"
        else round_workflow_url(submitted, action)
    )
    response = logged_in(client, superuser).get(url)
    assert response.status_code == 405
    assert ReviewRound.objects.get() == submitted
    assert reload(submitted).state == State.SUBMITTED


@pytest.mark.parametrize("via", ["article", "round"])
@pytest.mark.parametrize("action", ["publish", "supersede", "delete"])
def test_an_unknown_workflow_action_is_not_found(client, via, action, submitted, superuser):
    url = (
        article_workflow_url(submitted.article, action)
        if via == "article"
        else round_workflow_url(submitted, action)
    )
    response = logged_in(client, superuser).post(url)
    assert response.status_code == 404
    assert reload(submitted).state == State.SUBMITTED
    assert submitted.events.count() == 1


def test_submit_is_not_a_round_action(client, submitted, editor):
    response = logged_in(client, editor).post(round_workflow_url(submitted, "submit"))
    assert response.status_code == 404
    assert ReviewRound.objects.count() == 1


@pytest.mark.parametrize("via", ["article", "round"])
def test_a_staff_user_without_view_permission_is_forbidden_and_changes_nothing(
    client, via, submitted
):
    nobody = factories.UserFactory(is_staff=True, username="staffer")
    url = (
        article_workflow_url(submitted.article, "withdraw")
        if via == "article"
        else round_workflow_url(submitted, "withdraw")
    )
    assert logged_in(client, nobody).post(url).status_code == 403
    assert reload(submitted).state == State.SUBMITTED
    assert submitted.events.count() == 1


@pytest.mark.parametrize("user", ["anonymous", "not staff"])
def test_a_visitor_who_is_not_staff_is_sent_to_the_login_page(client, user, submitted, editor):
    if user == "not staff":
        # Even an editor's permissions do not open the admin without is_staff.
        editor.is_staff = False
        editor.save()
        client.force_login(editor)
    for url in [
        article_workflow_url(submitted.article, "withdraw"),
        round_workflow_url(submitted, "withdraw"),
        article_workflow_url(submitted.article, "submit"),
    ]:
        response = client.post(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))
    assert ReviewRound.objects.get().state == State.SUBMITTED


def test_withdraw_of_a_round_of_another_article_cannot_be_reached_through_the_wrong_article(
    client, submitted, editor, audiences
):
    other = factories.ArticleFactory(created_by=editor, slug="other")
    response = logged_in(client, editor).post(article_workflow_url(other, "withdraw"), follow=True)
    assert message_texts(response) == ["The article has no round awaiting review."]
    assert reload(submitted).state == State.SUBMITTED


# 3. The review queue and the article list


def queue_url(**params):
    url = reverse("admin:reviews_reviewround_changelist")
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def shown(response):
    return [review_round.pk for review_round in response.context["cl"].result_list]


def submit_at(article, editor, when):
    review_round = workflow.submit(article, by=editor)
    ReviewRound.objects.filter(pk=review_round.pk).update(submitted_at=when)
    return reload(review_round)


@pytest.fixture
def queue(audiences, editor, board_member, second_board_member):
    """Rounds in every interesting state, submitted in an order unlike their creation order."""
    now = timezone.now()
    day = datetime.timedelta(days=1)

    def article(slug):
        return factories.ArticleFactory(created_by=editor, slug=slug, body="Plain text.\n")

    rounds = {
        "newest_submitted": submit_at(article("a"), editor, now - 1 * day),
        "oldest_mine": submit_at(article("b"), editor, now - 9 * day),
        "middle_theirs": submit_at(article("c"), editor, now - 5 * day),
        "approved": submit_at(article("d"), editor, now - 20 * day),
        "withdrawn": submit_at(article("e"), editor, now - 15 * day),
        "decided_mine": submit_at(article("f"), editor, now - 30 * day),
    }
    workflow.start_review(rounds["oldest_mine"], by=board_member)
    workflow.start_review(rounds["middle_theirs"], by=second_board_member)
    workflow.start_review(rounds["approved"], by=second_board_member)
    workflow.approve(rounds["approved"], by=second_board_member)
    workflow.withdraw(rounds["withdrawn"], by=editor)
    workflow.start_review(rounds["decided_mine"], by=board_member)
    workflow.request_changes(rounds["decided_mine"], by=board_member, note="Fix it.")
    return {name: reload(review_round) for name, review_round in rounds.items()}


def test_queue_shows_open_rounds_oldest_first_by_default(client, board_member, queue):
    response = logged_in(client, board_member).get(queue_url())
    assert response.status_code == 200
    assert shown(response) == [
        queue["oldest_mine"].pk,
        queue["middle_theirs"].pk,
        queue["newest_submitted"].pk,
    ]
    page = response.content.decode()
    assert 'class="state-badge state-under_review"' in page
    assert 'class="state-badge state-approved"' not in page


def test_queue_for_me_shows_only_open_rounds_i_am_reviewing(client, board_member, queue):
    response = logged_in(client, board_member).get(queue_url(queue="mine"))
    assert shown(response) == [queue["oldest_mine"].pk]
    assert all(r.reviewer == board_member for r in response.context["cl"].result_list)


def test_queue_for_me_is_per_user(client, second_board_member, queue):
    response = logged_in(client, second_board_member).get(queue_url(queue="mine"))
    assert shown(response) == [queue["middle_theirs"].pk]


def test_queue_all_shows_every_round_oldest_first(client, editor, queue):
    response = logged_in(client, editor).get(queue_url(queue="all"))
    expected = sorted(queue.values(), key=lambda review_round: review_round.submitted_at)
    assert shown(response) == [review_round.pk for review_round in expected]


def test_queue_filtered_by_state_shows_rounds_in_that_state(client, editor, queue):
    response = logged_in(client, editor).get(queue_url(state__exact="approved"))
    assert shown(response) == [queue["approved"].pk]
    assert shown(client.get(queue_url(state__exact="withdrawn"))) == [queue["withdrawn"].pk]
    assert shown(client.get(queue_url(state="changes_requested"))) == [queue["decided_mine"].pk]
    # The queue's own default link clears the state filter again.
    page = response.content.decode()
    assert '<li>\n    <a href="?">Awaiting review</a></li>' in page


def test_queue_filtered_by_an_open_state_keeps_oldest_first(client, editor, queue):
    response = logged_in(client, editor).get(queue_url(state__exact="under_review"))
    assert shown(response) == [queue["oldest_mine"].pk, queue["middle_theirs"].pk]


def test_queue_offers_the_three_views_as_filter_links(client, board_member, queue):
    page = logged_in(client, board_member).get(queue_url()).content.decode()
    assert "Awaiting review" in page
    assert 'href="?queue=mine"' in page
    assert 'href="?queue=all"' in page


def make_rounds(count, *, editor, board_member, second_board_member):
    """`count` rounds over as many articles, in a mix of states, reviewers and topics."""
    topic = factories.TopicFactory()
    for number in range(count):
        article = factories.ArticleFactory(created_by=editor, body=f"Text {number}.\n")
        article.topics.add(topic)
        review_round = workflow.submit(article, by=editor)
        if number % 3 == 1:
            workflow.start_review(review_round, by=board_member)
        elif number % 3 == 2:
            workflow.start_review(review_round, by=second_board_member)
            workflow.approve(review_round, by=second_board_member)


# Measured with 3 and 30 rounds: the same count for both, so no query per row.
QUEUE_QUERIES = 7
ARTICLE_LIST_QUERIES = 10
EVENT_LIST_QUERIES = 7
# Measured with 1 and 10 rounds, and 1 and 20 events.
# The desk adds 7 to the article page: what readers see (1) and the live preview of the draft
# for the default audience (audiences, library keys, cited references, topics, the last
# approval, disclaimers); its open review comments add 1. The round page: +2 for the previous
# round and the comment threads (their replies cost one more only when there are threads), +1
# for the references retracted since the round was frozen. "View on site" adds 1 to the article
# page: the address of the round readers are shown, if any. Where the Approve button is offered
# (both pages here), 1 more asks whether the approver has a board profile.
ARTICLE_PAGE_QUERIES = 29
ROUND_PAGE_QUERIES = 19


@pytest.mark.parametrize("count", [3, 30])
@pytest.mark.parametrize("params", [{}, {"queue": "mine"}, {"queue": "all"}])
def test_queue_page_makes_a_fixed_number_of_queries(
    client,
    django_assert_max_num_queries,
    count,
    params,
    audiences,
    editor,
    board_member,
    second_board_member,
):
    make_rounds(
        count, editor=editor, board_member=board_member, second_board_member=second_board_member
    )
    logged_in(client, board_member)
    with django_assert_max_num_queries(QUEUE_QUERIES):
        response = client.get(queue_url(**params))
    assert response.status_code == 200
    assert len(shown(response)) >= count // 3


@pytest.mark.parametrize("count", [3, 30])
def test_article_list_makes_a_fixed_number_of_queries(
    client,
    django_assert_max_num_queries,
    count,
    audiences,
    editor,
    board_member,
    second_board_member,
):
    make_rounds(
        count, editor=editor, board_member=board_member, second_board_member=second_board_member
    )
    logged_in(client, editor)
    with django_assert_max_num_queries(ARTICLE_LIST_QUERIES):
        response = client.get(reverse("admin:articles_article_changelist"))
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == count
    page = response.content.decode()
    assert 'class="state-badge state-approved"' in page
    assert 'class="state-badge state-under_review"' in page


@pytest.mark.parametrize("count", [3, 30])
def test_review_event_list_makes_a_fixed_number_of_queries(
    client,
    django_assert_max_num_queries,
    count,
    audiences,
    editor,
    board_member,
    second_board_member,
):
    make_rounds(
        count, editor=editor, board_member=board_member, second_board_member=second_board_member
    )
    logged_in(client, board_member)
    with django_assert_max_num_queries(EVENT_LIST_QUERIES):
        response = client.get(reverse("admin:reviews_reviewevent_changelist"))
    assert response.status_code == 200


@pytest.mark.parametrize("count", [1, 10])
def test_article_page_makes_a_fixed_number_of_queries_however_many_rounds(
    client, django_assert_max_num_queries, count, article, editor, board_member
):
    for _ in range(count):
        review_round = workflow.submit(article, by=editor)
    workflow.start_review(review_round, by=board_member)
    logged_in(client, board_member)
    with django_assert_max_num_queries(ARTICLE_PAGE_QUERIES):
        response = client.get(change_url(article))
    assert len(response.context["review_rounds"]) == count
    assert workflow_buttons(response) == {"approve", "request_changes"}


@pytest.mark.parametrize("count", [1, 20])
def test_round_page_makes_a_fixed_number_of_queries_however_many_events(
    client, django_assert_max_num_queries, count, submitted, editor, board_member
):
    workflow.start_review(submitted, by=board_member)
    for number in range(count):
        # Events by many different people, so a query per actor would show.
        ReviewEvent.objects.create(
            round=submitted,
            action=Action.START_REVIEW,
            to_state=State.UNDER_REVIEW,
            actor=factories.EditorFactory(username=f"actor{number}"),
        )
    logged_in(client, board_member)
    with django_assert_max_num_queries(ROUND_PAGE_QUERIES):
        response = client.get(reverse("admin:reviews_reviewround_change", args=[submitted.pk]))
    assert response.status_code == 200
    assert f"actor{count - 1}" in response.content.decode()


def test_article_list_shows_the_newest_rounds_state(client, editor, approved, article):
    workflow.submit(article, by=editor)
    page = logged_in(client, editor).get(reverse("admin:articles_article_changelist"))
    page = page.content.decode()
    assert 'class="state-badge state-submitted"' in page
    assert 'class="state-badge state-approved"' not in page


# 4. Previews


def preview_url(article, **params):
    url = reverse("admin:articles_article_preview", args=[article.pk])
    return url + (f"?audience={params['audience']}" if params else "")


def round_preview_url(review_round, audience=None):
    url = reverse("admin:reviews_reviewround_preview", args=[review_round.pk])
    return url + (f"?audience={audience}" if audience else "")


def test_draft_preview_shows_the_unsubmitted_text_and_its_problems(
    client, editor, submitted, article
):
    save_as(editor, article, body="Fresh draft text.\n\nWith [@made-up-2024] cited.\n")
    response = logged_in(client, editor).get(preview_url(article))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Fresh draft text." in page
    assert "Calcium matters" not in page
    assert "Line 3: unknown citation key &quot;made-up-2024&quot;." in page
    assert "Problems that block submission" in page


def test_the_round_preview_shows_the_question_form_without_a_form_that_fails(
    client, board_member, submitted
):
    """The reader's question box is part of the page the board reviews, but posting it from
    the admin went nowhere but a CSRF refusal (403): there it is shown and sends nothing."""
    page = logged_in(client, board_member).get(round_preview_url(submitted)).content.decode()
    ask = page[page.index('id="ask"') :]
    ask = ask[: ask.index("</section>")]
    assert "Send question" in ask
    assert "<form" not in ask
    assert "disabled" in ask


def test_draft_preview_is_per_audience(client, editor, article):
    logged_in(client, editor)
    patient = client.get(preview_url(article)).content.decode()
    clinician = client.get(preview_url(article, audience="clinician")).content.decode()
    assert "Ask your doctor." in patient
    assert "Check serum 25(OH)D." not in patient
    assert "Check serum 25(OH)D." in clinician
    assert "Ask your doctor." not in clinician
    assert "Problems that block submission" not in clinician


def test_preview_of_an_unknown_audience_shows_the_default_one(client, editor, article):
    page = logged_in(client, editor).get(preview_url(article, audience="astronaut"))
    assert "Ask your doctor." in page.content.decode()


def test_board_member_can_preview_the_draft(client, board_member, article):
    assert logged_in(client, board_member).get(preview_url(article)).status_code == 200


def test_round_preview_shows_the_frozen_text_after_the_article_was_edited(
    client, editor, submitted, article
):
    save_as(editor, article, title="A new question?", body="Rewritten entirely.\n")
    logged_in(client, editor)
    page = client.get(round_preview_url(submitted, "clinician")).content.decode()
    assert "Does calcium help bones?" in page
    assert "Check serum 25(OH)D." in page
    assert "Ask your doctor." not in page
    assert "Rewritten entirely." not in page
    assert "A new question?" not in page


@pytest.mark.parametrize("audience", ["patient", "caregiver", "student", "clinician"])
def test_round_preview_matches_the_public_page(client, editor, approved, audience):
    public = client.get(f"/articles/bones/?audience={audience}")
    assert public.status_code == 200
    preview = logged_in(client, editor).get(round_preview_url(approved, audience))
    assert preview.status_code == 200
    shown = without_comment_links(article_body(preview.content.decode()))
    assert shown == article_body(public.content.decode())
    assert 'class="comment-here"' in preview.content.decode()


def test_draft_preview_of_unchanged_text_matches_the_public_page(client, editor, approved):
    public = client.get("/articles/bones/?audience=clinician").content.decode()
    preview = logged_in(client, editor).get(preview_url(approved.article, audience="clinician"))
    assert article_body(preview.content.decode()) == article_body(public)


@pytest.mark.parametrize("missing", [999, 99999999999999999999999])
def test_preview_of_a_missing_round_or_article_is_not_found(client, editor, article, missing):
    logged_in(client, editor)
    for name in ["admin:reviews_reviewround_preview", "admin:articles_article_preview"]:
        assert client.get(reverse(name, args=[missing])).status_code == 404
    for name in ["admin:reviews_reviewround_workflow", "admin:articles_article_workflow"]:
        assert client.post(reverse(name, args=[missing, "withdraw"])).status_code == 404


def test_previews_are_forbidden_without_view_permission(client, submitted):
    logged_in(client, factories.UserFactory(is_staff=True, username="staffer"))
    assert client.get(preview_url(submitted.article)).status_code == 403
    assert client.get(round_preview_url(submitted)).status_code == 403


# 5. History and compare


def history_url(article):
    return reverse("admin:articles_article_history", args=[article.pk])


def compare_url(article, old, new):
    url = reverse("admin:articles_article_compare", args=[article.pk])
    return f"{url}?from={old}&to={new}"


def versions_of(article):
    return list(Version.objects.get_for_object(article).order_by("pk"))


def test_history_lists_every_version_with_author_comment_and_radio_buttons(
    client, editor, other_editor, submitted, article
):
    save_as(other_editor, article, summary="A second opinion.")
    versions = versions_of(article)
    assert len(versions) == 3
    response = logged_in(client, editor).get(history_url(article))
    assert response.status_code == 200
    page = response.content.decode()
    for version in versions:
        assert f'name="from" value="{version.pk}"' in page
        assert f'name="to" value="{version.pk}"' in page
        revert = reverse("admin:articles_article_revision", args=[article.pk, version.pk])
        assert f'href="{revert}"' in page
    table = re.search(r'<table id="change-history">.*?</table>', page, re.S).group(0)
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]
    assert len(rows) == 3
    assert "ed2" in rows[0] and "Edited by ed2." in rows[0]
    assert "ed" in rows[1] and "Submitted for review (round 1)." in rows[1]
    assert "Created by a test factory." in rows[2]
    assert f'action="{reverse("admin:articles_article_compare", args=[article.pk])}"' in page


def test_history_of_a_single_version_offers_nothing_to_compare(client, editor, article):
    page = logged_in(client, editor).get(history_url(article)).content.decode()
    assert "nothing to compare yet" in page
    assert "Compare the chosen versions" not in page


def test_long_history_is_paged_with_constant_queries(
    client, editor, article, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr("editorial.admin.articles.HISTORY_PAGE_SIZE", 4)
    for number in range(9):
        save_as(editor, article, summary=f"Take {number}.")
    client = logged_in(client, editor)
    client.get(history_url(article))  # the session and permission caches warm up
    with django_assert_max_num_queries(12) as captured:
        page = client.get(history_url(article)).content.decode()
    first_count = len(captured)
    assert page.count('name="from"') == 4
    assert "Page 1 of 3 (10 versions)" in page
    last = client.get(history_url(article) + "?page=3").content.decode()
    assert last.count('name="from"') == 2
    assert "Created by a test factory." in last
    for number in range(20):
        save_as(editor, article, summary=f"Later take {number}.")
    with django_assert_max_num_queries(first_count):
        client.get(history_url(article))


def test_history_is_visible_to_the_board(client, board_member, article):
    response = logged_in(client, board_member).get(history_url(article))
    assert response.status_code == 200
    assert "Created by a test factory." in response.content.decode()


def test_compare_marks_changed_words_in_title_summary_and_body(client, editor, article):
    old = versions_of(article)[0]
    save_as(
        editor,
        article,
        title="Does vitamin D help bones?",
        summary="Usually no.",
        body=BODY.replace("Calcium matters", "Calcium really matters"),
    )
    new = versions_of(article)[-1]
    response = logged_in(client, editor).get(compare_url(article, old.pk, new.pk))
    assert response.status_code == 200
    diffs = {diff.label: diff for diff in response.context["field_diffs"]}
    assert diffs["Question"].changed and diffs["Summary"].changed and diffs["Body"].changed
    assert not diffs["Evidence note"].changed
    page = response.content.decode()
    assert "Does <del>calcium</del><ins>vitamin D</ins> help bones?" in page
    assert "Usually <del>yes.</del><ins>no.</ins>" in page
    assert "Calcium <ins>really </ins>matters" in page


def test_compare_says_when_a_field_changed_too_much_to_compare_word_by_word(
    client, editor, article, monkeypatch
):
    monkeypatch.setattr("reviews.diffs.WORK_LIMIT", 0)  # as if the bodies were enormous
    old = versions_of(article)[0]
    save_as(
        editor, article, body="Entirely new text.\n" + BODY.replace("Calcium", "Dietary calcium")
    )
    new = versions_of(article)[-1]

    response = logged_in(client, editor).get(compare_url(article, old.pk, new.pk))

    diffs = {diff.label: diff for diff in response.context["field_diffs"]}
    assert diffs["Body"].coarse
    assert diffs["Body"].notice in response.content.decode()


def test_compare_in_either_order_shows_old_to_new(client, editor, article):
    old = versions_of(article)[0]
    save_as(editor, article, summary="Usually no.")
    new = versions_of(article)[-1]
    page = logged_in(client, editor).get(compare_url(article, new.pk, old.pk)).content.decode()
    assert "Usually <del>yes.</del><ins>no.</ins>" in page
    assert re.search(rf"From <strong>version {old.pk}, saved [\d-]+ [\d:]+ by ed</strong>", page)
    assert f"to <strong>version {new.pk}, saved " in page


def test_compare_escapes_html_in_the_article_text(client, editor, article):
    old = versions_of(article)[0]
    save_as(editor, article, summary="Usually <script>alert(1)</script> yes.")
    new = versions_of(article)[-1]
    page = logged_in(client, editor).get(compare_url(article, old.pk, new.pk)).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?from=1",
        "?to=1",
        "?from=abc&to=1",
        "?from=999&to=998",
        "?from=&to=",
        "?from=-1&to=1",
        "?from=1&to=99999999999999999999999",
    ],
)
def test_compare_with_bad_or_missing_ids_goes_back_to_history_with_a_message(
    client, editor, article, query
):
    url = reverse("admin:articles_article_compare", args=[article.pk]) + query
    response = logged_in(client, editor).get(url, follow=True)
    assert response.redirect_chain == [(history_url(article), 302)]
    assert message_texts(response) == ["Choose two saved versions of this article to compare."]


def test_compare_refuses_a_version_of_another_article(client, editor, article):
    other = factories.ArticleFactory(created_by=editor, slug="other")
    mine, theirs = versions_of(article)[0], versions_of(other)[0]
    response = logged_in(client, editor).get(compare_url(article, mine.pk, theirs.pk), follow=True)
    assert response.redirect_chain == [(history_url(article), 302)]
    assert message_texts(response) == ["Choose two saved versions of this article to compare."]


def test_compare_with_live_shows_what_a_new_round_changes(
    client, editor, board_member, approved, article
):
    save_as(editor, article, summary="Usually no.", body=BODY.replace("doctor", "nurse"))
    newer = workflow.submit(article, by=editor)
    page = logged_in(client, editor).get(change_url(article)).content.decode()
    compare_approved = reverse("admin:reviews_reviewround_compare_approved", args=[newer.pk])
    assert f'href="{compare_approved}"' in page
    response = client.get(compare_approved)
    assert response.status_code == 200
    diffs = {diff.label: diff for diff in response.context["field_diffs"]}
    assert [label for label, diff in diffs.items() if diff.changed] == ["Summary", "Body"]
    page = response.content.decode()
    assert "approved round 1" in page
    assert "Usually <del>yes.</del><ins>no.</ins>" in page
    assert "Ask your <del>doctor.</del><ins>nurse.</ins>" in page


def test_compare_with_last_approved_when_there_is_no_earlier_approved_round_says_so(
    client, editor, submitted
):
    url = reverse("admin:reviews_reviewround_compare_approved", args=[submitted.pk])
    response = logged_in(client, editor).get(url)
    assert response.status_code == 200
    assert message_texts(response) == ["There is no earlier approved round to compare with."]
    assert not any(diff.changed for diff in response.context["field_diffs"])


# 6. Revert


def test_revert_through_the_history_saves_a_new_version_with_the_old_text(
    client, editor, other_editor, submitted, article
):
    first = versions_of(article)[0]
    save_as(other_editor, article, title="A different question?", summary="Changed later.")
    frozen = submitted.snapshot_sha256
    count = len(versions_of(article))
    url = reverse("admin:articles_article_revision", args=[article.pk, first.pk])

    logged_in(client, editor)
    response = client.get(url)
    assert response.status_code == 200
    # Showing the old version changes nothing: reversion rolls the preview back.
    assert reload(article).summary == "Changed later."
    assert len(versions_of(article)) == count
    data = change_form_data(response)
    assert data["summary"] == first.field_dict["summary"] == "Usually yes."

    response = client.post(url, {**data, "_save": "Save"})
    assert response.status_code == 302
    reload(article)
    assert article.title == "Does calcium help bones?"
    assert article.summary == "Usually yes."
    assert article.body == BODY
    versions = versions_of(article)
    assert len(versions) == count + 1
    newest = versions[-1]
    assert newest.pk not in {version.pk for version in versions[:-1]}
    assert newest.revision.user == editor
    assert newest.revision.get_comment().startswith("Reverted to previous version")
    assert reload(submitted).snapshot_sha256 == frozen
    assert submitted.state == State.SUBMITTED


def test_revert_form_built_from_the_version_data_also_works(client, editor, submitted, article):
    first = versions_of(article)[0]
    save_as(editor, article, summary="Changed later.")
    fields = first.field_dict
    data = {
        name: fields[name]
        for name in [
            "title",
            "slug",
            "summary",
            "body",
            "evidence_note",
            "review_interval_months",
            "edit_version",
        ]
    }
    data["topics"] = [str(pk) for pk in fields["topics"]]
    url = reverse("admin:articles_article_revision", args=[article.pk, first.pk])
    response = logged_in(client, editor).post(url, {**data, "_save": "Save"})
    assert response.status_code == 302
    assert reload(article).summary == "Usually yes."
    assert Version.objects.get_for_object(article).count() == 4


def test_board_member_cannot_revert(client, board_member, editor, article):
    first = versions_of(article)[0]
    save_as(editor, article, summary="Changed later.")
    url = reverse("admin:articles_article_revision", args=[article.pk, first.pk])
    data = {**first.field_dict, "topics": [], "_save": "Save"}
    data.pop("id", None)
    response = logged_in(client, board_member).post(url, data)
    assert response.status_code == 403
    assert reload(article).summary == "Changed later."
    assert len(versions_of(article)) == 2


def revert_as(client, user, obj, version):
    """Open `obj`'s revert form for `version` as `user` and save it as shown."""
    opts = obj._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_revision", args=[obj.pk, version.pk])
    logged_in(client, user)
    shown = client.get(url)
    assert shown.status_code == 200
    return client.post(url, {**change_form_data(shown), "_save": "Save"})


def test_a_revert_carries_the_authors_of_the_restored_text_into_the_four_eyes_rule(
    client, editor, board_member, second_board_member, article
):
    # A board member who is also an editor writes a passage; it is removed and approved.
    both = factories.BoardMemberFactory(user__username="both").user
    both.groups.add(*editor.groups.all())
    save_as(both, article, summary="Words the board member wrote.")
    written = versions_of(article)[-1]
    save_as(editor, article, summary="Their words removed.")
    factories.approve(article, editor=editor, board_member=second_board_member)

    # An editor brings them back with a revert and submits them.
    assert revert_as(client, editor, article, written).status_code == 302
    assert reload(article).summary == "Words the board member wrote."
    review_round = workflow.submit(article, by=editor)

    assert workflow.wrote_round(review_round, both)
    with pytest.raises(workflow.ConflictOfInterest):
        workflow.start_review(review_round, by=both)
    # Someone who wrote none of it may still review it.
    assert workflow.start_review(review_round, by=board_member).state == State.UNDER_REVIEW


def test_a_revert_records_the_revision_it_restored(client, editor, other_editor, article):
    first = versions_of(article)[0]
    save_as(other_editor, article, summary="Changed later.")
    assert revert_as(client, editor, article, first).status_code == 302
    newest = versions_of(article)[-1]
    assert newest.revision.user == editor
    assert newest.revision.revert_record.restored == first.revision


def test_reverting_an_article_never_deletes_a_topic_shared_with_another_article(
    client, editor, article
):
    first = versions_of(article)[0]
    shared = factories.TopicFactory(slug="bones", name="Bones")
    other = factories.ArticleFactory(created_by=editor, slug="other")
    other.topics.add(shared)
    article.topics.add(shared)
    save_as(editor, article, summary="Now about bones.")

    assert revert_as(client, editor, article, first).status_code == 302
    assert list(reload(article).topics.all()) == []
    assert Topic.objects.filter(pk=shared.pk).exists()
    assert list(reload(other).topics.all()) == [shared]


def test_a_revert_through_another_history_records_the_article_it_restores(
    client, editor, other_editor, article
):
    # A topic saved in the same revision as the article: reverting the topic restores both.
    topic = factories.TopicFactory(slug="bones", name="Bones")
    with reversion.create_revision():
        reversion.set_user(other_editor)
        article.topics.add(topic)
        reversion.add_to_revision(article)
    together = Version.objects.get_for_object(topic).get()
    save_as(other_editor, article, summary="Changed later.")
    live = reload(article).edit_version

    assert revert_as(client, editor, topic, together).status_code == 302
    restored = reload(article)
    assert restored.summary == "Usually yes."
    # The article's save count goes on up, and its history names who restored it.
    assert restored.edit_version == live + 1
    newest = versions_of(article)[-1]
    assert newest.revision.user == editor
    assert newest.field_dict["summary"] == "Usually yes."
    assert newest.field_dict["edit_version"] == live + 1


# 7. Read-only audit trail and rounds


@pytest.mark.parametrize("who", ["editor", "board_member"])
def test_review_events_are_listed_for_editors_and_the_board(client, request, who, approved):
    response = logged_in(client, request.getfixturevalue(who)).get(
        reverse("admin:reviews_reviewevent_changelist")
    )
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 3
    assert "delete_selected" not in response.content.decode()


@pytest.mark.parametrize("who", ["editor", "board_member", "superuser"])
def test_review_events_cannot_be_added_changed_or_deleted_by_anyone(client, request, who, approved):
    event = approved.events.first()
    logged_in(client, request.getfixturevalue(who))
    change = reverse("admin:reviews_reviewevent_change", args=[event.pk])
    delete = reverse("admin:reviews_reviewevent_delete", args=[event.pk])
    add = reverse("admin:reviews_reviewevent_add")
    assert client.get(add).status_code == 403
    assert client.post(add, {"action": "submit", "note": "forged"}).status_code == 403
    assert client.post(change, {"note": "rewritten"}).status_code == 403
    assert client.get(delete).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    response = client.post(
        reverse("admin:reviews_reviewevent_changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    assert response.status_code in {200, 302}
    assert ReviewEvent.objects.filter(pk=event.pk, note=event.note).exists()
    assert ReviewEvent.objects.count() == 3


@pytest.mark.parametrize("who", ["editor", "board_member", "superuser"])
def test_a_review_event_page_is_read_only(client, request, who, approved):
    event = approved.events.first()
    url = reverse("admin:reviews_reviewevent_change", args=[event.pk])
    response = logged_in(client, request.getfixturevalue(who)).get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="_save"' not in page
    assert "deletelink" not in page


@pytest.mark.parametrize("who", ["editor", "board_member", "superuser"])
def test_review_rounds_cannot_be_added_changed_or_deleted(client, request, who, approved):
    logged_in(client, request.getfixturevalue(who))
    change = reverse("admin:reviews_reviewround_change", args=[approved.pk])
    delete = reverse("admin:reviews_reviewround_delete", args=[approved.pk])
    add = reverse("admin:reviews_reviewround_add")
    assert client.get(add).status_code == 403
    assert client.post(change, {"state": "submitted"}).status_code == 403
    assert client.get(delete).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    response = client.get(change)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="_save"' not in page
    assert "deletelink" not in page
    assert approved.snapshot_sha256 in page
    assert reload(approved).state == State.APPROVED
    assert ReviewRound.objects.count() == 1
    changelist = client.get(queue_url(queue="all")).content.decode()
    assert "delete_selected" not in changelist
    assert reverse("admin:reviews_reviewround_add") not in changelist


@pytest.mark.parametrize(
    "url_name", ["admin:articles_article_change", "admin:articles_article_history"]
)
def test_article_pages_are_forbidden_without_view_permission(client, url_name, submitted):
    logged_in(client, factories.UserFactory(is_staff=True, username="staffer"))
    assert client.get(reverse(url_name, args=[submitted.article_id])).status_code == 403


# Links on the desk's pages lead somewhere the reader of the page may go


@pytest.mark.parametrize("who", ["editor", "board_member"])
def test_the_record_pages_link_nowhere_their_reader_is_refused(request, client, who, approved):
    """Django links a read-only foreign key to its change page whatever the viewer may open:
    the article's author, a round's submitter and reviewer, an event's actor and a board
    member's account all linked to user pages that answer 403 to editors and the board."""
    user = request.getfixturevalue(who)
    logged_in(client, user)
    event = ReviewEvent.objects.filter(round=approved).first()
    pages = [
        change_url(approved.article),
        reverse("admin:reviews_reviewround_change", args=[approved.pk]),
        reverse("admin:reviews_reviewevent_change", args=[event.pk]),
        reverse("admin:reviews_boardmember_change", args=[user.board_member.pk])
        if who == "board_member"
        else reverse("admin:reviews_boardmember_changelist"),
    ]
    refused = []
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        links = set(re.findall(r'href="(/admin/[^"#?]*)', response.content.decode()))
        for link in sorted(links - {"/admin/logout/"}):
            if client.get(link).status_code == 403:
                refused.append((page, link))
    assert refused == []
    page = client.get(reverse("admin:reviews_reviewround_change", args=[approved.pk]))
    assert "Submitted by" in page.content.decode() and "Decided by" in page.content.decode()


def test_the_audience_form_says_what_its_fields_do(admin_client):
    """A new site starts by adding audiences: the address is what editors write in their
    blocks, and the description is never shown to readers."""
    page = admin_client.get(reverse("admin:articles_audience_add")).content.decode()
    assert "::: audience patient" in page
    assert "readers do not see it" in page


def test_the_board_member_form_says_which_account_to_pick(admin_client):
    page = admin_client.get(reverse("admin:reviews_boardmember_add")).content.decode()
    assert "Advisory board group" in page and "staff status" in page


# A new site's admin index says what is still missing


def test_a_new_sites_admin_index_lists_what_is_missing_with_a_link_to_each(client, superuser):
    page = logged_in(client, superuser).get(reverse("admin:index")).content.decode()
    assert "Setting up this site" in page
    assert reverse("admin:articles_audience_add") in page
    assert f"{reverse('admin:articles_sitepage_add')}?slug=editorial-policy" in page
    assert reverse("admin:reviews_boardmember_add") in page
    # The link to write the policy opens the form with the address the site serves.
    form = client.get(f"{reverse('admin:articles_sitepage_add')}?slug=editorial-policy")
    assert 'value="editorial-policy"' in form.content.decode()


def test_the_setup_list_goes_once_nothing_is_missing_and_editors_never_see_it(
    client, superuser, editor, board_member, audiences
):
    from articles.models import SitePage

    logged_in(client, editor)
    assert "Setting up this site" not in client.get(reverse("admin:index")).content.decode()
    SitePage.objects.create(slug=SitePage.EDITORIAL_POLICY, title="Policy", body="We review.")
    logged_in(client, superuser)
    assert "Setting up this site" not in client.get(reverse("admin:index")).content.decode()


def test_a_review_rounds_history_page_says_where_its_history_is(client, board_member, approved):
    """Rounds and events are written by the workflow, never edited in the admin: Django's
    history page said they "probably weren't added via this admin site"."""
    logged_in(client, board_member)
    url = reverse("admin:reviews_reviewround_history", args=[approved.pk])
    page = client.get(url).content.decode()
    assert "admin site" not in page
    assert reverse("admin:reviews_reviewround_change", args=[approved.pk]) in page
    assert "under Review events" in page


def test_approving_without_a_board_profile_says_what_readers_will_see(
    client, superuser, board_member, under_review
):
    """A superuser (or a board-group account nobody gave a profile) may approve, and readers
    then see a bare user name as the reviewer: the Approve button says so first."""
    round_url = reverse("admin:reviews_reviewround_change", args=[under_review.pk])
    page = logged_in(client, superuser).get(round_url).content.decode()
    assert "You have no board member profile" in page and "“root”" in page
    desk = client.get(change_url(under_review.article)).content.decode()
    assert "You have no board member profile" in desk
    page = logged_in(client, board_member).get(round_url).content.decode()
    assert 'class="button workflow-approve"' in page
    assert "You have no board member profile" not in page
