"""Files as exporters really write them: RIS with one-space tags, numbered records and several
URLs in a field; BibTeX keys that cannot be cited as written; a PMID in a Zotero note."""

from pathlib import Path

import pytest

from references.importers import bibtex, detect_format, ris
from references.importers.importing import Status, import_references
from references.models import Reference

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "references"


def parse(name):
    data = (FIXTURES / name).read_bytes()
    return detect_format(name, data).parse(data)


def import_fixture(name):
    return import_references([(name, (FIXTURES / name).read_bytes())])


# RIS


def test_ris_with_single_space_tags_and_numbered_records_is_read():
    trial, guideline = parse("numbered-single-space.ris")

    assert (trial.key, trial.kind, trial.authors) == (
        "eriksen2020falls",
        Reference.Kind.RANDOMISED_TRIAL,
        ("Eriksen M", "Lund PK"),
    )
    assert (trial.year, trial.pages, trial.doi) == (2020, "12-19", "10.5555/njic.2020.012")
    assert (guideline.kind, guideline.title) == (
        Reference.Kind.GUIDELINE,
        "Preventing falls in older adults at home",
    )


def test_ris_without_a_telling_extension_is_recognised_with_single_spaces_and_numbers():
    data = (FIXTURES / "numbered-single-space.ris").read_bytes()

    assert detect_format("export.txt", data).name == "ris"


def test_ris_field_with_several_urls_keeps_the_first_and_says_so():
    trial = parse("numbered-single-space.ris")[0]

    assert trial.url == "https://njic.example.org/articles/012"
    assert trial.warnings == (
        "the record has 2 URLs; only the first is kept: https://njic.example.org/articles/012",
    )


def test_ris_url_with_a_semicolon_inside_stays_whole():
    data = b"TY  - WEB\nTI  - Page\nUR  - https://example.org/page;jsessionid=1\nER  - \n"

    assert ris.parse(data)[0].url == "https://example.org/page;jsessionid=1"


def test_ris_number_inside_a_record_is_still_a_continuation_line():
    data = b"1. TY  - JOUR\nTI  - Vitamin D, part\n2.\nER  - \n"

    assert ris.parse(data)[0].title == "Vitamin D, part 2."


@pytest.mark.django_db
def test_numbered_single_space_ris_imports_with_the_url_warning_in_the_report():
    report = import_fixture("numbered-single-space.ris")

    assert report.counts()[Status.CREATED] == 2, report.lines()
    assert Reference.objects.get(key="eriksen2020falls").url == (
        "https://njic.example.org/articles/012"
    )
    assert (
        "  warning: record 1 (ID eriksen2020falls): the record has 2 URLs; only the first is "
        "kept: https://njic.example.org/articles/012"
    ) in report.lines()


# Keys that cannot be cited as written


@pytest.mark.django_db
def test_uncitable_keys_get_a_generated_key_and_keep_the_original_as_alias():
    report = import_fixture("zotero-dblp.bib")

    assert not report.failed, report.lines()
    dblp = Reference.objects.get(alias="DBLP:ms/Hoffmann2008")
    doi_keyed = Reference.objects.get(alias="10.5555/jin.2013.0451")
    assert (dblp.key, doi_keyed.key) == ("hoffmann2008", "lindgren2013")
    outcome = report.files[0].outcomes[0]
    assert (outcome.status, outcome.key) == (Status.CREATED, "hoffmann2008")
    assert "the key 'DBLP:ms/Hoffmann2008' cannot be cited as written" in outcome.message


@pytest.mark.django_db
def test_reimporting_a_file_with_uncitable_keys_finds_the_references_by_their_alias():
    import_fixture("zotero-dblp.bib")

    report = import_fixture("zotero-dblp.bib")

    assert report.counts()[Status.UNCHANGED] == 3, report.lines()
    assert Reference.objects.count() == 3


@pytest.mark.django_db
def test_changed_record_under_an_uncitable_key_is_conflicting_not_a_new_reference():
    import_fixture("zotero-dblp.bib")
    data = (
        b"@inproceedings{DBLP:ms/Hoffmann2008, author = {Hoffmann, Klara}, "
        b"title = {Decision support, revised}, year = {2008}}"
    )

    report = import_references([("again.bib", data)])

    [outcome] = report.files[0].outcomes
    assert outcome.status == Status.CONFLICTING
    assert outcome.message.startswith(
        "same original key DBLP:ms/Hoffmann2008 as [@hoffmann2008] in the library"
    )


@pytest.mark.django_db
def test_a_key_too_long_even_for_an_alias_is_rejected():
    data = f"@article{{{'x/' * 130}, title = {{T}}}}".encode()

    report = import_references([("long.bib", data)])

    assert report.failed
    assert "the key is longer than 255 characters" in report.files[0].outcomes[0].message


# A PMID in a note


def test_zotero_pmid_note_gives_the_pmid():
    assert parse("zotero-dblp.bib")[2].pmid == "99000701"


@pytest.mark.parametrize(
    ("note", "pmid"),
    [
        ("{PMID:} 23439512", "23439512"),
        ("PMID: 23439512", "23439512"),
        ("{PMCID:} PMC123 {PMID:} 23439512", "23439512"),
        ("{PMCID:} PMC123", ""),
        ("Accession 23439512", ""),
    ],
)
def test_bibtex_notes_give_only_a_labelled_pmid(note, pmid):
    data = f"@article{{k, title = {{T}}, note = {{{note}}}}}".encode()

    assert bibtex.parse(data)[0].pmid == pmid


@pytest.mark.django_db
def test_pmid_from_a_zotero_note_finds_the_reference_already_in_the_library():
    Reference.objects.create(key="magnusson2013", title="Old title", pmid="99000701")

    report = import_fixture("zotero-dblp.bib")

    outcome = report.files[0].outcomes[2]
    assert (outcome.status, outcome.key) == (Status.CONFLICTING, "magnusson2013")
    assert outcome.message.startswith("same PMID 99000701 as [@magnusson2013]")
