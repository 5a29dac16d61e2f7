"""Reference invariants, held by the database itself and by full_clean() for forms."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from reversion.models import Version

from references.models import Reference
from tests import factories

pytestmark = pytest.mark.django_db


def create(**fields):
    """Insert a reference straight into the database, without clean()."""
    defaults = {"key": "ref-x", "title": "A study", "kind": Reference.Kind.RESEARCH}
    return Reference.objects.create(**(defaults | fields))


def assert_database_refuses(**fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        create(**fields)


# The database's constraints


def test_database_refuses_two_references_with_the_same_key():
    create(key="smith-2020")

    assert_database_refuses(key="smith-2020")


def test_database_refuses_two_references_with_the_same_doi():
    create(key="a", doi="10.1000/abc")

    assert_database_refuses(key="b", doi="10.1000/abc")


def test_database_refuses_two_references_with_the_same_pmid():
    create(key="a", pmid="12345")

    assert_database_refuses(key="b", pmid="12345")


def test_database_refuses_a_duplicate_doi_in_a_bulk_insert():
    with pytest.raises(IntegrityError), transaction.atomic():
        Reference.objects.bulk_create(
            [
                Reference(key="a", title="One", doi="10.1000/same"),
                Reference(key="b", title="Two", doi="10.1000/same"),
            ]
        )

    assert not Reference.objects.exists()


def test_database_accepts_many_references_without_doi_or_pmid():
    Reference.objects.bulk_create(
        [Reference(key=f"ref-{n}", title=f"Study {n}", doi="", pmid="") for n in range(3)]
    )

    assert Reference.objects.filter(doi="", pmid="").count() == 3


def test_database_refuses_an_upper_case_doi():
    assert_database_refuses(doi="10.1000/ABC")


def test_database_refuses_a_doi_that_is_still_a_url():
    assert_database_refuses(doi="https://doi.org/10.1000/abc")


@pytest.mark.parametrize("pmid", ["PMID:123", "12a", "0123", "0", " 123"])
def test_database_refuses_a_pmid_that_is_not_canonical_digits(pmid):
    assert_database_refuses(pmid=pmid)


@pytest.mark.parametrize("key", ["has space", "-leading-dash", "", "semi;colon", "[@key]"])
def test_database_refuses_a_key_in_the_wrong_format(key):
    assert_database_refuses(key=key)


@pytest.mark.parametrize("key", ["smith-2020", "WHO_2021", "doi:10.1000.x", "a"])
def test_database_accepts_a_key_in_the_citation_format(key):
    assert create(key=key).pk is not None


def test_database_refuses_a_reference_without_a_title():
    assert_database_refuses(title="")


# full_clean(): what the admin and importers go through


def test_full_clean_stores_a_doi_url_as_the_bare_lower_case_doi():
    reference = factories.ReferenceFactory.build(doi="https://doi.org/10.1000/ABC")

    reference.full_clean()
    reference.save()

    reference.refresh_from_db()
    assert reference.doi == "10.1000/abc"


def test_full_clean_stores_a_labelled_pmid_as_bare_digits():
    reference = factories.ReferenceFactory.build(pmid="PMID: 0012345")

    reference.full_clean()

    assert reference.pmid == "12345"


def test_full_clean_reports_a_junk_doi_on_the_doi_field():
    reference = factories.ReferenceFactory.build(doi="not a doi at all")

    with pytest.raises(ValidationError) as raised:
        reference.full_clean()

    assert list(raised.value.message_dict) == ["doi"]
    assert "is not a DOI" in raised.value.message_dict["doi"][0]


def test_full_clean_reports_a_junk_pmid_on_the_pmid_field():
    reference = factories.ReferenceFactory.build(pmid="twelve")

    with pytest.raises(ValidationError) as raised:
        reference.full_clean()

    assert list(raised.value.message_dict) == ["pmid"]


def test_full_clean_finds_a_duplicate_doi_written_differently():
    factories.ReferenceFactory(key="original", doi="10.1000/abc")
    duplicate = factories.ReferenceFactory.build(doi="doi:10.1000/ABC")

    with pytest.raises(ValidationError) as raised:
        duplicate.full_clean()

    assert raised.value.message_dict == {"doi": ["[@original] already has this DOI."]}


def test_full_clean_finds_a_duplicate_pmid_written_differently():
    factories.ReferenceFactory(key="original", pmid="12345")
    duplicate = factories.ReferenceFactory.build(pmid="PMID: 012345")

    with pytest.raises(ValidationError) as raised:
        duplicate.full_clean()

    assert raised.value.message_dict == {"pmid": ["[@original] already has this PubMed ID."]}


def test_full_clean_lets_a_reference_keep_its_own_doi_and_pmid():
    reference = factories.ReferenceFactory(doi="10.1000/abc", pmid="12345")
    reference.title = "A retitled study"

    reference.full_clean()


def test_full_clean_reports_a_key_in_the_wrong_format_on_the_key_field():
    reference = factories.ReferenceFactory.build(key="smith 2020")

    with pytest.raises(ValidationError) as raised:
        reference.full_clean()

    assert "key" in raised.value.message_dict
    assert "use letters, digits and _ - : . only" in raised.value.message_dict["key"][0]


def test_full_clean_refuses_a_key_with_a_trailing_newline():
    # SQLite's REGEXP (Python's re.search) lets "$" match before a final newline, so the database
    # constraint alone would accept this key there while PostgreSQL refuses it.
    reference = factories.ReferenceFactory.build(key="smith-2020\n")

    with pytest.raises(ValidationError) as raised:
        reference.full_clean()

    assert "key" in raised.value.message_dict


# as_data(): what rendering uses and review snapshots freeze


def test_as_data_gives_every_field_rendering_needs_with_authors_as_a_list():
    reference = factories.ReferenceFactory(
        key="smith-2020",
        kind=Reference.Kind.RANDOMISED_TRIAL,
        title="Vitamin D and falls",
        authors="Smith JA\n\n  Jones B  \n",
        container="BMJ",
        year=2020,
        volume="369",
        issue="2",
        pages="m1-m9",
        doi="10.1136/bmj.m1",
        pmid="32000000",
        url="https://example.org/study",
    )

    assert reference.as_data() == {
        "key": "smith-2020",
        "kind": "randomised_trial",
        "kind_label": "Randomised trial",
        "title": "Vitamin D and falls",
        "authors": ["Smith JA", "Jones B"],
        "et_al": False,
        "container": "BMJ",
        "year": 2020,
        "volume": "369",
        "issue": "2",
        "pages": "m1-m9",
        "doi": "10.1136/bmj.m1",
        "pmid": "32000000",
        "url": "https://example.org/study",
        "retracted": False,
        "retraction_doi": "",
        "retraction_date": "",
    }


def test_as_data_of_a_sparse_reference_has_empty_values_not_missing_keys():
    reference = create(key="bare", title="Bare", authors="")

    data = reference.as_data()

    assert data["authors"] == []
    assert data["year"] is None
    assert data["doi"] == data["pmid"] == data["url"] == ""


# The admin: history and clear errors


@pytest.fixture
def superuser(client):
    user = factories.UserFactory(username="root", superuser=True)
    client.force_login(user)
    return user


def reference_form(reference, **changes):
    data = {
        field: getattr(reference, field)
        for field in ("key", "kind", "title", "authors", "container", "volume", "issue", "pages")
    }
    data |= {"year": reference.year or "", "doi": reference.doi, "pmid": reference.pmid, "url": ""}
    return data | changes


def test_saving_a_reference_in_the_admin_records_a_revision_by_the_user(client, superuser):
    reference = factories.ReferenceFactory(key="smith-2020")

    response = client.post(
        f"/admin/references/reference/{reference.pk}/change/",
        reference_form(reference, title="Vitamin D and falls", doi="https://doi.org/10.1000/ABC"),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    reference.refresh_from_db()
    assert reference.doi == "10.1000/abc"
    version = Version.objects.get_for_object(reference).select_related("revision").get()
    assert version.revision.user == superuser
    assert version.revision.get_comment().startswith("Changed")
    assert version.field_dict["title"] == "Vitamin D and falls"


def test_the_admin_names_the_reference_that_already_has_a_doi(client, superuser):
    factories.ReferenceFactory(key="original", doi="10.1000/abc")
    duplicate = factories.ReferenceFactory(key="copy")

    response = client.post(
        f"/admin/references/reference/{duplicate.pk}/change/",
        reference_form(duplicate, doi="doi:10.1000/ABC"),
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "doi": ["[@original] already has this DOI."]
    }
    assert not Version.objects.get_for_object(duplicate).exists()


def test_the_admin_reads_a_url_without_a_scheme_as_https(client, superuser):
    reference = factories.ReferenceFactory(key="who-2021")

    response = client.post(
        f"/admin/references/reference/{reference.pk}/change/",
        reference_form(reference, url="who.int/publications/guideline"),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    reference.refresh_from_db()
    assert reference.url == "https://who.int/publications/guideline"
