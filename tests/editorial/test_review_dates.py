"""Review dates: which articles are due for review, the admin list, and the index panel."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from reversion.models import Revision

from editorial.admin.review_dates import bucket_counts, median_days, review_state_counts
from editorial.templatetags.review_dates import review_dashboard
from reviews.models import (
    ArticleReviewDate,
    ReviewRound,
    State,
    add_months,
    latest_approval_due_by,
)
from tests import factories

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(datetime.datetime(2026, 6, 15, 12, 0))
LIST_URL = reverse("admin:reviews_articlereviewdate_changelist")


def aware(year, month, day, hour=12):
    return timezone.make_aware(datetime.datetime(year, month, day, hour))


def make_round(article, *, state, number=1, submitted_at=None, decided_at=None):
    """A round in any state, written directly: these tests are about dates, not transitions."""
    decided = state in (State.APPROVED, State.CHANGES_REQUESTED)
    return ReviewRound.objects.create(
        article=article,
        number=number,
        state=state,
        revision=Revision.objects.create(date_created=timezone.now()),
        snapshot={},
        rendered={},
        snapshot_sha256="0" * 64,
        submitted_by=article.created_by,
        submitted_at=submitted_at or timezone.now(),
        decided_by=article.created_by if decided else None,
        decided_at=decided_at if decided else None,
    )


def approved_article(slug, approved_at, months=12, **kwargs):
    article = factories.ArticleFactory(slug=slug, review_interval_months=months, **kwargs)
    make_round(
        article,
        state=State.APPROVED,
        submitted_at=approved_at - datetime.timedelta(days=10),
        decided_at=approved_at,
    )
    return article


def due_slugs(now=NOW):
    return [article.slug for article in ArticleReviewDate.objects.due_for_review(now=now)]


# Which articles are due.


def test_overdue_and_soon_due_articles_are_listed_soonest_first_and_others_not(editor):
    # NOW is 2026-06-15, so the window ends on 2026-07-15.
    approved_article("overdue", aware(2025, 3, 1))  # due 2026-03-01
    approved_article("due-today", aware(2025, 6, 15))  # due 2026-06-15
    approved_article("last-day-of-window", aware(2025, 7, 15, hour=23))  # due 2026-07-15
    approved_article("day-after-window", aware(2025, 7, 16, hour=0))  # due 2026-07-16
    approved_article("short-interval", aware(2026, 5, 20), months=1)  # due 2026-06-20
    approved_article("fresh", aware(2026, 1, 1))  # due 2027-01-01
    factories.ArticleFactory(slug="never-approved")

    assert due_slugs() == ["overdue", "due-today", "short-interval", "last-day-of-window"]


def test_the_newest_approved_round_sets_the_due_date(editor):
    article = approved_article("reapproved", aware(2025, 1, 10))
    make_round(article, number=2, state=State.APPROVED, decided_at=aware(2026, 6, 1))
    make_round(article, number=3, state=State.SUBMITTED)

    assert due_slugs() == []
    assert due_slugs(now=aware(2027, 5, 10)) == ["reapproved"]


def test_an_approval_at_a_month_end_falls_due_at_the_end_of_a_shorter_month(editor):
    # 2026-01-31 plus one month is 2026-02-28 (add_months clamps).
    approved_article("month-end", aware(2026, 1, 31), months=1)

    assert due_slugs(now=aware(2026, 1, 28)) == []  # window ends 2026-02-27
    assert due_slugs(now=aware(2026, 1, 29)) == ["month-end"]  # window ends 2026-02-28


def test_the_due_date_shown_is_the_approval_date_plus_the_interval(editor):
    approved_article("month-end", aware(2025, 8, 31), months=6)

    [article] = ArticleReviewDate.objects.due_for_review(now=aware(2026, 2, 20))

    assert article.next_review_due == datetime.date(2026, 2, 28)


@pytest.mark.parametrize("months", [1, 6, 12, 60])
@pytest.mark.parametrize(
    "cutoff",
    [datetime.date(2026, 2, 28), datetime.date(2026, 3, 30), datetime.date(2024, 2, 29)],
)
def test_the_latest_approval_due_by_a_date_is_exact(months, cutoff):
    latest = latest_approval_due_by(cutoff, months)

    assert add_months(latest, months) <= cutoff
    assert add_months(latest + datetime.timedelta(days=1), months) > cutoff


def test_the_due_list_is_one_query_however_many_articles(editor, django_assert_num_queries):
    for number in range(25):
        approved_article(f"a{number}", aware(2025, 1, 1 + number), months=1 + number % 12)

    with django_assert_num_queries(1):
        articles = list(ArticleReviewDate.objects.due_for_review(now=NOW))
        due_dates = [article.next_review_due for article in articles]

    assert len(articles) == 25
    assert due_dates == sorted(due_dates)


# The admin list.


def test_editors_see_the_due_list_with_dates_and_status(editor):
    # The admin asks about today, so these dates are relative to it.
    today = timezone.now()
    approved_article("overdue", today - datetime.timedelta(days=400), title="Is it overdue?")
    approved_article("fresh", today - datetime.timedelta(days=30), title="Is it fresh?")
    client = Client()
    client.force_login(editor)

    response = client.get(LIST_URL)

    assert response.status_code == 200
    assert [article.slug for article in response.context["cl"].result_list] == ["overdue"]
    content = response.content.decode()
    assert "Is it overdue?" in content
    assert "Overdue by" in content
    assert "Is it fresh?" not in content


def test_the_due_list_costs_the_same_queries_for_many_articles(
    editor, django_assert_max_num_queries
):
    for number in range(30):
        approved_article(f"a{number}", timezone.now() - datetime.timedelta(days=400 + number))
    client = Client()
    client.force_login(editor)

    with django_assert_max_num_queries(10):
        response = client.get(LIST_URL)

    assert len(response.context["cl"].result_list) == 30


def test_the_due_list_cannot_add_change_or_delete(editor):
    client = Client()
    client.force_login(editor)

    assert client.get(reverse("admin:reviews_articlereviewdate_add")).status_code == 403


def test_readers_without_admin_access_cannot_see_the_due_list(db):
    user = factories.UserFactory(username="reader", is_staff=True)
    client = Client()
    client.force_login(user)

    assert client.get(LIST_URL).status_code == 403


# The index panel.


def test_articles_are_counted_by_the_state_of_their_newest_round(editor):
    approved_article("live", aware(2026, 1, 1))
    reviewing = approved_article("reviewing", aware(2026, 1, 1))
    make_round(reviewing, number=2, state=State.UNDER_REVIEW)
    make_round(factories.ArticleFactory(slug="sent"), state=State.SUBMITTED)
    factories.ArticleFactory(slug="draft-1")
    factories.ArticleFactory(slug="draft-2")

    counts = {state: count for state, _, count in review_state_counts()}

    assert counts == {
        "draft": 2,
        State.SUBMITTED: 1,
        State.UNDER_REVIEW: 1,
        State.CHANGES_REQUESTED: 0,
        State.APPROVED: 1,
    }


def test_the_median_days_to_approval_and_their_buckets():
    assert median_days([]) is None
    assert median_days([3.0, 10.0, 40.0]) == 10.0
    assert median_days([2.0, 5.0]) == 3.5
    assert bucket_counts([1, 7, 7.5, 100]) == [
        ("≤ 7", 2),
        ("8–14", 1),
        ("15–30", 0),
        ("31–60", 0),
        ("61–90", 0),
        ("> 90", 1),
    ]


def test_the_panel_reports_the_median_of_approved_rounds_only(editor):
    article = factories.ArticleFactory(slug="a")
    for number, days in enumerate([4, 12, 20], start=1):
        submitted = aware(2026, 1, 1)
        make_round(
            article,
            number=number,
            state=State.APPROVED,
            submitted_at=submitted,
            decided_at=submitted + datetime.timedelta(days=days),
        )
    make_round(article, number=4, state=State.CHANGES_REQUESTED, decided_at=aware(2026, 5, 1))

    panel = review_dashboard(now=NOW)

    assert panel["median"] == 12.0
    assert panel["approvals"] == 3
    assert [c["is_median"] for c in panel["histogram"]["columns"]][:3] == [False, True, False]


def test_the_admin_index_shows_the_panel_as_an_svg_chart_without_scripts_or_styles(
    editor, django_assert_max_num_queries
):
    for number in range(20):
        approved_article(f"a{number}", timezone.now() - datetime.timedelta(days=400 + number))
    client = Client()
    client.force_login(editor)

    with django_assert_max_num_queries(15):
        response = client.get(reverse("admin:index"))

    content = response.content.decode()
    panel = content[content.index('class="module review-dashboard"') :]
    panel = panel[: panel.index("</section>")]
    assert panel.count("<svg") == 2
    assert 'class="state-row state-approved"' in panel
    assert "Approved 20" in panel  # the chart's accessible title
    assert "median <strong>10.0</strong> days over 20 approvals" in " ".join(panel.split())
    assert "20 articles</a>" in panel
    assert "<script" not in panel
    assert not re.search(r"\sstyle=", panel)
    assert "admin-extra/review-dates.css" in content
    assert 'id="content-main"' in content  # the app list is still there


def test_the_panel_queries_stay_constant_as_articles_grow(editor, django_assert_num_queries):
    approved_article("one", aware(2025, 1, 1))
    with django_assert_num_queries(3):
        review_dashboard(now=NOW)
    for number in range(20):
        approved_article(f"a{number}", aware(2025, 1, 1 + number))
        make_round(factories.ArticleFactory(slug=f"s{number}"), state=State.SUBMITTED)

    with django_assert_num_queries(3):
        review_dashboard(now=NOW)


def test_board_members_see_the_panel_and_plain_staff_do_not(board_member, db):
    client = Client()
    client.force_login(board_member)
    assert b"review-dashboard" in client.get(reverse("admin:index")).content

    client.force_login(factories.UserFactory(username="plain", is_staff=True))
    assert b"review-dashboard" not in client.get(reverse("admin:index")).content
