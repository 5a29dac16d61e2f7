"""One bad record need not block a library: files stay all or nothing unless the person
importing chooses to skip invalid records, in the function, the command and the admin."""

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from references.importers.importing import Status, import_references
from references.models import Reference

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "references"
STUB_FILE = "scopus-like-with-stub.ris"
STUB_REASON = "has no title; the year 0 is not a plausible year."


def import_stub_file(**options):
    return import_references([(STUB_FILE, (FIXTURES / STUB_FILE).read_bytes())], **options)


def test_a_file_with_one_invalid_record_still_imports_nothing_by_default():
    report = import_stub_file()

    assert report.failed
    assert report.files[0].with_status(Status.REJECTED)[0].message == STUB_REASON
    assert not Reference.objects.exists()


def test_skip_invalid_imports_the_valid_records_and_reports_each_skipped_one():
    report = import_stub_file(skip_invalid=True)

    assert not report.failed
    assert [(outcome.status, outcome.source_label) for outcome in report.files[0].outcomes] == [
        (Status.CREATED, "record 1"),
        (Status.REJECTED, "record 2"),
    ]
    assert Reference.objects.get().title == (
        "Vitamin D status and hip fracture in Nordic care homes"
    )
    assert report.lines() == [
        f"{STUB_FILE} (RIS): 1 created, 0 unchanged, 0 conflicting, 1 rejected.",
        f"  skipped: record 2: {STUB_REASON}",
        "Total: 1 created, 0 unchanged, 0 conflicting, 1 rejected.",
    ]


def test_skip_invalid_keeps_the_records_in_file_order_around_the_skipped_ones():
    data = b"".join(
        f"TY  - JOUR\nTI  - {title}\nPY  - {year}\nER  - \n".encode()
        for title, year in (("", "2020"), ("First", "2020"), ("", "0000"), ("Second", "2021"))
    )

    report = import_references([("mixed.ris", data)], skip_invalid=True)

    assert [outcome.status for outcome in report.files[0].outcomes] == [
        Status.REJECTED,
        Status.CREATED,
        Status.REJECTED,
        Status.CREATED,
    ]
    assert Reference.objects.count() == 2


def test_skip_invalid_file_without_any_valid_record_still_fails():
    data = b"TY  - JOUR\nPY  - 0000\nER  - \n"

    report = import_references([("stubs.ris", data)], skip_invalid=True)

    assert report.failed
    assert report.files[0].error == "1 of 1 records rejected."


def test_skip_invalid_does_not_rescue_a_file_that_cannot_be_parsed():
    data = b"TY  - JOUR\nTI  - Fine\nER  - \nTY  - JOUR\nTI  - Cut short\n"

    report = import_references([("cut.ris", data)], skip_invalid=True)

    assert report.failed and not Reference.objects.exists()


def test_skip_invalid_dry_run_saves_nothing():
    report = import_stub_file(skip_invalid=True, dry_run=True)

    assert report.counts()[Status.CREATED] == 1
    assert not Reference.objects.exists()


def test_command_skip_invalid_imports_the_paper_and_prints_the_skipped_stub():
    stdout = io.StringIO()

    call_command("import_references", "--skip-invalid", str(FIXTURES / STUB_FILE), stdout=stdout)

    assert f"  skipped: record 2: {STUB_REASON}" in stdout.getvalue().splitlines()
    assert Reference.objects.count() == 1


def test_command_without_skip_invalid_fails_and_imports_nothing():
    with pytest.raises(CommandError, match="1 file imported nothing"):
        call_command("import_references", str(FIXTURES / STUB_FILE), stdout=io.StringIO())

    assert not Reference.objects.exists()


@pytest.mark.parametrize(("ticked", "created"), [(False, 0), (True, 1)])
def test_admin_checkbox_chooses_between_all_or_nothing_and_skipping(
    client, editor, ticked, created
):
    client.force_login(editor)
    upload = SimpleUploadedFile(STUB_FILE, (FIXTURES / STUB_FILE).read_bytes())
    data = {"files": [upload], **({"skip_invalid": "on"} if ticked else {})}

    response = client.post(reverse("admin:references_reference_import"), data)

    assert response.status_code == 200
    assert 'name="skip_invalid"' in response.content.decode()
    assert response.context["report"].failed is not ticked
    assert Reference.objects.count() == created
