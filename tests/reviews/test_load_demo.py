"""`manage.py load_demo`, and the editorial groups that plain `migrate` makes."""

import re
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from reversion.models import Revision, Version

from articles.models import Article, Audience, Disclaimer, SitePage
from references.models import Reference
from reviews.management.commands import load_demo
from reviews.models import BoardMember, ReviewEvent, ReviewRound, State
from reviews.roles import ADVISORY_BOARD, EDITORS, ROLE_PERMISSIONS

pytestmark = pytest.mark.django_db

DEMO_SLUG = "vitamin-d-and-k2-for-osteoporosis"
DEMO_USERNAMES = ["admin", "editor", "aexample", "rsample"]


def run_load_demo():
    out = StringIO()
    call_command("load_demo", public_demo_passwords=True, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo():
    return run_load_demo()


@pytest.fixture
def approved_round(demo):
    return ReviewRound.objects.get(article__slug=DEMO_SLUG)


def row_counts():
    counts = {model._meta.label: model.objects.count() for model in apps.get_models()}
    return counts | {"versions": Version.objects.count(), "revisions": Revision.objects.count()}


# What plain `migrate` makes


def test_migrate_creates_the_editors_group_with_exactly_its_role_permissions():
    group = Group.objects.get(name=EDITORS)

    granted = {
        f"{app_label}.{codename}"
        for app_label, codename in group.permissions.values_list(
            "content_type__app_label", "codename"
        )
    }
    assert granted == set(ROLE_PERMISSIONS[EDITORS])


def test_migrate_creates_the_advisory_board_group_with_exactly_its_role_permissions():
    group = Group.objects.get(name=ADVISORY_BOARD)

    granted = {
        f"{app_label}.{codename}"
        for app_label, codename in group.permissions.values_list(
            "content_type__app_label", "codename"
        )
    }
    assert granted == set(ROLE_PERMISSIONS[ADVISORY_BOARD])


def test_migrate_alone_creates_no_demo_users_or_content():
    assert not get_user_model().objects.filter(username__in=DEMO_USERNAMES).exists()
    assert not Article.objects.exists()
    assert not Audience.objects.exists()
    assert not Reference.objects.exists()


# What load_demo loads


def test_load_demo_creates_the_demo_article(demo):
    article = Article.objects.get(slug=DEMO_SLUG)

    assert article.created_by.username == "editor"
    assert set(article.topics.values_list("slug", flat=True)) == {"bone-health", "supplements"}


def test_load_demo_creates_the_seven_demo_references(demo):
    assert Reference.objects.count() == 7


def test_load_demo_creates_four_audiences_with_patient_the_default(demo):
    assert list(Audience.objects.values_list("slug", flat=True)) == [
        "patient",
        "caregiver",
        "student",
        "clinician",
    ]
    assert Audience.objects.get(is_default=True).slug == "patient"


def test_load_demo_creates_two_board_members_with_credentials(demo):
    members = list(BoardMember.objects.select_related("user"))

    assert [member.user.username for member in members] == ["aexample", "rsample"]
    assert all(member.credentials and member.display_name for member in members)
    assert all(member.user.groups.filter(name=ADVISORY_BOARD).exists() for member in members)


def test_load_demo_creates_an_editor_who_may_submit_and_a_superuser(demo):
    users = get_user_model().objects

    assert users.get(username="editor").has_perm("reviews.submit_round")
    assert not users.get(username="editor").has_perm("reviews.decide_round")
    assert users.get(username="admin").is_superuser


def test_load_demo_users_log_in_with_the_printed_passwords(demo):
    for username, password in re.findall(r"^\s+(\w+)\s+(vetted-\w+)", demo, re.MULTILINE):
        assert get_user_model().objects.get(username=username).check_password(password)
    assert sorted(re.findall(r"^\s+(\w+)\s+vetted-", demo, re.MULTILINE)) == sorted(DEMO_USERNAMES)


def test_load_demo_creates_disclaimers_for_clinicians_and_for_everyone_else(demo):
    clinician, patient = (
        Audience.objects.get(slug="clinician"),
        Audience.objects.get(slug="patient"),
    )

    assert Disclaimer.objects.count() == 3
    for_clinicians = set(Disclaimer.objects.for_audience(clinician))
    for_patients = set(Disclaimer.objects.for_audience(patient))
    assert for_clinicians != for_patients
    assert any("health professionals" in d.body for d in for_clinicians)
    assert any("Educational purpose only" in d.body for d in for_patients)


def test_load_demo_creates_the_editorial_policy_page(demo):
    page = SitePage.objects.get(slug="editorial-policy")

    assert page.title == "Editorial policy"
    assert Version.objects.get_for_object(page).exists()


def test_load_demo_takes_the_article_through_review_to_one_approved_round(approved_round):
    assert approved_round.state == State.APPROVED
    assert approved_round.submitted_by.username == "editor"
    assert approved_round.decided_by.board_member is not None
    assert approved_round.approver_credentials == approved_round.decided_by.board_member.credentials
    assert list(approved_round.events.values_list("action", flat=True)) == [
        ReviewEvent.Action.SUBMIT,
        ReviewEvent.Action.START_REVIEW,
        ReviewEvent.Action.APPROVE,
    ]
    assert ReviewRound.objects.count() == 1


def test_the_demo_round_is_what_readers_see(approved_round):
    assert list(ReviewRound.objects.published()) == [approved_round]


def test_the_demo_round_reads_differently_for_patients_and_clinicians(approved_round):
    patient = approved_round.rendered_for("patient")
    clinician = approved_round.rendered_for("clinician")

    assert patient["body_html"] != clinician["body_html"]


def test_the_demo_article_cites_every_demo_reference(approved_round):
    keys = set(Reference.objects.values_list("key", flat=True))
    for audience in ("patient", "caregiver", "student", "clinician"):
        rendered = approved_round.rendered_for(audience)
        assert set(rendered["cited_keys"]) == keys
        assert rendered["references_html"].count("<li id=") == 7
    assert set(approved_round.snapshot["references"]) == keys


def test_running_load_demo_again_changes_nothing(approved_round):
    before = row_counts()

    output = run_load_demo()

    assert row_counts() == before
    after = ReviewRound.objects.get()
    assert (after.pk, after.state) == (approved_round.pk, State.APPROVED)
    assert after.snapshot_sha256 == approved_round.snapshot_sha256
    assert "already loaded; nothing changed" in output


def test_load_demo_leaves_an_existing_default_audience_the_default():
    Audience.objects.create(slug="everyone", name="Everyone", order=0, is_default=True)

    run_load_demo()

    assert Audience.objects.get(is_default=True).slug == "everyone"
    assert ReviewRound.objects.get().state == State.APPROVED


def test_load_demo_without_its_demo_files_raises_a_clear_command_error(monkeypatch, tmp_path):
    monkeypatch.setattr(load_demo, "DEMO_DIR", tmp_path / "missing")

    with pytest.raises(CommandError, match=r"Cannot read the demo content in .*missing"):
        run_load_demo()
    assert not get_user_model().objects.filter(username__in=DEMO_USERNAMES).exists()


def test_load_demo_with_broken_demo_json_raises_a_clear_command_error(monkeypatch, tmp_path):
    (tmp_path / "demo.json").write_text("{not json", encoding="utf-8")
    monkeypatch.setattr(load_demo, "DEMO_DIR", tmp_path)

    with pytest.raises(CommandError, match="Cannot read the demo content"):
        run_load_demo()
