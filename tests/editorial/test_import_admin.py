"""Importing references through the admin: the button, the upload page, permissions, the report."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from reversion.models import Revision

from references.models import Reference
from tests import factories

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "references"
IMPORT_URL = reverse("admin:references_reference_import")
CHANGELIST_URL = reverse("admin:references_reference_changelist")


def upload(name, data=None):
    return SimpleUploadedFile(name, (FIXTURES / name).read_bytes() if data is None else data)


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def test_reference_list_shows_the_import_button_to_an_editor(editor_client):
    response = editor_client.get(CHANGELIST_URL)

    assert response.status_code == 200
    assert f'<a href="{IMPORT_URL}" class="importlink">Import references</a>' in (
        response.content.decode()
    )
    assert "Recover deleted references" in response.content.decode()  # reversion's link stays


def test_reference_list_hides_the_import_button_from_a_board_member(client, board_member):
    client.force_login(board_member)

    response = client.get(CHANGELIST_URL)

    assert response.status_code == 200
    assert IMPORT_URL not in response.content.decode()


def test_import_page_shows_the_upload_form(editor_client):
    response = editor_client.get(IMPORT_URL)

    assert response.status_code == 200
    content = response.content.decode()
    assert 'enctype="multipart/form-data"' in content
    assert 'type="file" name="files"' in content and "multiple" in content


def test_editor_uploads_several_files_and_sees_the_report(editor_client):
    response = editor_client.post(
        IMPORT_URL, {"files": [upload("vitamin-d.ris"), upload("osteoporosis-pubmed.xml")]}
    )

    assert response.status_code == 200
    report = response.context["report"]
    assert [(file.name, file.failed) for file in report.files] == [
        ("vitamin-d.ris", False),
        ("osteoporosis-pubmed.xml", False),
    ]
    assert Reference.objects.count() == 10
    content = response.content.decode()
    assert "Import report" in content
    assert "[@pmid99000401]" in content
    assert "errornote" not in content


def test_reimported_file_shows_conflicts_with_the_existing_key_and_changes_nothing(
    editor_client,
):
    editor_client.post(IMPORT_URL, {"files": [upload("calcium.json")]})
    Reference.objects.filter(key="patel2021calcium").update(year=1999)

    response = editor_client.post(IMPORT_URL, {"files": [upload("calcium.json")]})

    assert response.context["report"].counts() == {
        "created": 0,
        "unchanged": 4,
        "conflicting": 1,
        "rejected": 0,
    }
    assert (
        "same DOI 10.5555/jcbr.2021.401 as [@patel2021calcium] in the library, which differs "
        "in year; nothing was changed"
    ) in response.content.decode()
    assert Reference.objects.get(key="patel2021calcium").year == 1999


def test_broken_file_shows_the_record_and_reason_and_saves_nothing_from_it(editor_client):
    response = editor_client.post(
        IMPORT_URL, {"files": [upload("missing-title.bib"), upload("bone-health.bib")]}
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "1 of 2 files imported nothing: missing-title.bib." in content
    assert "This file imported nothing: 1 of 2 records rejected." in content
    assert "record 2 (key untitled2021)" in content and "has no title." in content
    assert not Reference.objects.filter(key="titled2020").exists()
    assert Reference.objects.count() == 5  # the good file imported


def test_entity_bomb_upload_is_refused_with_a_clear_message(editor_client):
    response = editor_client.post(IMPORT_URL, {"files": [upload("entity-bomb.xml")]})

    assert response.status_code == 200
    assert "which is refused: entities can expand into gigabytes" in response.content.decode()
    assert Reference.objects.count() == 0


def test_dry_run_shows_the_report_and_saves_nothing(editor_client):
    response = editor_client.post(
        IMPORT_URL, {"files": [upload("bone-health.bib")], "dry_run": "on"}
    )

    assert response.context["report"].counts()["created"] == 5
    assert "check only, nothing was saved" in response.content.decode()
    assert Reference.objects.count() == 0


def test_upload_without_a_file_shows_a_form_error(editor_client):
    response = editor_client.post(IMPORT_URL, {})

    assert response.status_code == 200
    assert response.context["form"].errors == {"files": ["This field is required."]}
    assert response.context["report"] is None


def test_a_file_over_the_size_limit_is_refused_before_reading(editor_client, monkeypatch):
    monkeypatch.setattr("editorial.admin.references.MAX_IMPORT_FILE_BYTES", 100)

    response = editor_client.post(IMPORT_URL, {"files": [upload("calcium.json")]})

    [error] = response.context["form"].errors["files"]
    assert error.startswith("calcium.json is ") and "a file may be at most 100\xa0bytes" in error
    assert Reference.objects.count() == 0


def test_admin_import_is_a_revision_by_the_editor_naming_the_file(editor_client, editor):
    editor_client.post(IMPORT_URL, {"files": [upload("vitamin-d.ris")]})

    revision = Revision.objects.get()
    assert (revision.user, revision.comment) == (editor, "Imported from vitamin-d.ris")


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_user_without_permission_to_add_references_gets_403(client, board_member, method):
    client.force_login(board_member)

    response = getattr(client, method)(IMPORT_URL, {"files": [upload("vitamin-d.ris")]})

    assert response.status_code == 403
    assert Reference.objects.count() == 0


def test_staff_without_any_reference_permission_gets_403(client):
    client.force_login(factories.UserFactory(username="staff", is_staff=True))

    assert client.get(IMPORT_URL).status_code == 403


def test_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get(IMPORT_URL)

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_editor_uploads_real_exports_including_pubmed_text_saved_as_txt(editor_client):
    nbib = (FIXTURES / "pubmed-medline.nbib").read_bytes()

    response = editor_client.post(
        IMPORT_URL,
        {
            "files": [
                upload("endnote-windows.ris"),
                upload("pubmed-vitaminD-set.txt", nbib),  # PubMed's "Save → PubMed format"
                upload("endnote-no-final-er.ris"),
            ]
        },
    )

    report = response.context["report"]
    assert [(file.name, file.format_label, file.failed) for file in report.files] == [
        ("endnote-windows.ris", "RIS", False),
        ("pubmed-vitaminD-set.txt", "PubMed text", False),
        ("endnote-no-final-er.ris", "RIS", True),
    ]
    assert Reference.objects.count() == 4 + 3
    content = response.content.decode()
    assert "[@pmid99001401]" in content
    assert "starts on line 67 but the file ends before its" in content
    assert (
        'accept=".ris,.bib,.json,.xml,.nbib,.txt"' in editor_client.get(IMPORT_URL).content.decode()
    )
