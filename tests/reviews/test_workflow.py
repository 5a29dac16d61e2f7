import pytest
import reversion
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.exceptions import PermissionDenied

from references.importers.importing import import_references
from references.models import Reference
from reviews import workflow
from reviews.models import ReviewEvent, ReviewRound, State
from tests import factories
from tests.factories import save_as

pytestmark = pytest.mark.django_db(transaction=False)

Action = ReviewEvent.Action


@pytest.fixture
def reference(db):
    return factories.ReferenceFactory(key="guideline-2025", title="Bone guideline", year=2025)


@pytest.fixture
def article(editor, audiences, reference):
    return factories.ArticleFactory(
        created_by=editor,
        body=(
            "Calcium matters [@guideline-2025].\n\n"
            "::: audience patient\nAsk your doctor.\n:::\n\n"
            "::: audience clinician\nCheck serum 25(OH)D.\n:::\n"
        ),
    )


@pytest.fixture
def submitted(article, editor):
    return workflow.submit(article, by=editor, note="First version.")


@pytest.fixture
def under_review(submitted, board_member):
    return workflow.start_review(submitted, by=board_member)


def events(review_round):
    return list(review_round.events.values_list("action", "from_state", "to_state"))


# Allowed transitions


def test_editor_submits_article_and_round_is_submitted(submitted, editor):
    assert submitted.state == State.SUBMITTED
    assert submitted.number == 1
    assert submitted.submitted_by == editor
    assert events(submitted) == [(Action.SUBMIT, "", State.SUBMITTED)]


def test_board_member_starts_review(under_review, board_member):
    assert under_review.state == State.UNDER_REVIEW
    assert under_review.reviewer == board_member
    assert events(under_review)[-1] == (Action.START_REVIEW, State.SUBMITTED, State.UNDER_REVIEW)


def test_board_member_approves_round_under_review(under_review, board_member):
    member = board_member.board_member
    approved = workflow.approve(under_review, by=board_member, note="Checked the doses.")
    assert approved.state == State.APPROVED
    assert approved.decided_by == board_member
    assert approved.approver_name == member.display_name
    assert approved.approver_credentials == "MD, PhD"
    assert approved.decision_note == "Checked the doses."
    assert events(approved)[-1] == (Action.APPROVE, State.UNDER_REVIEW, State.APPROVED)
    assert approved.events.last().note == "Checked the doses."


def test_board_member_requests_changes_with_a_note(under_review, board_member):
    changed = workflow.request_changes(under_review, by=board_member, note="Cite the trial.")
    assert changed.state == State.CHANGES_REQUESTED
    assert events(changed)[-1] == (
        Action.REQUEST_CHANGES,
        State.UNDER_REVIEW,
        State.CHANGES_REQUESTED,
    )


@pytest.mark.parametrize("start", ["submitted", "under_review"])
def test_editor_withdraws_an_open_round(request, start, editor):
    review_round = request.getfixturevalue(start)
    from_state = review_round.state
    withdrawn = workflow.withdraw(review_round, by=editor)
    assert withdrawn.state == State.WITHDRAWN
    assert events(withdrawn)[-1] == (Action.WITHDRAW, from_state, State.WITHDRAWN)


@pytest.mark.parametrize("start", ["submitted", "under_review"])
def test_submitting_again_supersedes_the_open_round(request, start, article, editor):
    old = request.getfixturevalue(start)
    from_state = old.state
    new = workflow.submit(article, by=editor, note="Second version.")
    old.refresh_from_db()
    assert old.state == State.SUPERSEDED
    assert events(old)[-1] == (Action.SUPERSEDE, from_state, State.SUPERSEDED)
    assert new.number == 2
    assert new.state == State.SUBMITTED


def test_resubmitting_after_changes_requested_opens_a_new_round(
    under_review, article, editor, board_member
):
    workflow.request_changes(under_review, by=board_member, note="Fix it.")
    new = workflow.submit(article, by=editor, note="Fixed.")
    under_review.refresh_from_db()
    assert under_review.state == State.CHANGES_REQUESTED
    assert new.number == 2


# Forbidden transitions: every action from every state it may not start from.

FORBIDDEN = [
    (action, state)
    for action, (from_states, _) in workflow.TRANSITIONS.items()
    if action != Action.SUPERSEDE
    for state in State.values
    if state not in from_states
]


@pytest.mark.parametrize(("action", "state"), FORBIDDEN)
def test_action_from_a_state_that_does_not_allow_it_is_refused(
    action, state, submitted, editor, board_member
):
    ReviewRound.objects.filter(pk=submitted.pk).update(
        state=state, decided_by=board_member, decided_at=submitted.submitted_at
    )
    submitted.refresh_from_db()
    before = submitted.events.count()
    actor = editor if action == Action.WITHDRAW else board_member
    calls = {
        Action.START_REVIEW: lambda: workflow.start_review(submitted, by=actor),
        Action.APPROVE: lambda: workflow.approve(submitted, by=actor),
        Action.REQUEST_CHANGES: lambda: workflow.request_changes(submitted, by=actor, note="x"),
        Action.WITHDRAW: lambda: workflow.withdraw(submitted, by=actor),
    }
    with pytest.raises(workflow.InvalidTransition):
        calls[action]()
    submitted.refresh_from_db()
    assert submitted.state == state
    assert submitted.events.count() == before


def test_request_changes_without_a_note_is_refused(under_review, board_member):
    with pytest.raises(workflow.ReviewError, match="note is required"):
        workflow.request_changes(under_review, by=board_member, note="  ")
    under_review.refresh_from_db()
    assert under_review.state == State.UNDER_REVIEW


# Roles


def test_board_member_cannot_submit(article, board_member):
    with pytest.raises(PermissionDenied):
        workflow.submit(article, by=board_member)
    assert not ReviewRound.objects.exists()


def test_plain_staff_user_cannot_submit(article):
    with pytest.raises(PermissionDenied):
        workflow.submit(article, by=factories.UserFactory(is_staff=True))


def test_editor_cannot_start_review_approve_or_request_changes(submitted, other_editor):
    with pytest.raises(PermissionDenied):
        workflow.start_review(submitted, by=other_editor)
    ReviewRound.objects.filter(pk=submitted.pk).update(state=State.UNDER_REVIEW)
    with pytest.raises(PermissionDenied):
        workflow.approve(submitted, by=other_editor)
    with pytest.raises(PermissionDenied):
        workflow.request_changes(submitted, by=other_editor, note="No.")


def test_board_member_cannot_withdraw(submitted, board_member):
    with pytest.raises(PermissionDenied):
        workflow.withdraw(submitted, by=board_member)


def test_inactive_board_member_cannot_approve(under_review, second_board_member):
    second_board_member.is_active = False
    second_board_member.save()
    with pytest.raises(PermissionDenied):
        workflow.approve(under_review, by=second_board_member)


# Four eyes


def test_board_member_cannot_approve_own_submission(article, audiences):
    both = factories.BoardMemberFactory(user__username="both").user
    both.groups.add(*factories.EditorFactory().groups.all())
    review_round = workflow.submit(article, by=both)
    ReviewRound.objects.filter(pk=review_round.pk).update(state=State.UNDER_REVIEW)
    with pytest.raises(workflow.ConflictOfInterest):
        workflow.approve(review_round, by=both)


def test_board_member_who_edited_the_text_cannot_approve_it(article, editor, board_member):
    save_as(board_member, article, summary="Edited by the reviewer.")
    review_round = workflow.submit(article, by=editor)
    with pytest.raises(workflow.ConflictOfInterest):
        workflow.start_review(review_round, by=board_member)
    ReviewRound.objects.filter(pk=review_round.pk).update(state=State.UNDER_REVIEW)
    with pytest.raises(workflow.ConflictOfInterest):
        workflow.approve(review_round, by=board_member)
    assert review_round.events.count() == 1


def test_superuser_who_edited_the_text_cannot_approve_it(article, editor):
    superuser = factories.UserFactory(superuser=True, username="root")
    save_as(superuser, article, body=article.body + "\nOne more line.\n")
    review_round = workflow.submit(article, by=editor)
    ReviewRound.objects.filter(pk=review_round.pk).update(state=State.UNDER_REVIEW)
    with pytest.raises(workflow.ConflictOfInterest):
        workflow.approve(review_round, by=superuser)


def test_superuser_who_did_not_write_the_text_may_approve(under_review):
    superuser = factories.UserFactory(superuser=True, username="root")
    assert workflow.approve(under_review, by=superuser).state == State.APPROVED


def test_edits_before_the_last_approval_do_not_bar_a_reviewer(
    article, editor, board_member, second_board_member
):
    save_as(board_member, article, summary="The reviewer once fixed a typo.")
    first = workflow.submit(article, by=editor)
    workflow.start_review(first, by=second_board_member)
    workflow.approve(first, by=second_board_member)
    save_as(editor, article, summary="A later edit by the editor.")
    second = workflow.submit(article, by=editor)
    workflow.start_review(second, by=board_member)
    assert workflow.approve(second, by=board_member).state == State.APPROVED


def save_reference_as(user, reference, **changes):
    """Change and save a reference in a revision naming `user`, as the admin does."""
    for name, value in changes.items():
        setattr(reference, name, value)
    with reversion.create_revision():
        reversion.set_user(user)
        reference.save()
    return reference


def test_whoever_edited_a_cited_reference_cannot_start_or_approve_the_round(
    article, editor, reference
):
    superuser = factories.UserFactory(superuser=True, username="root")
    save_reference_as(superuser, reference, title="A guideline the reviewer rewrote")
    review_round = workflow.submit(article, by=editor)
    assert review_round.snapshot["references"]["guideline-2025"]["title"] == (
        "A guideline the reviewer rewrote"
    )
    with pytest.raises(workflow.ConflictOfInterest):
        workflow.start_review(review_round, by=superuser)
    ReviewRound.objects.filter(pk=review_round.pk).update(state=State.UNDER_REVIEW)
    with pytest.raises(workflow.ConflictOfInterest):
        workflow.approve(review_round, by=superuser)
    assert Action.APPROVE not in workflow.allowed_actions(reload_round(review_round), superuser)
    assert reload_round(review_round).state == State.UNDER_REVIEW


def test_renaming_a_cited_reference_after_submission_hides_no_author(
    article, editor, reference, board_member
):
    board_member.user_permissions.add(Permission.objects.get(codename="change_reference"))
    save_reference_as(board_member, reference, title="A guideline the reviewer rewrote")
    review_round = workflow.submit(article, by=editor)
    # The key changes in the library after the round froze it; another row takes the old key.
    save_reference_as(editor, reference, key="guideline-2025-renamed")
    factories.ReferenceFactory(key="guideline-2025", title="Someone else's guideline")
    assert board_member.pk in workflow.round_authors(review_round)
    with pytest.raises(workflow.ConflictOfInterest):
        workflow.start_review(review_round, by=board_member)


def test_whoever_imported_a_cited_reference_cannot_approve_the_round(article, editor):
    superuser = factories.UserFactory(superuser=True, username="root")
    ris = b"TY  - JOUR\nID  - imported-2024\nTI  - An imported trial\nPY  - 2024\nER  - \n"
    report = import_references([("trial.ris", ris)], user=superuser)
    assert Reference.objects.filter(key="imported-2024").exists(), report
    save_as(editor, article, body=article.body + "\nSee also [@imported-2024].\n")
    review_round = workflow.submit(article, by=editor)
    with pytest.raises(workflow.ConflictOfInterest):
        workflow.start_review(review_round, by=superuser)


def test_editing_a_reference_the_round_does_not_cite_does_not_bar_a_reviewer(
    article, editor, board_member
):
    board_member.user_permissions.add(Permission.objects.get(codename="change_reference"))
    save_reference_as(board_member, factories.ReferenceFactory(key="uncited"), title="Edited")
    review_round = workflow.start_review(workflow.submit(article, by=editor), by=board_member)
    assert workflow.approve(review_round, by=board_member).state == State.APPROVED


def test_reference_edits_before_the_last_approval_do_not_bar_a_reviewer(
    article, editor, reference, board_member, second_board_member
):
    save_reference_as(board_member, reference, title="Fixed a typo once")
    first = workflow.start_review(workflow.submit(article, by=editor), by=second_board_member)
    workflow.approve(first, by=second_board_member)
    save_as(editor, article, summary="A later edit by the editor.")
    second = workflow.start_review(workflow.submit(article, by=editor), by=board_member)
    assert workflow.approve(second, by=board_member).state == State.APPROVED


def reload_round(review_round):
    return ReviewRound.objects.get(pk=review_round.pk)


def test_allowed_actions_hide_what_the_user_may_not_do(
    submitted, editor, board_member, second_board_member
):
    assert workflow.allowed_actions(submitted, editor) == {Action.WITHDRAW}
    assert workflow.allowed_actions(submitted, board_member) == {Action.START_REVIEW}
    under_review = workflow.start_review(submitted, by=board_member)
    assert workflow.allowed_actions(under_review, board_member) == {
        Action.APPROVE,
        Action.REQUEST_CHANGES,
    }
    assert workflow.allowed_actions(under_review, submitted.submitted_by) == {Action.WITHDRAW}


# Content checks at submission


def test_submit_refuses_unknown_citation_and_names_it_with_its_line(article, editor):
    save_as(editor, article, body="Fine [@guideline-2025].\n\nNot fine [@made-up-2024].\n")
    with pytest.raises(workflow.UnresolvedCitations) as refused:
        workflow.submit(article, by=editor)
    assert "made-up-2024" in str(refused.value)
    assert [d.line for d in refused.value.diagnostics] == [3]
    assert not ReviewRound.objects.exists()
    assert not ReviewEvent.objects.exists()


def test_submit_refuses_unclosed_audience_block(article, editor):
    save_as(editor, article, body="Shared.\n\n::: audience patient\nNever closed.\n")
    with pytest.raises(workflow.MalformedBlocks) as refused:
        workflow.submit(article, by=editor)
    assert refused.value.diagnostics[0].line == 3
    assert not ReviewRound.objects.exists()


def test_submit_refuses_block_for_unknown_audience(article, editor):
    save_as(editor, article, body="::: audience astronaut\nIn orbit.\n:::\n")
    with pytest.raises(workflow.MalformedBlocks, match="astronaut"):
        workflow.submit(article, by=editor)


def test_failed_submit_leaves_the_open_round_alone(submitted, article, editor):
    save_as(editor, article, body="Broken [@nope].\n")
    with pytest.raises(workflow.UnresolvedCitations):
        workflow.submit(article, by=editor)
    submitted.refresh_from_db()
    assert submitted.state == State.SUBMITTED
    assert ReviewRound.objects.count() == 1


# The frozen snapshot


def test_snapshot_holds_text_audiences_and_cited_reference_data(submitted, reference):
    snapshot = submitted.snapshot
    assert snapshot["article"]["title"] == submitted.article.title
    assert "[@guideline-2025]" in snapshot["article"]["body"]
    assert [a["slug"] for a in snapshot["audiences"]] == [
        "patient",
        "caregiver",
        "student",
        "clinician",
    ]
    assert snapshot["references"] == {"guideline-2025": reference.as_data()}
    assert len(submitted.snapshot_sha256) == 64


def test_rendered_html_differs_per_audience_and_numbers_citations(submitted):
    patient = submitted.rendered_for("patient")
    clinician = submitted.rendered_for("clinician")
    assert "Ask your doctor." in patient["body_html"]
    assert "Ask your doctor." not in clinician["body_html"]
    assert "25(OH)D" in clinician["body_html"]
    assert 'href="#ref-1"' in patient["body_html"]
    assert 'id="ref-1"' in patient["references_html"]


def test_round_points_at_a_revision_saved_by_the_submitter(submitted, editor):
    assert submitted.revision.user == editor
    assert "Submitted for review" in submitted.revision.get_comment()


def test_later_edits_and_reference_changes_do_not_change_a_round(
    submitted, article, reference, editor
):
    frozen = (submitted.snapshot, submitted.rendered, submitted.snapshot_sha256)
    save_as(editor, article, title="A different question?", body="Rewritten [@guideline-2025].")
    reference.title = "Renamed guideline"
    reference.save()
    submitted.refresh_from_db()
    assert (submitted.snapshot, submitted.rendered, submitted.snapshot_sha256) == frozen


def test_revert_makes_a_new_revision_and_leaves_rounds_alone(submitted, article, editor):
    frozen = submitted.snapshot_sha256
    save_as(editor, article, summary="Changed after submission.")
    first_version = reversion.models.Version.objects.get_for_object(article).last()
    first_version.revision.revert()
    article.refresh_from_db()
    submitted.refresh_from_db()
    assert article.summary == first_version.field_dict["summary"]
    assert submitted.snapshot_sha256 == frozen


def test_same_content_gives_the_same_digest(article, editor):
    first = workflow.submit(article, by=editor)
    second = workflow.submit(article, by=editor)
    assert first.snapshot_sha256 == second.snapshot_sha256


# Notifications


def test_board_is_emailed_when_a_round_is_submitted(
    article, editor, board_member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit(article, by=editor, note="Please check the doses.")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [board_member.email]
    assert "Please check the doses." in mail.outbox[0].body


def test_submitter_is_emailed_the_reviewers_note(
    under_review, editor, board_member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        workflow.request_changes(under_review, by=board_member, note="Cite the 2010 trial.")
    assert mail.outbox[-1].to == [editor.email]
    assert "Cite the 2010 trial." in mail.outbox[-1].body
    assert "changes requested" in mail.outbox[-1].subject.lower()


def test_no_email_is_sent_when_a_submit_fails(
    article, editor, board_member, django_capture_on_commit_callbacks
):
    save_as(editor, article, body="[@missing]")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(workflow.ReviewError):
        workflow.submit(article, by=editor)
    assert mail.outbox == []


# The audit trail


def test_review_events_cannot_be_changed_or_deleted(submitted):
    event = submitted.events.get()
    event.note = "rewritten history"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()
