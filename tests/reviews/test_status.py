"""What readers see of an article, as one status (reviews.status), and its counts."""

import pytest

from articles.models import Article
from reviews import workflow
from reviews.status import ReaderStatus, reader_status, reader_status_counts, with_reader_status
from tests import factories
from tests.factories import approve, save_as, submit_pending

pytestmark = pytest.mark.django_db


@pytest.fixture
def article(editor, audiences):
    return factories.ArticleFactory(created_by=editor, body="Text.")


def test_a_never_submitted_article_is_a_draft(article):
    status = reader_status(article)
    assert (status.code, status.round_number, status.live_number) == (
        ReaderStatus.DRAFT,
        None,
        None,
    )


def test_a_withdrawn_first_round_leaves_a_draft(article, editor):
    review_round = workflow.submit(article, by=editor)
    workflow.withdraw(review_round, by=editor)
    assert reader_status(article).code == ReaderStatus.DRAFT


def test_a_round_sent_back_after_an_approval_leaves_the_article_live_with_newer_changes(
    article, editor, board_member, second_board_member
):
    approve(article, editor=editor, board_member=board_member)
    save_as(editor, article, body="Text, changed.")
    newer = workflow.submit(article, by=editor)
    workflow.start_review(newer, by=second_board_member)
    workflow.request_changes(newer, by=second_board_member, note="No.")
    status = reader_status(article)
    assert status.code == ReaderStatus.LIVE_WITH_CHANGES
    assert (status.live_number, status.round_number) == (1, 2)


def test_a_round_shown_pending_review_is_live(article, editor, board_member):
    submit_pending(article, editor=editor, board_member=board_member)
    status = reader_status(article)
    assert status.code == ReaderStatus.LIVE
    assert status.live_number == status.round_number == 2


def test_counts_cover_every_status_in_one_query(
    editor, board_member, audiences, django_assert_num_queries
):
    for number in range(3):
        live = factories.ArticleFactory(created_by=editor, body=f"Live {number}.")
        approve(live, editor=editor, board_member=board_member)
    factories.ArticleFactory(created_by=editor, body="Draft.")
    with django_assert_num_queries(1):
        counts = reader_status_counts(Article.objects.all())
    assert counts == {
        "draft": 1,
        "in_review": 0,
        "changes_requested": 0,
        "live": 3,
        "live_with_changes": 0,
    }


def test_the_admin_index_shows_the_counts_linked_to_the_filtered_list(client, editor, article):
    from tests.clients import logged_in

    page = logged_in(client, editor).get("/admin/").content.decode()
    assert "Articles by what readers see" in page
    assert 'href="/admin/articles/article/?reader_status=draft">Draft: <strong>1</strong>' in page


def test_the_annotation_orders_and_filters_in_the_database(article, editor, board_member):
    other = factories.ArticleFactory(created_by=editor, body="Other.")
    approve(other, editor=editor, board_member=board_member)
    live = with_reader_status(Article.objects.all()).filter(reader_status=ReaderStatus.LIVE)
    assert list(live) == [other]
