"""No lost edits: two editors saving the same article, driven through two test clients.

The change form carries the article's edit_version; a save made from an older number is refused
with the editor's own text kept in the form and a diff of the other editor's change.
"""

import pytest
from django.urls import reverse
from reversion.models import Version

from articles.models import Article
from reviews import workflow
from reviews.models import ReviewRound, State
from tests import factories
from tests.admin_forms import change_form_data
from tests.clients import client_for

pytestmark = pytest.mark.django_db

BODY = "Calcium matters for bone.\n\n::: audience patient\nAsk your doctor.\n:::\n"


@pytest.fixture
def article(editor, audiences):
    return factories.ArticleFactory(
        created_by=editor, slug="bones", title="Does calcium help bones?", body=BODY
    )


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def form_data(response, **changes):
    """The change form on a page as a browser would post it, with `changes` typed in."""
    return {**change_form_data(response), **changes, "_save": "Save"}


def reload(article):
    return Article.objects.get(pk=article.pk)


def test_the_change_form_carries_the_edit_version_as_a_hidden_field(client, editor, article):
    page = client_for(editor).get(change_url(article)).content.decode()
    assert '<input type="hidden" name="edit_version" value="1"' in page


def test_each_save_in_the_admin_raises_the_edit_version_by_one(editor, article):
    client = client_for(editor)
    for expected in (2, 3):
        data = form_data(client.get(change_url(article)), summary=f"Saved as {expected}.")
        assert client.post(change_url(article), data).status_code == 302
        assert reload(article).edit_version == expected


def test_second_of_two_editors_saving_the_same_version_is_refused_and_loses_nothing(
    editor, other_editor, article
):
    alice, bob = client_for(editor), client_for(other_editor)
    alice_form, bob_form = alice.get(change_url(article)), bob.get(change_url(article))

    saved = alice.post(
        change_url(article),
        form_data(alice_form, body=BODY.replace("Ask your doctor.", "Ask your nurse.")),
    )
    assert saved.status_code == 302

    bob_body = BODY.replace("Calcium matters", "Vitamin D matters")
    refused = bob.post(
        change_url(article), form_data(bob_form, body=bob_body, summary="Bob's summary.")
    )
    assert refused.status_code == 200
    page = refused.content.decode()
    # Bob's typing is still in the form...
    assert "Vitamin D matters for bone." in page
    assert "Bob&#x27;s summary." in page
    # ...the page says who saved and shows what they changed since Bob opened the article...
    assert "Not saved: ed saved this article at" in page
    assert "Ask your <del>doctor.</del><ins>nurse.</ins>" in page
    assert refused.context["edit_conflict_author"] == "ed"
    assert [diff.label for diff in refused.context["edit_conflict_diffs"]] == ["Body"]
    # ...and the database holds Alice's save, untouched.
    stored = reload(article)
    assert stored.body == BODY.replace("Ask your doctor.", "Ask your nurse.")
    assert stored.summary == article.summary
    assert stored.edit_version == 2
    assert Version.objects.get_for_object(article).count() == 2

    # The refused form now carries the saved number: saving it again is a deliberate choice.
    again = bob.post(change_url(article), form_data(refused))
    assert again.status_code == 302
    stored = reload(article)
    assert stored.body == bob_body
    assert stored.summary == "Bob's summary."
    assert stored.edit_version == 3
    newest = Version.objects.get_for_object(article).select_related("revision__user").first()
    assert newest.revision.user == other_editor


def test_a_refused_save_leaves_no_revision_and_no_change_to_the_article(
    editor, other_editor, article
):
    alice, bob = client_for(editor), client_for(other_editor)
    bob_form = bob.get(change_url(article))
    alice.post(change_url(article), form_data(alice.get(change_url(article)), title="New?"))
    before = Version.objects.get_for_object(article).count()
    bob.post(change_url(article), form_data(bob_form, title="Bob's question?"))
    assert reload(article).title == "New?"
    assert Version.objects.get_for_object(article).count() == before


def test_a_change_form_posted_without_its_edit_version_is_refused(editor, article):
    client = client_for(editor)
    data = form_data(client.get(change_url(article)), summary="No version.")
    del data["edit_version"]
    response = client.post(change_url(article), data)
    assert response.status_code == 200
    assert reload(article).summary != "No version."


def test_adding_an_article_starts_at_edit_version_one(editor, audiences):
    client = client_for(editor)
    data = form_data(
        client.get(reverse("admin:articles_article_add")),
        title="Is walking good for bones?",
        slug="walking",
        summary="Yes.",
        body="Walk.\n",
    )
    data.pop("edit_version", None)
    response = client.post(reverse("admin:articles_article_add"), data)
    assert response.status_code == 302
    assert Article.objects.get(slug="walking").edit_version == 1


def test_submitting_for_review_does_not_change_the_edit_version(editor, article):
    client = client_for(editor)
    opened = client.get(change_url(article))
    response = client.post(
        reverse("admin:articles_article_workflow", args=[article.pk, "submit"]), {"note": "Go."}
    )
    assert response.status_code == 302
    assert ReviewRound.objects.get().state == State.SUBMITTED
    assert reload(article).edit_version == 1
    # A form opened before the submission still saves: submitting edits nothing.
    assert client.post(change_url(article), form_data(opened, summary="After.")).status_code == 302
    assert reload(article).summary == "After."


def test_a_save_refused_for_a_conflict_can_still_be_submitted_afterwards(
    editor, other_editor, article
):
    alice, bob = client_for(editor), client_for(other_editor)
    bob_form = bob.get(change_url(article))
    alice.post(change_url(article), form_data(alice.get(change_url(article)), summary="A."))
    assert bob.post(change_url(article), form_data(bob_form, summary="B.")).status_code == 200
    review_round = workflow.submit(reload(article), by=editor)
    assert review_round.snapshot["article"]["summary"] == "A."


def revision_url(article, version):
    return reverse("admin:articles_article_revision", args=[article.pk, version.pk])


def test_a_revert_form_carries_the_live_edit_version_and_saves_the_next_one(
    editor, other_editor, article
):
    first = Version.objects.get_for_object(article).last()
    client = client_for(other_editor)
    for summary in ("Second.", "Third."):
        client.post(
            change_url(article), form_data(client.get(change_url(article)), summary=summary)
        )
    assert reload(article).edit_version == 3

    alice = client_for(editor)
    shown = alice.get(revision_url(article, first))
    assert shown.status_code == 200
    # The old version's own number is 1; the form must carry the live one.
    assert first.field_dict["edit_version"] == 1
    assert '<input type="hidden" name="edit_version" value="3"' in shown.content.decode()
    assert reload(article).edit_version == 3  # showing a revert changes nothing

    response = alice.post(revision_url(article, first), form_data(shown))
    assert response.status_code == 302
    stored = reload(article)
    assert stored.summary == first.field_dict["summary"]
    assert stored.edit_version == 4


def test_a_revert_over_a_newer_save_is_refused(editor, other_editor, article):
    first = Version.objects.get_for_object(article).last()
    alice, bob = client_for(editor), client_for(other_editor)
    shown = alice.get(revision_url(article, first))
    bob.post(change_url(article), form_data(bob.get(change_url(article)), summary="Bob's."))

    response = alice.post(revision_url(article, first), form_data(shown))
    assert response.status_code == 200
    assert "Not saved: ed2 saved this article at" in response.content.decode()
    stored = reload(article)
    assert stored.summary == "Bob's."
    assert stored.edit_version == 2
