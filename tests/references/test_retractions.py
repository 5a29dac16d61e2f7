"""Retraction notices: reading the Retraction Watch CSV and marking the references it names,
through `references.retractions` and `manage.py import_retractions`."""

import datetime
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from reversion.models import Version

from references.models import Reference
from references.retractions import (
    RetractionFileError,
    parse_retraction_watch,
    references_mark_retracted,
)

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "references" / "retraction-watch.csv"
HEADER = (
    "Record ID,Title,RetractionDate,RetractionDOI,OriginalPaperDOI,OriginalPaperPubMedID,"
    "RetractionNature,Reason\n"
)


def library():
    """Three references: one the CSV names by DOI, one by PMID, one only in a concern."""
    return {
        "trial": Reference.objects.create(
            key="odegard2021falls", title="Falls", doi="10.5555/jcbr.2021.1104"
        ),
        "by_pmid": Reference.objects.create(key="berg2019", title="Hips", pmid="99000202"),
        "concern": Reference.objects.create(
            key="jonsdottir2020", title="Diet", doi="10.5555/nut.2020.0303"
        ),
    }


def run(*args):
    stdout = io.StringIO()
    call_command("import_retractions", *args, stdout=stdout)
    return stdout.getvalue()


# Reading the CSV (no database)


def test_csv_gives_retractions_only_with_normalised_identifiers_and_dates():
    parsed = parse_retraction_watch(FIXTURE.read_bytes())

    assert (parsed.rows, parsed.other_kinds) == (4, 1)
    first, second, _ = parsed.notices
    assert (first.paper_doi, first.paper_pmid) == ("10.5555/jcbr.2021.1104", "99000101")
    assert (first.notice_doi, first.date) == (
        "10.5555/jcbr.2023.retract.1104",
        datetime.date(2023, 3, 21),
    )
    assert (second.paper_doi, second.paper_pmid, second.notice_doi) == ("", "99000202", "")


def test_column_names_are_matched_ignoring_case_and_spacing():
    data = (
        b"original paper doi,Retraction Date,RETRACTION_DOI\n10.5555/a,2023-03-21,10.5555/notice\n"
    )

    [notice] = parse_retraction_watch(data).notices

    assert (notice.paper_doi, notice.date) == ("10.5555/a", datetime.date(2023, 3, 21))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"title,doi\nA,10.5555/a\n", "not the Retraction Watch CSV: it has no OriginalPaperDOI"),
        (HEADER.encode() + b"1,T,yesterday,,10.5555/a,,Retraction,\n", "row 2: the Retraction"),
        (HEADER.encode() + b"1,T,3/1/2023,,not-a-doi,,Retraction,\n", "row 2: 'not-a-doi' is"),
        (HEADER.encode() + b"1,T,3/1/2023,,,PMC12,Retraction,\n", "row 2: 'PMC12' is not a Pub"),
        (HEADER.encode() + b'1,"T,3/1/2023\n', "the CSV cannot be read"),
    ],
)
def test_bad_input_is_refused_with_one_line_saying_why(data, message):
    with pytest.raises(RetractionFileError, match=message) as error:
        parse_retraction_watch(data)

    assert "\n" not in str(error.value)


# Marking references


@pytest.mark.django_db
def test_references_named_by_doi_or_pmid_are_marked_with_the_notice():
    references = library()
    notices = parse_retraction_watch(FIXTURE.read_bytes()).notices

    marked = references_mark_retracted(notices=notices, source="rw.csv")

    assert [(item.key, item.matched_by, item.changed) for item in marked] == [
        ("berg2019", "PMID 99000202", True),
        ("odegard2021falls", "DOI 10.5555/jcbr.2021.1104", True),
    ]
    trial = Reference.objects.get(pk=references["trial"].pk)
    assert (trial.retracted, trial.retraction_doi, trial.retraction_date) == (
        True,
        "10.5555/jcbr.2023.retract.1104",
        datetime.date(2023, 3, 21),
    )
    assert not Reference.objects.get(key="jonsdottir2020").retracted  # a concern is not one
    assert Version.objects.get_for_object(trial).get().revision.get_comment() == (
        "Retractions from rw.csv"
    )


@pytest.mark.django_db
def test_frozen_reference_data_carries_the_retraction():
    library()
    references_mark_retracted(
        notices=parse_retraction_watch(FIXTURE.read_bytes()).notices, source="rw.csv"
    )

    data = Reference.objects.get(key="odegard2021falls").as_data()

    assert (data["retracted"], data["retraction_doi"], data["retraction_date"]) == (
        True,
        "10.5555/jcbr.2023.retract.1104",
        "2023-03-21",
    )
    assert Reference.objects.get(key="jonsdottir2020").as_data()["retracted"] is False


@pytest.mark.django_db
def test_marking_again_changes_nothing_and_says_already_marked():
    library()
    notices = parse_retraction_watch(FIXTURE.read_bytes()).notices
    references_mark_retracted(notices=notices, source="rw.csv")

    marked = references_mark_retracted(notices=notices, source="rw.csv")

    assert [item.changed for item in marked] == [False, False]


@pytest.mark.django_db
def test_the_latest_of_several_notices_for_a_paper_wins():
    library()
    data = HEADER + (
        "1,T,3/1/2024 0:00,10.5555/late,10.5555/jcbr.2021.1104,,Retraction,\n"
        "2,T,3/1/2022 0:00,10.5555/early,10.5555/jcbr.2021.1104,,Retraction,\n"
    )

    references_mark_retracted(
        notices=parse_retraction_watch(data.encode()).notices, source="rw.csv"
    )

    assert Reference.objects.get(key="odegard2021falls").retraction_doi == "10.5555/late"


@pytest.mark.django_db
def test_a_retraction_date_without_the_retracted_flag_is_refused_by_the_database():
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        Reference.objects.create(key="k", title="T", retraction_date=datetime.date(2023, 1, 1))


# The command


@pytest.mark.django_db
def test_command_marks_references_and_prints_a_line_for_each():
    library()

    output = run(str(FIXTURE)).splitlines()

    assert output == [
        "[@berg2019] marked retracted: on 2022-11-02, matched by PMID 99000202",
        "[@odegard2021falls] marked retracted: notice 10.5555/jcbr.2023.retract.1104, "
        "on 2023-03-21, matched by DOI 10.5555/jcbr.2021.1104",
        "retraction-watch.csv: 3 retractions read (1 other notices ignored); "
        "2 references marked retracted, 0 already marked.",
    ]
    assert Reference.objects.filter(retracted=True).count() == 2


@pytest.mark.django_db
def test_command_dry_run_saves_nothing():
    library()

    output = run("--dry-run", str(FIXTURE))

    assert output.startswith("Dry run: nothing was saved")
    assert not Reference.objects.filter(retracted=True).exists()


@pytest.mark.django_db
def test_command_refuses_bad_input_in_one_line_and_writes_nothing(tmp_path):
    library()
    bad = tmp_path / "rw.csv"
    bad.write_bytes(
        HEADER.encode()
        + b"1,T,3/1/2023,,10.5555/jcbr.2021.1104,,Retraction,\n"
        + b"2,T,someday,,10.5555/x,,Retraction,\n"
    )

    with pytest.raises(CommandError) as error:
        run(str(bad))

    assert str(error.value) == (
        "rw.csv: row 3: the RetractionDate 'someday' is not a date (expected like 3/21/2023 0:00)."
    )
    assert not Reference.objects.filter(retracted=True).exists()


@pytest.mark.django_db
def test_command_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match=r"^Cannot read .*missing\.csv: No such file"):
        run(str(tmp_path / "missing.csv"))
