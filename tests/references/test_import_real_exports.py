"""Whole files as EndNote, Zotero, Mendeley, JabRef and PubMed write them, imported through the
real path (import_references and the command): each reference lands with the right fields, the
same paper from two tools is recognised as one, and what cannot be read fails in one line with
nothing saved. The fixtures' records are invented (DOIs under 10.5555, PMIDs 99001xxx)."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from references.importers import bibtex, csl_json, detect_format, medline, records, ris
from references.importers.importing import COMPARED_FIELDS, Status, import_references
from references.models import Reference

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "references"


def import_fixtures(*names):
    return import_references([(name, (FIXTURES / name).read_bytes()) for name in names])


def fields(reference):
    data = reference.as_data()
    return {name: data[name] for name in EXPECTED_FIELDS}


# What import compares to tell an unchanged reference from a conflicting one.
EXPECTED_FIELDS = COMPARED_FIELDS


def expected(**values):
    """The fields of a reference, with the defaults of a field the export leaves empty."""
    defaults = {"kind": "research", "authors": [], "et_al": False, "year": None}
    defaults |= {name: "" for name in EXPECTED_FIELDS if name not in defaults}
    return defaults | values


OKONKWO = expected(
    kind="randomised_trial",
    title="Daily versus weekly vitamin D3 in care-home residents: a randomised controlled trial",
    authors=["Okonkwo AN", "Thorsen B", "Delacroix MH"],
    container="Journal of Invented Geriatrics",
    year=2019,
    volume="14",
    issue="3",
    pages="1104-1113",
    doi="10.5555/exp.2019.1104",
    pmid="99001101",
    url="https://jig.example.org/articles/1104",
)
VAN_DER_BERG = expected(
    kind="cohort_study",
    title="Calcium intake and hip fracture: a cohort study",
    authors=["van der Berg P", "Nakamura H"],
    container="Invented Bone Journal",
    year=2018,
    volume="7",
    issue="11",
    pages="e2018",
    doi="10.5555/exp.2018.e2018",
)
HARALDSDOTTIR = expected(
    kind="textbook",
    title="Clinical nutrition in later life",
    authors=["Haraldsdóttir S"],
    container="Invented Academic Press",
    year=2017,
)
MULLER = expected(
    kind="systematic_review",
    title="Vitamin D status and muscle strength in Invented cohorts: a systematic review",
    authors=["Müller J", "Dubois É", "O'Neill S"],
    container="Invented Reviews in Nutrition",
    year=2019,
    volume="12",
    issue="2",
    pages="123-130",
    doi="10.5555/exp.2019.0312",
    pmid="99001201",
    url="https://irn.example.org/0312",
)
WHO_PAGE = expected(
    kind="website",
    title="Vitamin D and older people: advice for care staff",
    authors=["World Health Organization"],
    year=2020,
    url="https://who.example.org/vitamin-d-care-staff",
)
BRENNAN = expected(
    kind="textbook",
    title="Calcium and the ageing skeleton",
    authors=["Brennan A"],
    container="Invented Handbook of Bone Health",
    year=2016,
    pages="45-67",
)
KAUR = expected(
    title="Sunlight exposure and vitamin D in night-shift workers",
    authors=["Kaur H", "Lindqvist PE"],
    container="Invented Occupational Health",
    year=2020,
    volume="31",
    issue="4",
    pages="201-209",
    doi="10.5555/exp.2020.0201",
)
PUBMED_TRIAL = expected(
    kind="randomised_trial",
    title="Vitamin D3 dosing in care homes: a randomised trial",
    authors=["Okonkwo AN", "Thorsen B", "Invented Care Home Vitamin D Trialists"],
    container="Journal of invented geriatrics",
    year=2019,
    volume="14",
    issue="2",
    pages="145-159",
    doi="10.5555/exp.2019.0145",
    pmid="99001401",
)
PUBMED_GUIDELINE = expected(
    kind="guideline",
    title="Guidance on vitamin D for older adults",
    authors=["Invented Society for Bone Health"],
    container="Invented open medicine",
    year=2021,
    volume="9",
    pages="e0012345",
    doi="10.5555/exp.2021.e0012345",
    pmid="99001402",
)
PUBMED_CHAPTER = expected(
    kind="textbook",
    title="Vitamin D Deficiency",
    authors=["Sørensen M"],
    container="InventedPearls",
    year=2024,
    pmid="99001403",
)

# (file, key the reference gets, its fields): one row per record shape the brief names.
CASES = [
    # EndNote RIS: BOM, CRLF, "TY  - JOUR   ", "ER  -", wrapped AB/N2/SN/UR, PY 2019///,
    # Y1 and DA dates, AU and A1, L1/L2, "1104-13", a bare PMID in AN with DB PubMed.
    ("endnote-windows.ris", "okonkwo2019", OKONKWO),
    # A1; the DOI in M3; ISBN and ISSN in one SN; two URLs in one UR (the first kept).
    (
        "endnote-windows.ris",
        "vanderberg2018",
        VAN_DER_BERG | {"url": "https://ibj.example.org/e2018"},
    ),
    ("endnote-windows.ris", "haraldsdottir2017", HARALDSDOTTIR),
    # From Web of Science: its "<Go to ISI>://WOS:…" link is no URL and is left out.
    ("endnote-windows.ris", "kaur2020", KAUR),
    # A publisher's RIS: a "Provider: …" header before the first record, CRLF.
    (
        "publisher-header.ris",
        "kaur2020",
        KAUR
        | {
            "authors": ["Kaur H", "Lindqvist PE"],
            "url": "https://www.invented-direct.example/science/article/pii/S3456789020000201",
        },
    ),
    # Zotero RIS: DA 2019/03//, an <i> in the title, an HTML note with the PMID, a body's name.
    ("zotero-export.ris", "muller2019", MULLER),
    ("zotero-export.ris", "worldhealthorganization2020", WHO_PAGE),
    ("zotero-export.ris", "brennan2016", BRENNAN),
    # Zotero BibTeX: {\"u}, {\'e}, month = mar, {PMID:} note, \&, {{Capitalised Words}},
    # {{World Health Organization}}, a doi.org DOI, "and others", file and urldate.
    ("zotero-export.bib", "muller_vitamin_2019", MULLER),
    (
        "zotero-export.bib",
        "world_health_organization_vitamin_2020",
        WHO_PAGE
        | {
            "kind": "guideline",
            "title": "Vitamin D & older people: Advice For Care Staff",
            "container": "World Health Organization",
        },
    ),
    (
        "zotero-export.bib",
        "bateman_inhaled_2021",
        expected(
            title="Inhaled therapy in invented asthma cohorts",
            authors=["Bateman ED", "Reddel HK"],
            et_al=True,
            container="Invented Respiratory Letters",
            year=2021,
            volume="5",
            pages="e55",
            doi="10.5555/exp.2021.0055",
            url="https://doi.org/10.5555/exp.2021.0055",
        ),
    ),
    # Zotero BibLaTeX: journaltitle, date = {2019-03}, eprinttype = {pmid}, Unicode names.
    ("zotero-export-biblatex.bib", "muller_vitamin_2019", MULLER),
    ("zotero-export-biblatex.bib", "world_health_organization_vitamin_2020", WHO_PAGE),
    ("zotero-export-biblatex.bib", "brennan_calcium_2016", BRENNAN),
    # Mendeley: a header of plain text, {\'{e}}, pmid field, two URLs joined by {\%}0A.
    ("mendeley-export.bib", "Okonkwo2019", OKONKWO),
    ("mendeley-export.bib", "Haraldsdottir2017", HARALDSDOTTIR),
    # JabRef: @String used in a field and with #, @ARTICLE, keys with colons, file fields,
    # a trailing comma, @Comment{jabref-meta: …} (no keywords: research, and no PMID).
    (
        "jabref-library.bib",
        "Okonkwo:2019:DailyWeekly",
        OKONKWO | {"kind": "research", "pmid": "", "url": ""},
    ),
    ("jabref-library.bib", "vanderBerg:2018", VAN_DER_BERG),
    ("jabref-library.bib", "Brennan:2016", BRENNAN),
    # Zotero CSL-JSON: string date-parts, doi.org DOI, container-title-short, an item URI as id.
    ("zotero-export.json", "muller2019", MULLER | {"kind": "research"}),
    # A numeric id, "raw" date, a literal author, "doi:" DOI, a number for the volume.
    (
        "zotero-export.json",
        "bateman2021",
        expected(
            title="Inhaled therapy in invented asthma cohorts",
            authors=["Bateman ED", "Invented Asthma Study Group"],
            container="Invented Respiratory Letters",
            year=2021,
            volume="5",
            pages="e55",
            doi="10.5555/exp.2021.0055",
        ),
    ),
    # A "literal" date ("Spring 2019"); a report with its publisher as source.
    (
        "zotero-export.json",
        "worldhealthorganization2019",
        WHO_PAGE | {"kind": "guideline", "year": 2019, "container": "World Health Organization"},
    ),
    # "citation-key" wins over id; "45–67" with an en dash; the PMID in the note.
    ("zotero-export.json", "brennan2016calcium", BRENNAN | {"pmid": "99001301"}),
    # PubMed XML: MedlineDate, CollectiveName, ELocationID doi, structured abstract,
    # ArticleIdList (not the ReferenceList's), a pii article number, a Bookshelf chapter.
    ("pubmed-export.xml", "pmid99001401", PUBMED_TRIAL),
    ("pubmed-export.xml", "pmid99001402", PUBMED_GUIDELINE),
    ("pubmed-export.xml", "pmid99001403", PUBMED_CHAPTER),
    # PubMed text (.nbib): the same two articles, "145-59", "[doi]" identifiers, CN, wrapped TI.
    ("pubmed-medline.nbib", "pmid99001401", PUBMED_TRIAL),
    ("pubmed-medline.nbib", "pmid99001402", PUBMED_GUIDELINE),
    ("pubmed-medline.nbib", "pmid99001403", PUBMED_CHAPTER),  # TI in BTI; ED is no author
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "key", "values"), CASES, ids=lambda value: str(value)[:40])
def test_a_real_export_imports_each_reference_with_its_fields(name, key, values):
    report = import_fixtures(name)

    assert not report.failed, report.lines()
    assert report.counts()[Status.REJECTED] == 0
    assert fields(Reference.objects.get(key=key)) == values


@pytest.mark.django_db
def test_the_command_imports_every_real_export_in_one_run():
    names = sorted({name for name, _, _ in CASES})
    stdout = io.StringIO()

    call_command("import_references", *(str(FIXTURES / n) for n in names), stdout=stdout)

    lines = stdout.getvalue().splitlines()
    assert "endnote-windows.ris (RIS): 4 created, 0 unchanged, 0 conflicting, 0 rejected." in lines
    assert (
        "pubmed-medline.nbib (PubMed text): 0 created, 3 unchanged, 0 conflicting, 0 rejected."
        in lines
    )
    assert not any("FAILED" in line for line in lines), lines
    assert lines[-1].startswith("Total: ")


# The same paper exported by two tools is one reference.


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("first", "second", "record"),
    [
        ("mendeley-export.bib", "endnote-windows.ris", 0),  # "1104-13" and a bare AN PMID
        ("zotero-export.bib", "zotero-export-biblatex.bib", 0),  # eprinttype = {pmid}
        ("zotero-export.bib", "zotero-export.ris", 0),  # <i> in the RIS title
        ("pubmed-export.xml", "pubmed-medline.nbib", 0),
        ("pubmed-export.xml", "pubmed-medline.nbib", 1),
        ("pubmed-export.xml", "pubmed-medline.nbib", 2),  # a Bookshelf chapter
    ],
)
def test_the_same_paper_from_another_tool_is_unchanged_not_conflicting(first, second, record):
    import_fixtures(first)

    outcome = import_fixtures(second).files[0].outcomes[record]

    assert outcome.status == Status.UNCHANGED, outcome.message


# What cannot be read: one line naming the file and record, nothing saved.


@pytest.mark.django_db
def test_endnote_file_whose_last_record_has_no_er_line_imports_nothing():
    report = import_fixtures("endnote-no-final-er.ris")

    assert report.failed
    assert report.lines()[:2] == [
        "endnote-no-final-er.ris (RIS): FAILED, nothing imported.",
        "  rejected: record 4: starts on line 67 but the file ends before its 'ER  -' line.",
    ]
    assert Reference.objects.count() == 0  # records 1 to 3 were complete, and are not saved


@pytest.mark.django_db
def test_command_names_the_file_whose_last_record_is_cut_short():
    stdout = io.StringIO()

    with pytest.raises(CommandError) as error:
        call_command(
            "import_references",
            str(FIXTURES / "endnote-no-final-er.ris"),
            str(FIXTURES / "zotero-export.ris"),
            stdout=stdout,
        )

    assert str(error.value) == (
        "1 file imported nothing: endnote-no-final-er.ris. "
        "The report above says which record and why."
    )
    assert "  rejected: record 4: starts on line 67" in stdout.getvalue()
    assert Reference.objects.count() == 3  # the other file still imported


@pytest.mark.django_db
def test_pubmed_text_with_a_line_that_is_not_a_tag_imports_nothing():
    data = (FIXTURES / "pubmed-medline.nbib").read_bytes().replace(b"TI  - Guidance", b"Guidance")

    report = import_references([("broken.nbib", data)])

    assert report.failed
    assert report.files[0].outcomes[0].source_label == "record 2"
    assert report.files[0].error.startswith("record 2: line 47 is not PubMed text format")
    assert Reference.objects.count() == 0


def test_pubmed_text_record_must_start_with_its_pmid():
    with pytest.raises(records.ImportFormatError, match=r"^record 1: starts on line 1 with TI"):
        medline.parse(b"TI  - A title\nPMID- 1\n")


# Details of the shapes, read by the parsers alone.


def test_pubmed_text_is_recognised_by_its_content_when_saved_as_txt():
    data = (FIXTURES / "pubmed-medline.nbib").read_bytes()

    assert detect_format("pubmed-vitaminD-set.txt", data).name == "medline"


@pytest.mark.parametrize(
    ("pages", "normalised"),
    [
        ("1104-13", "1104-1113"),
        ("145-59", "145-159"),
        ("1123--1130", "1123-1130"),
        ("45–67", "45-67"),
        ("e123-e130", "e123-e130"),
        ("99-101", "99-101"),
        ("e55", "e55"),
        ("S12-5", "S12-5"),  # not plain numbers: left as written
    ],
)
def test_pages_are_written_out_in_full(pages, normalised):
    assert records.normalise_pages(pages) == normalised


def test_ris_bare_accession_number_is_a_pmid_only_when_the_record_came_from_pubmed():
    record = b"TY  - JOUR\nTI  - T\nAN  - 99001101\n%sER  - \n"

    assert ris.parse(record % b"DB  - PubMed\n")[0].pmid == "99001101"
    assert ris.parse(record % b"DP  - NLM\n")[0].pmid == "99001101"
    assert ris.parse(record % b"DB  - Scopus\n")[0].pmid == ""
    assert ris.parse(record % b"")[0].pmid == ""


def test_ris_doi_in_m3_is_read_only_when_do_is_missing():
    record = b"TY  - JOUR\nTI  - T\n%sM3  - doi: 10.5555/m3\nER  - \n"

    assert ris.parse(record % b"")[0].doi == "10.5555/m3"
    assert ris.parse(record % b"DO  - 10.5555/do\n")[0].doi == "10.5555/do"
    assert ris.parse(b"TY  - JOUR\nTI  - T\nM3  - Journal Article\nER  - \n")[0].doi == ""


def test_mendeley_urls_joined_by_an_encoded_line_break_keep_the_first_with_a_warning():
    okonkwo = bibtex.parse((FIXTURES / "mendeley-export.bib").read_bytes())[0]

    assert okonkwo.url == "https://jig.example.org/articles/1104"
    assert okonkwo.warnings == (
        "the record has 2 URLs; only the first is kept: https://jig.example.org/articles/1104",
    )


@pytest.mark.parametrize(
    ("title", "stripped"),
    [
        ("In <i>vivo</i> and <b>bold</b>", "In vivo and bold"),
        ("Vitamin D<sub>3</sub> and Ca<sup>2+</sup>", "Vitamin D3 and Ca2+"),
        ('<span class="nocase">mRNA</span> in <sc>Aids</sc>', "mRNA in Aids"),
        ("p<0.05 in <5% of cases", "p<0.05 in <5% of cases"),
        ("<script>x</script>", "<script>x</script>"),  # not rich text: kept as written
    ],
)
def test_zotero_rich_text_tags_are_dropped_from_titles(title, stripped):
    assert records.strip_rich_text(title) == stripped


@pytest.mark.parametrize(
    ("item", "key", "generated"),
    [
        ({"id": 1}, "title2019", True),
        ({"id": "17"}, "title2019", True),
        ({"id": "smith2019"}, "smith2019", False),
        ({"id": 1, "citation-key": "smith2019"}, "smith2019", False),
        ({"id": "http://zotero.org/users/1/items/AB", "citation-key": "k"}, "k", False),
    ],
)
def test_csl_numeric_ids_are_not_keys_and_citation_key_wins(item, key, generated):
    data = [{**item, "title": "Title", "issued": {"date-parts": [[2019]]}}]

    record = csl_json.parse(str(data).replace("'", '"').encode())[0]

    assert (record.key, record.key_generated) == (key, generated)


@pytest.mark.django_db
def test_two_csl_files_numbering_their_items_from_1_do_not_collide():
    first = b'[{"id": 1, "title": "Falls in care homes", "issued": {"raw": "2019"}}]'
    second = b'[{"id": 1, "title": "Hip protectors", "issued": {"raw": "2020"}}]'

    report = import_references([("a.json", first), ("b.json", second)])

    assert report.counts()[Status.CREATED] == 2, report.lines()


def test_ris_header_before_the_first_record_is_skipped_but_text_later_is_not():
    header = b"Provider: Invented Publisher\nContent: text/plain\n\n"
    record = b"TY  - JOUR\nTI  - T\nER  - \n"

    assert ris.parse(header + record)[0].title == "T"
    with pytest.raises(records.ImportFormatError, match=r"^line 4 is not RIS"):
        ris.parse(record + header)
    with pytest.raises(records.ImportFormatError, match=r"has no RIS records"):
        ris.parse(header)


@pytest.mark.parametrize(
    ("field", "url"),
    [
        ("<Go to ISI>://WOS:000999999900012", ""),
        ("<Go to ISI>://WOS:000999999900012 https://a.example/1", "https://a.example/1"),
        ("internal-pdf://0123/paper.pdf", ""),
    ],
)
def test_endnote_links_that_only_endnote_opens_are_left_out(field, url):
    record = ris.parse(f"TY  - JOUR\nTI  - T\nUR  - {field}\nER  - \n".encode())[0]

    assert (record.url, record.warnings) == (url, ())


def test_crossref_csl_names_a_body_with_name():
    data = b'[{"id": "x", "title": "T", "author": [{"name": "Invented Trialists"}]}]'

    assert csl_json.parse(data)[0].authors == ("Invented Trialists",)


def test_pubmed_text_records_without_a_blank_line_between_them_stay_apart():
    data = b"PMID- 1\nTI  - First.\nPMID- 2\nTI  - Second.\n"

    assert [(r.pmid, r.title) for r in medline.parse(data)] == [("1", "First"), ("2", "Second")]


def test_ris_page_range_split_over_sp_and_ep_is_written_out():
    data = b"TY  - JOUR\nTI  - T\nSP  - 1104\nEP  - 13\nER  - \n"

    assert ris.parse(data)[0].pages == "1104-1113"
