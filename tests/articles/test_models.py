"""Audiences, disclaimers and the history the admin records for articles and disclaimers."""

import pytest
from django.db import IntegrityError, transaction
from reversion.models import Version

from articles.models import Article, Audience, Disclaimer
from reviews import workflow
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(client):
    user = factories.UserFactory(username="root", superuser=True)
    client.force_login(user)
    return user


def audience_form(audience, **changes):
    data = {
        "name": audience.name,
        "slug": audience.slug,
        "description": audience.description,
        "order": audience.order,
    }
    if audience.is_default:
        data["is_default"] = "on"
    data |= changes
    return {name: value for name, value in data.items() if value is not None}


# Audience: one default, at the database and in the admin


def test_database_refuses_a_second_default_audience():
    Audience.objects.create(slug="patient", name="Patient", is_default=True)

    with pytest.raises(IntegrityError), transaction.atomic():
        Audience.objects.create(slug="clinician", name="Clinician", is_default=True)


def test_database_accepts_many_audiences_that_are_not_the_default():
    Audience.objects.create(slug="patient", name="Patient", is_default=True)
    Audience.objects.create(slug="student", name="Student")
    Audience.objects.create(slug="clinician", name="Clinician")

    assert Audience.objects.filter(is_default=False).count() == 2


def default_audience_frozen():
    """The default audience a round of a new article would freeze."""
    return workflow.freeze(factories.ArticleFactory()).snapshot["default_audience"]


def test_default_audience_is_the_one_marked_default(audiences):
    Audience.objects.update(is_default=False)
    Audience.objects.filter(slug="student").update(is_default=True)

    assert default_audience_frozen() == "student"


def test_default_audience_is_the_first_by_order_when_none_is_marked():
    Audience.objects.create(slug="clinician", name="Clinician", order=2)
    Audience.objects.create(slug="caregiver", name="Caregiver", order=1)
    Audience.objects.create(slug="student", name="Student", order=3)

    assert default_audience_frozen() == "caregiver"


def test_nothing_is_frozen_when_there_are_no_audiences():
    with pytest.raises(workflow.InvalidTransition, match="no audiences"):
        default_audience_frozen()


def test_saving_an_audience_as_default_in_the_admin_moves_the_default_to_it(
    client, superuser, audiences
):
    clinician = Audience.objects.get(slug="clinician")

    response = client.post(
        f"/admin/articles/audience/{clinician.pk}/change/",
        audience_form(clinician, is_default="on"),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert list(Audience.objects.filter(is_default=True).values_list("slug", flat=True)) == [
        "clinician"
    ]


def test_adding_a_new_default_audience_in_the_admin_moves_the_default_to_it(
    client, superuser, audiences
):
    response = client.post(
        "/admin/articles/audience/add/",
        {"name": "Pharmacist", "slug": "pharmacist", "order": 5, "is_default": "on"},
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert list(Audience.objects.filter(is_default=True).values_list("slug", flat=True)) == [
        "pharmacist"
    ]


def test_the_admin_refuses_to_leave_the_site_without_a_default_audience(
    client, superuser, audiences
):
    patient = Audience.objects.get(slug="patient")

    response = client.post(
        f"/admin/articles/audience/{patient.pk}/change/",
        audience_form(patient, is_default=None),
    )

    assert response.status_code == 200
    assert "make another audience the default" in str(response.context["adminform"].form.errors)
    assert Audience.objects.get(is_default=True) == patient


def test_the_admin_saves_a_non_default_audience_without_touching_the_default(
    client, superuser, audiences
):
    student = Audience.objects.get(slug="student")

    response = client.post(
        f"/admin/articles/audience/{student.pk}/change/",
        audience_form(student, name="Medical student"),
    )

    assert response.status_code == 302
    assert Audience.objects.get(is_default=True).slug == "patient"
    assert Audience.objects.get(slug="student").name == "Medical student"


def test_the_admin_refuses_to_delete_the_default_audience(client, superuser, audiences):
    patient = Audience.objects.get(slug="patient")

    response = client.post(f"/admin/articles/audience/{patient.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert Audience.objects.filter(pk=patient.pk, is_default=True).exists()


def test_the_admin_refuses_to_bulk_delete_the_default_audience(client, superuser, audiences):
    selected = [audience.pk for audience in audiences]

    response = client.post(
        "/admin/articles/audience/",
        {"action": "delete_selected", "_selected_action": selected, "post": "yes"},
    )

    assert response.status_code == 403
    assert Audience.objects.count() == 4


def test_the_admin_deletes_an_audience_that_is_not_the_default(client, superuser, audiences):
    student = Audience.objects.get(slug="student")

    response = client.post(f"/admin/articles/audience/{student.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Audience.objects.filter(slug="student").exists()
    assert Audience.objects.filter(is_default=True).count() == 1


# Disclaimers for an audience


def test_a_disclaimer_naming_no_audience_applies_to_every_audience(audiences):
    everyone = factories.DisclaimerFactory()

    for audience in audiences:
        assert list(Disclaimer.objects.for_audience(audience)) == [everyone]


def test_a_disclaimer_naming_clinicians_applies_only_to_clinicians(audiences):
    clinician = Audience.objects.get(slug="clinician")
    for_clinicians = factories.DisclaimerFactory()
    for_clinicians.audiences.set([clinician])

    assert list(Disclaimer.objects.for_audience(clinician)) == [for_clinicians]
    assert not Disclaimer.objects.for_audience(Audience.objects.get(slug="patient")).exists()


def test_a_disclaimer_naming_two_audiences_is_listed_once_for_each(audiences):
    patient, caregiver = Audience.objects.filter(slug__in=["patient", "caregiver"])
    both = factories.DisclaimerFactory()
    both.audiences.set([patient, caregiver])

    assert list(Disclaimer.objects.for_audience(patient)) == [both]
    assert list(Disclaimer.objects.for_audience(caregiver)) == [both]


def test_an_inactive_disclaimer_applies_to_nobody(audiences):
    factories.DisclaimerFactory(active=False)

    assert not Disclaimer.objects.for_audience(audiences[0]).exists()


def test_disclaimers_for_an_audience_come_in_their_order(audiences):
    clinician = Audience.objects.get(slug="clinician")
    third = factories.DisclaimerFactory(order=3)
    first = factories.DisclaimerFactory(order=1)
    second = factories.DisclaimerFactory(order=2)
    second.audiences.set([clinician, Audience.objects.get(slug="student")])

    assert list(Disclaimer.objects.for_audience(clinician)) == [first, second, third]


# History: every admin save is a revision naming who made it and why


def newest_revision(obj):
    version = Version.objects.get_for_object(obj).select_related("revision").first()
    assert version is not None, f"no version of {obj!r}"
    return version.revision


def test_saving_an_article_in_the_admin_records_a_revision_by_the_user(
    client, superuser, audiences
):
    article = factories.ArticleFactory()
    topic = factories.TopicFactory()
    versions_before = Version.objects.get_for_object(article).count()

    response = client.post(
        f"/admin/articles/article/{article.pk}/change/",
        {
            "title": "Does vitamin D prevent falls?",
            "slug": article.slug,
            "summary": article.summary,
            "body": article.body,
            "evidence_note": article.evidence_note,
            "topics": [topic.pk],
            "review_interval_months": 12,
            "edit_version": article.edit_version,
            "_save": "Save",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Version.objects.get_for_object(article).count() == versions_before + 1
    revision = newest_revision(article)
    assert revision.user == superuser
    assert revision.get_comment().startswith("Changed Question")
    assert revision.version_set.get(content_type__model="article").field_dict["title"] == (
        "Does vitamin D prevent falls?"
    )


def test_adding_an_article_in_the_admin_records_its_creator_and_a_first_revision(
    client, superuser, audiences
):
    response = client.post(
        "/admin/articles/article/add/",
        {
            "title": "Is calcium safe?",
            "slug": "is-calcium-safe",
            "summary": "Mostly.",
            "body": "",
            "evidence_note": "",
            "review_interval_months": 12,
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    article = Article.objects.get(slug="is-calcium-safe")
    assert article.created_by == superuser
    assert newest_revision(article).user == superuser


def test_saving_a_disclaimer_in_the_admin_records_a_revision_by_the_user(
    client, superuser, audiences
):
    disclaimer = factories.DisclaimerFactory()

    response = client.post(
        f"/admin/articles/disclaimer/{disclaimer.pk}/change/",
        {
            "name": disclaimer.name,
            "audiences": [audiences[-1].pk],
            "placement": "top",
            "visibility": "always",
            "body": "Talk to your doctor.",
            "active": "on",
            "order": 0,
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    revision = newest_revision(disclaimer)
    assert revision.user == superuser
    assert revision.get_comment()
    assert revision.version_set.get().field_dict["body"] == "Talk to your doctor."
