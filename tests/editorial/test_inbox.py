"""The follow-up inbox in the admin: triage readers' questions and turn one into a draft."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from articles.models import Article, Question
from articles.questions import question_title
from tests import factories
from tests.clients import client_for

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:articles_question_changelist")


@pytest.fixture
def article(editor):
    article = factories.ArticleFactory(slug="bones", title="Does calcium help bones?")
    article.topics.set([factories.TopicFactory(slug="bone-health")])
    return article


def ask(article, text, *, status=Question.Status.NEW, days_ago=0, audience="patient"):
    return Question.objects.create(
        article=article,
        text=text,
        audience_slug=audience,
        status=status,
        created_at=timezone.now() - datetime.timedelta(days=days_ago),
    )


def run_action(client, action, questions, **extra):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [q.pk for q in questions], **extra},
    )


def shown_questions(response):
    return list(response.context["cl"].result_list)


def test_the_inbox_lists_questions_newest_first(editor, article):
    old = ask(article, "Old question?", days_ago=3)
    new = ask(article, "New question?", days_ago=0)

    response = client_for(editor).get(CHANGELIST)

    assert response.status_code == 200
    assert shown_questions(response) == [new, old]


def test_the_inbox_filters_by_status_and_searches_the_text(editor, article):
    waiting = ask(article, "Can I take K2 with warfarin?")
    ask(article, "Is D3 safe?", status=Question.Status.ANSWERED)
    ask(article, "Buy cheap pills", status=Question.Status.DISMISSED)
    client = client_for(editor)

    assert shown_questions(client.get(CHANGELIST, {"status__exact": "new"})) == [waiting]
    assert shown_questions(client.get(CHANGELIST, {"q": "warfarin"})) == [waiting]


def test_the_inbox_list_costs_the_same_queries_for_many_questions(
    editor, article, django_assert_max_num_queries
):
    for number in range(30):
        ask(article, f"Question {number}?")
    client = client_for(editor)

    with django_assert_max_num_queries(12):
        response = client.get(CHANGELIST)

    assert len(shown_questions(response)) == 30


def test_editors_mark_questions_answered_or_dismissed_in_bulk(editor, article):
    first, second, third = (ask(article, f"Q{n}?") for n in range(3))
    client = client_for(editor)

    run_action(client, "mark_answered", [first, second])
    response = run_action(client, "dismiss", [third])

    statuses = dict(Question.objects.values_list("pk", "status"))
    assert statuses == {first.pk: "answered", second.pk: "answered", third.pk: "dismissed"}
    assert "1 question marked dismissed." in [
        m.message for m in get_messages(response.wsgi_request)
    ]


def test_turning_a_question_into_a_draft_creates_an_article_and_opens_it(editor, article):
    question = ask(
        article,
        "Thanks for the article.   I am 70. Can I take vitamin K2 with warfarin? My GP is unsure.",
    )

    response = run_action(client_for(editor), "turn_into_draft", [question])

    draft = Article.objects.exclude(pk=article.pk).get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:articles_article_change", args=[draft.pk])
    assert draft.title == "Can I take vitamin K2 with warfarin?"
    assert draft.slug == "can-i-take-vitamin-k2-with-warfarin"
    assert draft.created_by == editor
    assert "My GP is unsure." in draft.summary
    assert [topic.slug for topic in draft.topics.all()] == ["bone-health"]
    assert not draft.review_rounds.exists()
    [version] = Version.objects.get_for_object(draft)
    assert version.revision.user == editor
    assert f"reader question #{question.pk}" in version.revision.get_comment()
    question.refresh_from_db()
    assert question.status == Question.Status.ANSWERED


def test_a_draft_from_a_question_gets_a_slug_no_article_has(editor, article):
    factories.ArticleFactory(slug="is-d3-safe", title="Is D3 safe?")
    factories.ArticleFactory(slug="is-d3-safe-2", title="Is D3 safe, really?")
    client = client_for(editor)

    run_action(client, "turn_into_draft", [ask(article, "Is D3 safe?")])

    assert Article.objects.filter(slug="is-d3-safe-3", title="Is D3 safe?").exists()


def test_turning_several_questions_into_one_draft_is_refused(editor, article):
    questions = [ask(article, "One?"), ask(article, "Two?")]
    client = client_for(editor)

    response = run_action(client, "turn_into_draft", questions)

    assert response.status_code == 302
    assert Article.objects.count() == 1
    assert set(Question.objects.values_list("status", flat=True)) == {"new"}
    messages = [m.message for m in get_messages(response.wsgi_request)]
    assert "Choose exactly one question to turn into a draft." in messages


def test_board_members_cannot_see_the_inbox(board_member, article):
    ask(article, "Anyone there?")

    assert client_for(board_member).get(CHANGELIST).status_code == 403


def test_a_user_who_may_triage_but_not_add_articles_gets_no_draft_action(article):
    triager = factories.UserFactory(username="triage", is_staff=True)
    triager.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_question", "change_question"])
    )
    question = ask(article, "Can I?")
    client = client_for(triager)

    actions = dict(client.get(CHANGELIST).context["action_form"].fields["action"].choices)
    response = run_action(client, "turn_into_draft", [question])

    assert "mark_answered" in actions
    assert "turn_into_draft" not in actions
    assert Article.objects.count() == 1
    assert response.status_code == 302  # back to the list: "No action selected."


def test_questions_cannot_be_added_in_the_admin(editor):
    assert client_for(editor).get(reverse("admin:articles_question_add")).status_code == 403


@pytest.mark.parametrize(
    "text, title",
    [
        ("Is it safe?", "Is it safe?"),
        ("Hello. Is it safe? Thanks.", "Is it safe?"),
        ("What dose should I take", "What dose should I take?"),
        ("Tell me about doses.  More later!", "Tell me about doses?"),
        ("   ", "Reader question?"),
    ],
)
def test_a_draft_title_is_the_question_the_reader_asked(text, title):
    assert question_title(text) == title


def test_a_long_question_is_trimmed_to_fit_the_title():
    title = question_title("Why " + "very " * 100 + "long?")

    assert len(title) <= 300
    assert title.endswith("…?")
