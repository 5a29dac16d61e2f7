"""Reference import: the four parsers (without a database), importing into the library, and
`manage.py import_references`."""

import io
import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError, OutputWrapper
from reversion.models import Revision, Version

from references.citations import format_reference_text
from references.csl import to_csl
from references.importers import (
    FORMATS,
    ImportFormatError,
    bibtex,
    csl_json,
    detect_format,
    pubmed,
    records,
    ris,
)
from references.importers.importing import (
    InvalidRecord,
    Status,
    import_references,
    validate_record,
)
from references.importers.latex import Converted, latex_to_unicode
from references.importers.records import Record
from references.management.commands.import_references import TerminalProgress
from references.models import Reference
from tests import factories
from tests.processes import run_manage

PROJECT_DIR = Path(__file__).resolve().parents[2]
FIXTURES = PROJECT_DIR / "tests" / "fixtures" / "references"
GOOD_FIXTURES = ["vitamin-d.ris", "bone-health.bib", "calcium.json", "osteoporosis-pubmed.xml"]
Kind = Reference.Kind


def fixture(name):
    return FIXTURES / name


def parse_fixture(name):
    data = fixture(name).read_bytes()
    return detect_format(name, data).parse(data)


def import_fixtures(*names, **options):
    return import_references(
        [(name, fixture(name).read_bytes()) for name in names],
        user=options.pop("user", None),
        **options,
    )


# A PubMed journal article in the shape efetch returns it (invented data).
PUBMED_ARTICLE = b"""<?xml version="1.0" ?>
<PubmedArticleSet>
<PubmedArticle>
  <MedlineCitation Status="MEDLINE" Owner="NLM">
    <PMID Version="1">99000901</PMID>
    <Article PubModel="Electronic">
      <Journal><Title>Medicine of Invented Studies</Title>
        <JournalIssue CitedMedium="Internet"><Volume>102</Volume><Issue>1</Issue>
          <PubDate><Year>2023</Year><Month>Jan</Month></PubDate></JournalIssue>
      </Journal>
      <ArticleTitle>Vitamin D in invented patients.</ArticleTitle>
      <ELocationID EIdType="pii" ValidYN="Y">e42692</ELocationID>
      <ELocationID EIdType="doi" ValidYN="Y">10.5555/mis.2023.42692</ELocationID>
      <AuthorList CompleteYN="Y">
        <Author ValidYN="Y"><LastName>Jonsdottir</LastName><ForeName>Anna B</ForeName>
          <Initials>AB</Initials></Author>
      </AuthorList>
      <PublicationTypeList>
        <PublicationType UI="D016428">Journal Article</PublicationType>
      </PublicationTypeList>
    </Article>
  </MedlineCitation>
</PubmedArticle>
</PubmedArticleSet>
"""


def by_label(parsed):
    return {record.source_label: record for record in parsed}


# Parsers: RIS


def test_ris_fixture_parses_into_records_with_kinds_authors_and_identifiers():
    parsed = parse_fixture("vitamin-d.ris")

    assert [record.kind for record in parsed] == [
        Kind.RANDOMISED_TRIAL,
        Kind.SYSTEMATIC_REVIEW,
        Kind.TEXTBOOK,
        Kind.WEBSITE,
        Kind.GUIDELINE,
    ]
    trial = parsed[0]
    assert trial.source_label == "record 1 (ID odegard2021falls)"
    assert trial.key == "odegard2021falls" and not trial.key_generated
    assert trial.authors == ("Ødegård KM", "Lindqvist PE", "O'Brien S")
    assert trial.container == "Journal of Clinical Bone Research"
    assert (trial.year, trial.volume, trial.issue, trial.pages) == (2021, "36", "6", "1104-1113")
    assert trial.doi == "https://doi.org/10.5555/JCBR.2021.1104"  # normalised on import
    assert trial.pmid == "99000101"
    assert parsed[2].container == "Northbridge Medical Press"  # a book's source is its publisher
    assert parsed[3].authors == ("Bone Health Foundation",)


def test_ris_record_without_an_id_gets_a_generated_author_year_key():
    book = parse_fixture("vitamin-d.ris")[2]

    assert book.source_label == "record 3"
    assert (book.key, book.key_generated) == ("hartmann2019", True)


def test_ris_untagged_line_continues_the_value_above():
    data = b"TY  - JOUR\nTI  - Vitamin D and\n   falls in care homes\nER  - \n"

    assert ris.parse(data)[0].title == "Vitamin D and falls in care homes"


def test_ris_pmid_is_read_only_from_an_explicit_pmid_note():
    data = b"TY  - JOUR\nTI  - A\nAN  - 12345678\nN1  - PMID: 99000111\nER  - \n"

    assert ris.parse(data)[0].pmid == "99000111"
    assert ris.parse(b"TY  - JOUR\nTI  - A\nAN  - 12345678\nER  - \n")[0].pmid == ""


# Parsers: BibTeX


def test_bibtex_fixture_parses_into_records_with_kinds_authors_and_identifiers():
    parsed = parse_fixture("bone-health.bib")

    assert [record.key for record in parsed] == [
        "muller2022calcium",
        "ashworth2020osteo",
        "ibha2023patients",
        "nbhs2024prevention",
        "chen2019cohort",
    ]
    assert [record.kind for record in parsed] == [
        Kind.META_ANALYSIS,
        Kind.TEXTBOOK,
        Kind.WEBSITE,
        Kind.GUIDELINE,
        Kind.COHORT_STUDY,
    ]
    meta = parsed[0]
    assert meta.authors == ("Müller J", "García-López MJ", "van der Berg A")
    assert meta.title == (
        "Calcium and vitamin D supplementation and hip fracture: "
        "a meta-analysis of randomised trials"
    )
    assert meta.container == "Journal of Bone Metabolism Research"  # from @string
    assert (meta.year, meta.volume, meta.issue, meta.pages) == (2022, "37", "4", "612-624")
    assert (meta.doi, meta.pmid) == ("10.5555/JBMR.2022.0612", "99000201")
    assert parsed[1].authors == ("Ashworth HR", "Østergaard S")
    assert parsed[2].url == "https://bonealliance.example.org/patients/vitamin_d"
    assert parsed[3].issue == ""  # a report's number is not a journal issue
    assert parsed[4].authors == ("Chen W", "Okafor CE", "Smith R Jr")
    assert parsed[4].year == 2019  # from BibLaTeX's date


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        (r"M{\"u}ller", "Müller"),
        (r"M\"uller", "Müller"),
        (r"{\'E}mile", "Émile"),
        (r"Garc\'{\i}a", "García"),
        (r"Fran\c{c}ois", "François"),
        (r"\v{S}koda", "Škoda"),
        (r"Pe\~na", "Peña"),
        (r"{\O}stergaard", "Østergaard"),
        (r"Stra{\ss}e", "Straße"),
        (r"{\AA}se", "Åse"),
        (r"Bone \& joint: 50\% of \$5", "Bone & joint: 50% of $5"),
        (r"{V}itamin {D} in \emph{older} adults", "Vitamin D in older adults"),
        (r"25(OH)D$_3$ levels", "25(OH)D3 levels"),
        ("pages 1--2 --- done", "pages 1\u20132 \u2014 done"),
        ("A~B", "A B"),
        (
            r"TNF-$\alpha$ and IL-1{$\beta$} in {$\gamma$}-irradiated mice: a {\textbeta}-blocker",
            "TNF-\u03b1 and IL-1\u03b2 in \u03b3-irradiated mice: a \u03b2-blocker",
        ),
        (r"$\Sigma^{0}$", "\u03a30"),
        (r"Gu{\dh}mundsd{\'o}ttir", "Gu\u00f0mundsd\u00f3ttir"),
        (r"{\th}ora {\TH}{\'o}ra {\DH}", "\u00feora \u00de\u00f3ra \u00d0"),
        (r"D\textquotesingle aspremont", "D'aspremont"),
        (r"{\textOmega} and \textmu g", "\u03a9 and \u00b5g"),
        (r"p\textless{}0.05", "p<0.05"),
        (r"\ensuremath{\alpha}-synuclein", "\u03b1-synuclein"),
    ],
)
def test_bibtex_latex_accents_symbols_greek_and_math_become_plain_unicode(latex, text):
    assert latex_to_unicode(latex) == Converted(text)


@pytest.mark.parametrize(
    ("latex", "text", "unconverted"),
    [
        (
            r"Dose in \mycustomunit{mg} per kg",
            r"Dose in \mycustomunit{mg} per kg",
            (r"\mycustomunit",),
        ),
        (r"\foo{a}{b} and \foo x", r"\foo{a}{b} and \foo x", (r"\foo",)),
    ],
)
def test_latex_commands_without_unicode_are_kept_as_written_and_named(latex, text, unconverted):
    assert latex_to_unicode(latex) == Converted(text, unconverted)


def test_bibtex_greek_and_icelandic_letters_survive_in_titles_and_authors():
    parsed = parse_fixture("greek-icelandic.bib")

    trial, sigma, _ = parsed
    assert trial.title == (
        "TNF-\u03b1 and IL-1\u03b2 in \u03b3-irradiated mice: a \u03b2-blocker trial"
    )
    assert trial.authors == (
        "Gu\u00f0mundsd\u00f3ttir \u00de",
        "\u00deorsteinsson G",
        "D'aspremont A",
    )
    assert sigma.title == "Decay of the \u03a30 hyperon measured at \u00deingvellir"
    assert sigma.authors == ("Sveinsson \u00de",)
    assert trial.warnings == sigma.warnings == ()


def test_bibtex_record_with_unconvertible_latex_imports_with_a_warning_in_the_report(db):
    report = import_fixtures("greek-icelandic.bib")

    assert not report.failed
    assert report.counts()[Status.CREATED] == 3
    warned = report.files[0].outcomes[2]
    assert warned.warnings == (
        r"the title keeps \mycustomunit as written: no Unicode character stands for it",
    )
    assert "warning: the title keeps \\mycustomunit" in warned.message  # the admin's column
    assert Reference.objects.get(key="unknown2022macro").title == (
        r"Dose response in \mycustomunit{mg} per kilogram"
    )
    assert (
        r"  warning: record 3 (key unknown2022macro): the title keeps \mycustomunit as written: "
        "no Unicode character stands for it"
    ) in report.lines()


@pytest.mark.parametrize(
    ("authors", "names"),
    [
        ("Smith, John A.", ("Smith JA",)),
        ("John A. Smith", ("Smith JA",)),
        ("Ludwig van Beethoven", ("van Beethoven L",)),
        ("van Beethoven, Ludwig", ("van Beethoven L",)),
        ("Smith, Jr., John", ("Smith J Jr",)),
        ("{World Health Organization}", ("World Health Organization",)),
        (r"M{\"u}ller, J{\"o}rg and Doe, Jane", ("Müller J", "Doe J")),
        ("Smith, John and {Barnes and Noble} and others", ("Smith J", "Barnes and Noble")),
        ("Jean-Pierre Dupont AND Anna Karlsson", ("Dupont JP", "Karlsson A")),
    ],
)
def test_bibtex_names_in_every_form_become_family_and_initials(authors, names):
    data = f"@article{{k, title={{T}}, author={{{authors}}}}}".encode()

    assert bibtex.parse(data)[0].authors == names


def test_bibtex_and_others_is_kept_as_et_al_after_the_named_authors():
    meta = parse_fixture("bone-health.bib")[0]
    consortium = parse_fixture("asthma-and-others.bib")[0]

    assert consortium.authors == ("Bateman ED", "Reddel HK")
    assert consortium.et_al
    assert not meta.et_al


@pytest.mark.django_db
def test_imported_and_others_ends_the_reference_list_entry_with_et_al():
    import_fixtures("asthma-and-others.bib")

    data = Reference.objects.get(key="bateman2019asthma").as_data()

    assert data["et_al"] is True
    assert format_reference_text(data).startswith("Bateman ED, Reddel HK, et al. As-needed")


def test_pubmed_author_list_marked_incomplete_is_et_al():
    data = PUBMED_ARTICLE.replace(b'<AuthorList CompleteYN="Y">', b'<AuthorList CompleteYN="N">')

    assert pubmed.parse(data)[0].et_al
    assert not pubmed.parse(PUBMED_ARTICLE)[0].et_al


def test_bibtex_abbreviations_concatenation_and_parenthesised_entries_are_read():
    data = (
        b'@string{jbr = "Journal of Bone"}\n'
        b'@article(k, title = "Vitamin " # {D}, journal = jbr # " Research", year = 2020)\n'
    )

    record = bibtex.parse(data)[0]

    assert (record.title, record.container, record.year) == (
        "Vitamin D",
        "Journal of Bone Research",
        2020,
    )


def test_bibtex_text_outside_entries_and_comment_entries_are_ignored():
    data = (
        b'Mail a@b.org about this.\n@comment{ignore {this} }\n@preamble{"x"}\n@misc{k, title={T}}'
    )

    parsed = bibtex.parse(data)

    assert [record.source_label for record in parsed] == ["record 1 (key k)"]


def test_bibtex_misc_entry_with_only_a_url_is_a_website():
    data = b"@misc{k, title={A page}, url={https://example.org/a}}"

    assert bibtex.parse(data)[0].kind == Kind.WEBSITE


# Parsers: CSL-JSON


def test_csl_json_fixture_parses_into_records_with_kinds_authors_and_identifiers():
    parsed = parse_fixture("calcium.json")

    assert [record.kind for record in parsed] == [
        Kind.RANDOMISED_TRIAL,
        Kind.TEXTBOOK,
        Kind.WEBSITE,
        Kind.GUIDELINE,
        Kind.SYSTEMATIC_REVIEW,
    ]
    trial = parsed[0]
    assert trial.authors == ("Patel A", "Dubois JL", "van den Berg L")
    assert (trial.year, trial.volume, trial.issue, trial.pages) == (2021, "36", "3", "401-412")
    assert (trial.doi, trial.pmid) == ("10.5555/JCBR.2021.401", "99000301")
    assert parsed[2].authors == ("Bone Health Foundation",)
    assert parsed[2].year == 2024  # from a "raw" date
    assert parsed[3].container == "Society for Metabolic Bone Disease"  # publisher stands in


def test_csl_json_zotero_item_uri_is_not_taken_as_a_key():
    book = parse_fixture("calcium.json")[1]

    assert book.source_label.startswith("record 2 (id http://zotero.org/")
    assert (book.key, book.key_generated) == ("lindstrom2018", True)


def test_csl_json_item_with_a_field_of_the_wrong_shape_is_refused_naming_the_item():
    data = b'[{"id": "a", "title": "A"}, {"id": "b", "title": {"text": "B"}}]'

    with pytest.raises(ImportFormatError) as error:
        csl_json.parse(data)

    assert str(error.value) == "record 2 (id b): has a 'title' that is an object, not text."


def test_csl_json_item_that_is_not_an_object_is_refused():
    with pytest.raises(ImportFormatError, match=r"^record 2: is text, not an object"):
        csl_json.parse(b'[{"id": "a", "title": "A"}, "b"]')


def test_deeply_nested_json_is_refused_rather_than_crashing():
    with pytest.raises(ImportFormatError, match="not"):
        csl_json.parse(b"[" * 200_000 + b"]" * 200_000)


# Parsers: PubMed XML


def test_pubmed_fixture_parses_into_records_with_kinds_authors_and_identifiers():
    parsed = parse_fixture("osteoporosis-pubmed.xml")

    assert [record.key for record in parsed] == [f"pmid9900040{n}" for n in range(1, 6)]
    assert all(record.key_generated for record in parsed)
    assert [record.kind for record in parsed] == [
        Kind.RANDOMISED_TRIAL,
        Kind.META_ANALYSIS,
        Kind.GUIDELINE,
        Kind.COHORT_STUDY,
        Kind.TEXTBOOK,
    ]
    trial = parsed[0]
    assert trial.source_label == "record 1 (PMID 99000401)"
    # Inline markup kept as text; MEDLINE's closing full stop dropped.
    assert trial.title == (
        "Weekly versus daily vitamin D3 in older adults with osteopenia: "
        "a randomized controlled trial"
    )
    assert trial.authors == ("Fernández L", "Okonkwo EJ", "Svensson AK 2nd")
    assert (trial.container, trial.year, trial.volume, trial.issue, trial.pages) == (
        "Journal of Bone Metabolism Research",
        2022,
        "37",
        "5",
        "881-890",
    )
    assert (trial.doi, trial.pmid) == ("10.5555/JBMR.2022.0881", "99000401")
    assert parsed[2].authors == (
        "Society for Metabolic Bone Disease Guideline Group",
        "Whitfield M",
    )
    assert parsed[3].year == 2019  # from <MedlineDate>2019 Nov-Dec</MedlineDate>
    assert parsed[4].container == "BoneBook: Clinical Reviews"


def test_pubmed_takes_the_articles_own_doi_not_one_from_its_reference_list():
    assert parse_fixture("osteoporosis-pubmed.xml")[1].doi == "10.5555/ORR.2021.145"


def test_pubmed_leaves_out_authors_marked_invalid():
    assert parse_fixture("osteoporosis-pubmed.xml")[1].authors == ("Al-Rashid S", "de Souza MA")


def test_pubmed_expands_medline_page_shorthand():
    parsed = parse_fixture("osteoporosis-pubmed.xml")

    assert (parsed[1].pages, parsed[3].pages) == ("145-159", "1123-1130")


def test_pubmed_whole_book_keeps_its_authors_and_publisher():
    book = parse_fixture("pubmed-book.xml")[0]

    assert book.title == "Vitamin D Across the Life Course"
    assert book.authors == ("Einarsdottir K", "Moreau JL")
    assert book.container == "Northbridge Medical Press"
    assert (book.kind, book.year, book.doi) == (Kind.TEXTBOOK, 2022, "10.5555/nmp.2022.book")


def test_pubmed_chapter_keeps_its_own_authors_not_the_books_editors():
    chapter = parse_fixture("pubmed-book.xml")[1]

    assert chapter.authors == ("Okonkwo I",)
    assert chapter.container == "BoneBook: Clinical Reviews"


def test_pubmed_article_number_fills_pages_when_there_are_none():
    parsed = parse_fixture("pubmed-book.xml")

    assert parsed[2].pages == "e42692"
    assert parsed[3].pages == ""  # a pii like S0140-6736(23)00001-5 is not an article number


def test_pubmed_pagination_wins_over_the_article_number():
    data = PUBMED_ARTICLE.replace(
        b"<ELocationID", b"<Pagination><MedlinePgn>15-9</MedlinePgn></Pagination><ELocationID", 1
    )

    assert pubmed.parse(data)[0].pages == "15-19"


@pytest.mark.django_db
def test_pubmed_book_imports_with_authors_publisher_and_article_number():
    report = import_fixtures("pubmed-book.xml")

    assert report.counts()[Status.CREATED] == 4, report.lines()
    book = Reference.objects.get(pmid="99000501")
    assert (book.author_list, book.container) == (
        ["Einarsdottir K", "Moreau JL"],
        "Northbridge Medical Press",
    )
    assert Reference.objects.get(pmid="99000503").pages == "e42692"


def test_xml_that_is_not_pubmed_is_refused():
    with pytest.raises(ImportFormatError, match=r"document is <feed>, expected <PubmedArticleSet>"):
        pubmed.parse(b"<feed><entry/></feed>")


# Shared rules


@pytest.mark.parametrize(
    ("types", "kind"),
    [
        (["Journal Article", "Practice Guideline"], Kind.GUIDELINE),
        (["Review", "Systematic Review", "Meta-Analysis"], Kind.META_ANALYSIS),
        (["Review", "Systematic Review"], Kind.SYSTEMATIC_REVIEW),
        (["Journal Article", "Randomized Controlled Trial"], Kind.RANDOMISED_TRIAL),
        (["Observational Study"], Kind.COHORT_STUDY),
        (["Review"], Kind.REVIEW),
        (["Journal Article", "Case Reports"], None),
        (["  randomized   CONTROLLED trial "], Kind.RANDOMISED_TRIAL),
    ],
)
def test_publication_types_choose_the_most_specific_kind(types, kind):
    assert records.kind_from_publication_types(types) == kind


@pytest.mark.parametrize(
    ("lines", "kind"),
    [
        ("M3  - Journal Article; Meta-Analysis", Kind.META_ANALYSIS),  # EndNote's type field
        ("KW  - Systematic Review; vitamin D", Kind.SYSTEMATIC_REVIEW),
        ("KW  - vitamin D\nKW  - Randomized Clinical Trial", Kind.RANDOMISED_TRIAL),
        ("M3  - Practice Guideline", Kind.GUIDELINE),
        ("KW  - Meta-Analysis as Topic", Kind.RESEARCH),  # a MeSH subject, not a type
    ],
)
def test_ris_type_and_keyword_fields_set_the_kind(lines, kind):
    data = f"TY  - JOUR\nTI  - A study\n{lines}\nER  - \n".encode()

    assert ris.parse(data)[0].kind == kind


@pytest.mark.parametrize(
    ("fields", "kind"),
    [
        ("type = {Journal Article; Meta-Analysis}", Kind.META_ANALYSIS),
        ("type = {Randomized Controlled Trial}", Kind.RANDOMISED_TRIAL),
        ("pubtype = {Systematic Review}", Kind.SYSTEMATIC_REVIEW),
        ("keywords = {Humans; Guideline; Vitamin D}", Kind.GUIDELINE),
        ("keywords = {Randomized Controlled Trials as Topic}", Kind.RESEARCH),
    ],
)
def test_bibtex_type_and_keyword_fields_set_the_kind(fields, kind):
    data = f"@article{{k, title = {{A study}}, {fields}}}".encode()

    assert bibtex.parse(data)[0].kind == kind


def test_books_and_web_pages_keep_their_kind_whatever_their_publication_types():
    assert records.refine_kind(Kind.TEXTBOOK, ["Review"]) == Kind.TEXTBOOK
    assert records.refine_kind(Kind.GUIDELINE, ["Systematic Review"]) == Kind.SYSTEMATIC_REVIEW


def test_every_kind_a_parser_can_produce_is_a_reference_kind():
    produced = {records.RESEARCH}
    for table in (ris.TYPE_KINDS, bibtex.TYPE_KINDS, csl_json.TYPE_KINDS):
        produced |= set(table.values())
    produced |= {kind for kind, _names in records.PUBLICATION_TYPE_KINDS}

    assert produced <= set(Kind.values)


@pytest.mark.parametrize(
    ("family", "given", "suffix", "name"),
    [
        ("Smith", "John A.", "", "Smith JA"),
        ("Smith", "J. A.", "", "Smith JA"),
        ("Smith", "JA", "", "Smith JA"),
        ("Dupont", "Jean-Pierre", "", "Dupont JP"),
        ("Smith", "John", "Jr.", "Smith J Jr"),
        ("Ødegård", "Kari", "", "Ødegård K"),
        ("Plato", "", "", "Plato"),
    ],
)
def test_author_name_is_family_then_initials_without_dots(family, given, suffix, name):
    assert records.author_name(family, given, suffix) == name


@pytest.mark.parametrize(
    ("filename", "data", "format_name"),
    [
        ("export.RIS", b"", "ris"),
        ("library.bib", b"", "bibtex"),
        ("items.json", b"", "csl_json"),
        ("pubmed-set.xml", b"", "pubmed"),
        ("export.txt", b"\xef\xbb\xbfTY  - JOUR\nTI  - A\nER  - \n", "ris"),
        ("export.txt", b"  <?xml version='1.0'?><PubmedArticleSet/>", "pubmed"),
        ("export", b'\n[{"id": "a"}]', "csl_json"),
        ("export.txt", b"% comment\n@article{a, title={A}}", "bibtex"),
    ],
)
def test_format_is_detected_by_extension_then_by_content(filename, data, format_name):
    assert detect_format(filename, data) is FORMATS[format_name]


def test_a_file_of_unknown_format_is_refused_naming_the_extensions_to_use():
    with pytest.raises(ImportFormatError, match=r"\.ris \(RIS\), \.bib \(BibTeX\)"):
        detect_format("notes.txt", b"Some notes about vitamin D.")


# Malformed files, parsed


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "broken-syntax.ris",
            "record 2 (ID broken-two): starts on line 10 but has no 'ER  -' line before the "
            "next record begins on line 17.",
        ),
        (
            "broken-syntax.bib",
            "record 2 (key broken2021): has a '{' that is never closed (line 12).",
        ),
        (
            "broken-syntax.json",
            "record 2: not valid JSON: Expecting ',' delimiter at line 12, column 5.",
        ),
        (
            "broken-syntax.xml",
            "record 2: not well-formed XML at line 18, column 66: mismatched tag.",
        ),
    ],
)
def test_bad_syntax_names_the_record_and_the_reason(name, message):
    with pytest.raises(ImportFormatError) as error:
        parse_fixture(name)

    assert str(error.value) == message
    assert error.value.record_number == 2


def test_latin_1_file_is_refused_naming_the_byte_and_line():
    with pytest.raises(ImportFormatError) as error:
        parse_fixture("latin-1.ris")

    assert str(error.value) == "the file is not UTF-8 at byte 37 (line 3): save it as UTF-8."


def test_utf8_with_a_byte_order_mark_is_read():
    data = "\ufeffTY  - JOUR\nTI  - Vitamin D bei älteren Menschen\nER  - \n".encode()

    assert ris.parse(data)[0].title == "Vitamin D bei älteren Menschen"


def test_utf16_file_is_refused_as_utf16():
    data = "TY  - JOUR\nTI  - A\nER  - \n".encode("utf-16")

    with pytest.raises(ImportFormatError, match="UTF-16, not UTF-8"):
        ris.parse(data)


def test_entity_bomb_is_refused_without_being_expanded():
    with pytest.raises(ImportFormatError) as error:
        parse_fixture("entity-bomb.xml")

    # Refused at the declaration: nothing was expanded (how fast is bench/'s to measure).
    assert "declares an entity (<!ENTITY lol …>), which is refused" in str(error.value)


def test_external_entity_is_refused_without_reading_the_file():
    with pytest.raises(ImportFormatError) as error:
        parse_fixture("external-entity.xml")

    assert "declares an external entity (<!ENTITY secret …>)" in str(error.value)
    assert "root:" not in str(error.value)


def test_csl_json_that_is_not_a_list_is_refused():
    with pytest.raises(ImportFormatError) as error:
        parse_fixture("not-a-list.json")

    assert str(error.value) == "CSL-JSON must be a list of items ([{…}, {…}]), not an object."


@pytest.mark.parametrize("name", ["empty.ris", "empty.bib", "empty.json", "empty.xml"])
def test_a_file_without_records_is_refused(name):
    data = b"[]" if name.endswith(".json") else b"<PubmedArticleSet/>" if "xml" in name else b"\n"

    with pytest.raises(ImportFormatError, match="has no"):
        detect_format(name, data).parse(data)


# Checking records against the library's rules (no database either)


def test_validate_record_normalises_doi_pmid_and_url():
    record = Record(
        source_label="record 1",
        title="T",
        key="k",
        doi="https://doi.org/10.5555/ABC",
        pmid="PMID: 00123",
        url="example.org/page",
    )

    checked = validate_record(record)

    assert (checked.doi, checked.pmid, checked.url) == (
        "10.5555/abc",
        "123",
        "https://example.org/page",
    )


def test_validate_record_lists_every_broken_rule():
    record = Record(source_label="record 4", title="", key="k" * 256, doi="not a doi")

    with pytest.raises(InvalidRecord) as error:
        validate_record(record)

    assert str(error.value) == (
        "has no title; 'not a doi' is not a DOI (expected something like 10.1000/xyz); "
        "the key is longer than 255 characters."
    )


def test_validate_record_replaces_a_key_that_cannot_be_cited_and_keeps_it_as_alias():
    record = Record(source_label="record 4", title="T", key="smith 2020", authors=("Smith J",))

    checked = validate_record(record)

    assert (checked.key, checked.key_generated, checked.alias) == ("smithnd", True, "smith 2020")
    assert checked.warnings == (
        "the key 'smith 2020' cannot be cited as written (letters, digits and _ - : . only): "
        "a key was generated and the original kept as its alias",
    )


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"title": "T" * 1001}, "the title is 1001 characters long (at most 1000)"),
        ({"volume": "1" * 51}, "the volume is 51 characters long (at most 50)"),
        ({"key": "k" * 256}, "the key is longer than 255 characters"),
        ({"key": "smith\x002020"}, "the key contains the control character U+0000"),
        ({"title": "Vitamin\x00D"}, "the title contains the control character U+0000"),
        ({"authors": ("Smith\x1bJ",)}, "the author contains the control character U+001B"),
        ({"url": "javascript:alert(1)"}, "is not an http(s) web address"),
        ({"year": 20}, "the year 20 is not a plausible year"),
        ({"pmid": "PMC123"}, "'PMC123' is not a PubMed ID"),
    ],
)
def test_validate_record_refuses_what_the_library_cannot_hold(fields, problem):
    record = Record(source_label="record 1", **({"title": "T", "key": "k"} | fields))

    with pytest.raises(InvalidRecord, match=re.escape(problem)):
        validate_record(record)


# Importing into the library

EXPECTED_IMPORTS = {
    "vitamin-d.ris": {
        "odegard2021falls": (Kind.RANDOMISED_TRIAL, "10.5555/jcbr.2021.1104", "99000101"),
        "haddad2020review": (Kind.SYSTEMATIC_REVIEW, "10.5555/orr.2020.e2201", ""),
        "hartmann2019": (Kind.TEXTBOOK, "", ""),
        "bhf-vitd-2024": (Kind.WEBSITE, "", ""),
        "nbhs-osteoporosis-2023": (Kind.GUIDELINE, "", ""),
    },
    "bone-health.bib": {
        "muller2022calcium": (Kind.META_ANALYSIS, "10.5555/jbmr.2022.0612", "99000201"),
        "ashworth2020osteo": (Kind.TEXTBOOK, "", ""),
        "ibha2023patients": (Kind.WEBSITE, "", ""),
        "nbhs2024prevention": (Kind.GUIDELINE, "", ""),
        "chen2019cohort": (Kind.COHORT_STUDY, "10.5555/orr.2019.e1043", ""),
    },
    "calcium.json": {
        "patel2021calcium": (Kind.RANDOMISED_TRIAL, "10.5555/jcbr.2021.401", "99000301"),
        "lindstrom2018": (Kind.TEXTBOOK, "", ""),
        "bhf-calcium-2024": (Kind.WEBSITE, "", ""),
        "smbd-calcium-2022": (Kind.GUIDELINE, "", ""),
        "kowalski2023review": (Kind.SYSTEMATIC_REVIEW, "10.5555/orr.2023.e3310", ""),
    },
    "osteoporosis-pubmed.xml": {
        "pmid99000401": (Kind.RANDOMISED_TRIAL, "10.5555/jbmr.2022.0881", "99000401"),
        "pmid99000402": (Kind.META_ANALYSIS, "10.5555/orr.2021.145", "99000402"),
        "pmid99000403": (Kind.GUIDELINE, "", "99000403"),
        "pmid99000404": (Kind.COHORT_STUDY, "10.5555/njmh.2019.1123", "99000404"),
        "pmid99000405": (Kind.TEXTBOOK, "", "99000405"),
    },
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", GOOD_FIXTURES)
def test_each_format_imports_its_fixture_with_kinds_and_normalised_identifiers(name):
    report = import_fixtures(name)

    assert not report.failed
    assert report.counts() == {
        Status.CREATED: 5,
        Status.UNCHANGED: 0,
        Status.CONFLICTING: 0,
        Status.REJECTED: 0,
    }
    saved = {
        reference.key: (reference.kind, reference.doi, reference.pmid)
        for reference in Reference.objects.all()
    }
    assert saved == EXPECTED_IMPORTS[name]


@pytest.mark.django_db
def test_imported_authors_are_stored_one_a_line_as_family_and_initials():
    import_fixtures("bone-health.bib", "osteoporosis-pubmed.xml")

    assert Reference.objects.get(key="muller2022calcium").authors == (
        "Müller J\nGarcía-López MJ\nvan der Berg A"
    )
    assert Reference.objects.get(key="pmid99000403").author_list == [
        "Society for Metabolic Bone Disease Guideline Group",
        "Whitfield M",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("name", GOOD_FIXTURES)
def test_importing_a_fixture_again_leaves_every_record_unchanged(name):
    import_fixtures(name)
    before = list(Reference.objects.values())

    report = import_fixtures(name)

    assert report.counts()[Status.UNCHANGED] == 5
    assert sum(report.counts().values()) == 5
    assert list(Reference.objects.values()) == before
    assert all(
        outcome.message == f"already in the library as [@{outcome.key}]"
        for outcome in report.files[0].outcomes
    )


@pytest.mark.django_db
def test_changed_data_is_conflicting_and_nothing_is_overwritten():
    import_fixtures("vitamin-d.ris")
    Reference.objects.filter(key="odegard2021falls").update(title="Edited by hand", year=2020)
    Reference.objects.filter(key="haddad2020review").update(key="haddad-2020")
    before = list(Reference.objects.values())

    report = import_fixtures("vitamin-d.ris")

    assert report.counts()[Status.CONFLICTING] == 2
    assert report.counts()[Status.UNCHANGED] == 3
    messages = {o.source_label: o.message for o in report.files[0].with_status(Status.CONFLICTING)}
    assert messages == {
        "record 1 (ID odegard2021falls)": (
            "same DOI 10.5555/jcbr.2021.1104 as [@odegard2021falls] in the library, which "
            "differs in title, year; nothing was changed"
        ),
        "record 2 (ID haddad2020review)": (
            "same DOI 10.5555/orr.2020.e2201 as [@haddad-2020] in the library, which differs "
            "in key; nothing was changed"
        ),
    }
    assert list(Reference.objects.values()) == before


@pytest.mark.django_db
def test_duplicates_are_found_by_doi_then_pmid_then_key():
    by_doi = factories.ReferenceFactory(key="by-doi", doi="10.5555/a")
    by_pmid = factories.ReferenceFactory(key="by-pmid", pmid="111")
    by_key = factories.ReferenceFactory(key="by-key")
    data = (
        b"TY  - JOUR\nID  - by-key\nTI  - One\nDO  - doi:10.5555/A\nAN  - PMID: 111\nER  - \n"
        b"TY  - JOUR\nID  - by-key\nTI  - Two\nAN  - PMID: 111\nER  - \n"
        b"TY  - JOUR\nID  - by-key\nTI  - Three\nER  - \n"
    )

    report = import_references([("dupes.ris", data)], user=None)

    assert [o.key for o in report.files[0].outcomes] == [by_doi.key, by_pmid.key, by_key.key]
    assert [o.message.split(" as ")[0] for o in report.files[0].outcomes] == [
        "same DOI 10.5555/a",
        "same PMID 111",
        "same key by-key",
    ]
    assert Reference.objects.count() == 3


@pytest.mark.django_db
def test_a_duplicate_within_a_file_is_reported_against_the_earlier_record():
    report = import_fixtures("duplicate-within-file.ris")

    outcomes = report.files[0].outcomes
    assert [o.status for o in outcomes] == [
        Status.CREATED,
        Status.CREATED,
        Status.UNCHANGED,
        Status.CONFLICTING,
    ]
    assert outcomes[2].message == "repeats record 1 (ID ahmed2022)"
    assert outcomes[3].message == (
        "same key brennan2021 as record 2 (ID brennan2021) earlier in this file, which differs "
        "in title, year; only the first was used"
    )
    assert Reference.objects.get(key="brennan2021").title == "Calcium-rich diets in adolescents"
    assert Reference.objects.count() == 2


@pytest.mark.django_db
def test_generated_keys_are_made_unique_against_the_library_and_the_file():
    factories.ReferenceFactory(key="hartmann2019")
    data = (
        b"TY  - BOOK\nAU  - Hartmann, Eva\nTI  - Bones\nPY  - 2019\nER  - \n"
        b"TY  - BOOK\nAU  - Hartmann, Eva\nTI  - Joints\nPY  - 2019\nER  - \n"
        b"TY  - BOOK\nID  - hartmann2019b\nAU  - Hartmann, Eva\nTI  - Muscles\nPY  - 2019\nER  - \n"
    )

    report = import_references([("books.ris", data)], user=None)

    assert [o.key for o in report.files[0].outcomes] == [
        "hartmann2019a",
        "hartmann2019c",  # "b" is the key the third record gives
        "hartmann2019b",
    ]


@pytest.mark.django_db
def test_a_pubmed_record_whose_pmid_key_is_taken_gets_a_suffix():
    factories.ReferenceFactory(key="pmid99000401", pmid="")

    import_fixtures("osteoporosis-pubmed.xml")

    assert Reference.objects.get(pmid="99000401").key == "pmid99000401a"


BROKEN_FILES = [
    ("broken-syntax.ris", "record 2 (ID broken-two)", "has no 'ER  -' line"),
    ("broken-syntax.bib", "record 2 (key broken2021)", "has a '{' that is never closed"),
    ("broken-syntax.json", "record 2", "not valid JSON"),
    ("broken-syntax.xml", "record 2", "not well-formed XML"),
    ("missing-title.ris", "record 2 (ID untitled2021)", "has no title"),
    ("missing-title.bib", "record 2 (key untitled2021)", "has no title"),
    ("missing-title.json", "record 2 (id untitled2021)", "has no title"),
    ("missing-title.xml", "record 2 (PMID 99000602)", "has no title"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "label", "reason"), BROKEN_FILES)
def test_a_broken_file_imports_nothing_and_names_the_record_and_reason(name, label, reason):
    report = import_fixtures(name)

    assert report.failed
    assert Reference.objects.count() == 0
    [rejected] = report.files[0].with_status(Status.REJECTED)
    assert rejected.source_label == label
    assert reason in rejected.message
    assert f"  rejected: {label}: " in "\n".join(report.lines())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("entity-bomb.xml", "declares an entity"),
        ("external-entity.xml", "declares an external entity"),
        ("latin-1.ris", "not UTF-8 at byte 37 (line 3)"),
        ("not-a-list.json", "must be a list of items"),
    ],
)
def test_a_refused_file_imports_nothing_and_says_why(name, reason):
    report = import_fixtures(name)

    assert report.failed
    assert reason in report.files[0].error
    assert Reference.objects.count() == 0
    assert Revision.objects.count() == 0


@pytest.mark.django_db
def test_one_bad_file_does_not_stop_the_others():
    report = import_fixtures("missing-title.ris", "calcium.json")

    assert [file.failed for file in report.files] == [True, False]
    assert Reference.objects.count() == 5
    assert not Reference.objects.filter(key="titled2020").exists()


@pytest.mark.django_db
def test_each_file_is_one_revision_carrying_the_user_and_the_file_name(editor):
    import_fixtures("vitamin-d.ris", "calcium.json", user=editor)

    revisions = Revision.objects.order_by("pk")
    assert [(r.user, r.comment) for r in revisions] == [
        (editor, "Imported from vitamin-d.ris"),
        (editor, "Imported from calcium.json"),
    ]
    assert revisions[0].version_set.count() == 5
    assert Version.objects.get_for_object(Reference.objects.get(key="hartmann2019")).count() == 1


@pytest.mark.django_db
def test_an_import_without_a_user_is_a_revision_without_a_user():
    import_fixtures("vitamin-d.ris")

    assert Revision.objects.get().user is None


@pytest.mark.django_db
def test_an_import_that_creates_nothing_leaves_no_empty_revision():
    import_fixtures("vitamin-d.ris")

    import_fixtures("vitamin-d.ris")

    assert Revision.objects.count() == 1


@pytest.mark.django_db
def test_a_dry_run_reports_what_would_happen_and_saves_nothing():
    factories.ReferenceFactory(key="odegard2021falls", doi="10.5555/jcbr.2021.1104")

    report = import_fixtures("vitamin-d.ris", dry_run=True)

    assert report.counts()[Status.CREATED] == 4
    assert report.counts()[Status.CONFLICTING] == 1
    assert report.lines()[0].startswith("Dry run: nothing was saved")
    assert Reference.objects.count() == 1
    assert Revision.objects.count() == 0


@pytest.mark.django_db
def test_progress_is_reported_after_every_record_of_every_file():
    calls = []

    import_fixtures("vitamin-d.ris", "missing-title.ris", progress=lambda *a: calls.append(a))

    assert calls == [(n, 7) for n in range(1, 8)]


@pytest.mark.django_db
def test_a_reference_saved_meanwhile_with_the_same_doi_fails_the_file_cleanly(monkeypatch):
    factories.ReferenceFactory(key="elsewhere", doi="10.5555/jcbr.2021.1104")
    # As if another editor saved it after the import looked: the import does not see it.
    monkeypatch.setattr(
        "references.importers.importing._Library._fetch", staticmethod(lambda *args: {})
    )

    report = import_fixtures("vitamin-d.ris")

    assert report.failed
    assert "saved a reference with the same DOI, PMID or key during the import" in (
        report.files[0].error
    )
    assert Reference.objects.count() == 1


@pytest.mark.django_db
def test_vetted_csl_export_imports_back_unchanged():
    for number, kind in enumerate((Kind.GUIDELINE, Kind.RESEARCH, Kind.TEXTBOOK, Kind.WEBSITE)):
        factories.ReferenceFactory(
            key=f"ref-{kind}",
            kind=kind,
            authors="Smith JA\nWorld Health Organization",
            doi=f"10.5555/{kind}",
            pmid=str(1000 + number),
            volume="12",
            pages="1-9",
            url="https://example.org/a",
        )
    exported = [to_csl(reference.as_data()) for reference in Reference.objects.all()]

    report = import_references([("export.json", json.dumps(exported).encode())], user=None)

    assert report.counts()[Status.UNCHANGED] == 4, report.lines()


@pytest.mark.django_db
def test_reimporting_many_unchanged_records_takes_a_constant_number_of_queries(
    django_assert_max_num_queries,
):
    data = b"".join(
        f"TY  - JOUR\nID  - k{n}\nTI  - Study {n}\nDO  - 10.5555/{n}\nER  - \n".encode()
        for n in range(120)
    )
    import_references([("many.ris", data)], user=None)

    with django_assert_max_num_queries(8):
        report = import_references([("many.ris", data)], user=None)

    assert report.counts()[Status.UNCHANGED] == 120


def test_report_lines_give_counts_conflicts_rejections_and_totals():
    from references.importers.importing import FileReport, ImportReport, Outcome

    report = ImportReport(
        files=[
            FileReport(
                "a.ris",
                "RIS",
                [
                    Outcome(Status.CREATED, "record 1", "a"),
                    Outcome(Status.CONFLICTING, "record 2 (ID b)", "b", "same DOI …"),
                ],
            ),
            FileReport(
                "b.bib",
                "BibTeX",
                [Outcome(Status.REJECTED, "record 4 (key c)", message="has no title.")],
                error="1 of 4 records rejected.",
            ),
            FileReport("c.xml", "PubMed XML", error="the file is not UTF-8 at byte 9 (line 1)."),
        ]
    )

    assert report.lines() == [
        "a.ris (RIS): 1 created, 0 unchanged, 1 conflicting, 0 rejected.",
        "  conflicting: record 2 (ID b): same DOI …",
        "b.bib (BibTeX): FAILED, nothing imported.",
        "  rejected: record 4 (key c): has no title.",
        "c.xml (PubMed XML): FAILED, nothing imported.",
        "  the file is not UTF-8 at byte 9 (line 1).",
        "Total: 1 created, 0 unchanged, 1 conflicting, 1 rejected; 2 of 3 files failed.",
    ]


# manage.py import_references


def run_command(*args):
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("import_references", *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


@pytest.mark.django_db
def test_command_imports_files_and_prints_the_report():
    stdout, stderr = run_command(str(fixture("vitamin-d.ris")), str(fixture("calcium.json")))

    assert stdout.splitlines() == [
        "vitamin-d.ris (RIS): 5 created, 0 unchanged, 0 conflicting, 0 rejected.",
        "calcium.json (CSL-JSON): 5 created, 0 unchanged, 0 conflicting, 0 rejected.",
        "Total: 10 created, 0 unchanged, 0 conflicting, 0 rejected.",
    ]
    assert stderr == ""  # no progress bar when stderr is not a terminal
    assert Reference.objects.count() == 10


@pytest.mark.django_db
def test_command_fails_naming_the_file_that_imported_nothing():
    stdout = io.StringIO()

    with pytest.raises(CommandError) as error:
        call_command(
            "import_references",
            str(fixture("missing-title.bib")),
            str(fixture("calcium.json")),
            stdout=stdout,
        )

    assert str(error.value) == (
        "1 file imported nothing: missing-title.bib. The report above says which record and why."
    )
    assert "  rejected: record 2 (key untitled2021): has no title." in stdout.getvalue()
    assert Reference.objects.count() == 5  # the good file still imported


@pytest.mark.django_db
def test_command_with_a_missing_file_imports_nothing():
    with pytest.raises(CommandError, match=r"^Cannot read .*no-such-file\.ris: No such file"):
        run_command(str(fixture("vitamin-d.ris")), str(fixture("no-such-file.ris")))

    assert Reference.objects.count() == 0


@pytest.mark.django_db
def test_command_dry_run_reports_and_saves_nothing():
    stdout, _ = run_command("--dry-run", str(fixture("bone-health.bib")))

    assert "bone-health.bib (BibTeX): 5 created" in stdout
    assert Reference.objects.count() == 0


@pytest.mark.django_db
def test_command_records_the_user_given_with_the_user_option(editor):
    run_command("--user", "ed", str(fixture("bone-health.bib")))

    assert Revision.objects.get().user == editor


@pytest.mark.django_db
def test_command_with_an_unknown_user_is_one_clear_error_and_imports_nothing():
    with pytest.raises(CommandError, match=r"^There is no user 'nobody'\.$"):
        run_command("--user", "nobody", str(fixture("bone-health.bib")))

    assert Reference.objects.count() == 0


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_draws_on_a_terminal_for_a_long_import_and_ends_the_line():
    terminal = FakeTerminal()
    progress = TerminalProgress(OutputWrapper(terminal))

    for done in range(1, 101):
        progress.update(done, 100)
    progress.close()

    output = terminal.getvalue()
    assert output.startswith("\rImporting [")
    assert output.endswith(f"\rImporting [{'#' * 30}] 100/100 records\n")


def test_progress_bar_stays_silent_off_a_terminal_and_for_short_imports():
    piped, terminal = io.StringIO(), FakeTerminal()
    for stream, total in ((piped, 500), (terminal, 50)):
        progress = TerminalProgress(OutputWrapper(stream))
        for done in range(1, total + 1):
            progress.update(done, total)
        progress.close()

    assert piped.getvalue() == terminal.getvalue() == ""


def manage(tmp_path, *args):
    """manage.py in a fresh process, on an SQLite file of its own."""
    return run_manage(*args, DEBUG="1", DATABASE_URL=f"sqlite:///{tmp_path / 'import.sqlite3'}")


def test_command_on_an_entity_bomb_exits_non_zero_with_one_line_and_no_traceback(tmp_path):
    assert manage(tmp_path, "migrate", "--noinput").returncode == 0

    result = manage(tmp_path, "import_references", str(fixture("entity-bomb.xml")))

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "CommandError: 1 file imported nothing: entity-bomb.xml. "
        "The report above says which record and why."
    ]
    assert "entity-bomb.xml (PubMed XML): FAILED, nothing imported." in result.stdout


def test_command_with_a_missing_file_exits_non_zero_with_one_line(tmp_path):
    result = manage(tmp_path, "import_references", "no-such-file.ris")

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        "CommandError: Cannot read no-such-file.ris: No such file or directory."
    )


def test_command_on_an_unmigrated_database_is_one_clear_line(tmp_path):
    result = manage(tmp_path, "import_references", str(fixture("vitamin-d.ris")))

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("CommandError: The database is not ready: no such table")


@pytest.mark.django_db
def test_a_record_without_identifiers_is_recognised_only_by_identical_data():
    factories.ReferenceFactory(key="hartmann2019", title="Another book by the same author")
    data = b"TY  - BOOK\nAU  - Hartmann, Eva\nTI  - Bones\nPY  - 2019\nER  - \n"
    import_references([("book.ris", data)], user=None)

    again = import_references([("book.ris", data + data)], user=None)

    assert [(o.status, o.key, o.message) for o in again.files[0].outcomes] == [
        (Status.UNCHANGED, "hartmann2019a", "already in the library as [@hartmann2019a]"),
        (Status.UNCHANGED, "hartmann2019a", "already in the library as [@hartmann2019a]"),
    ]
    assert Reference.objects.count() == 2


@pytest.mark.django_db
def test_an_identical_record_without_identifiers_repeated_in_a_file_is_created_once():
    data = b"TY  - BOOK\nAU  - Hartmann, Eva\nTI  - Bones\nPY  - 2019\nER  - \n"

    report = import_references([("book.ris", data * 2)], user=None)

    assert [(o.status, o.message) for o in report.files[0].outcomes] == [
        (Status.CREATED, ""),
        (Status.UNCHANGED, "repeats record 1"),
    ]
    assert Reference.objects.count() == 1


@pytest.mark.django_db
def test_many_records_sharing_a_generated_key_take_one_query_each_not_more(
    django_assert_max_num_queries,
):
    factories.ReferenceFactory(key="smith2020")
    data = b"".join(
        f"TY  - JOUR\nAU  - Smith, John\nTI  - Study {n}\nPY  - 2020\nER  - \n".encode()
        for n in range(150)
    )

    # One INSERT a record, plus a fixed few: lookups, the revision and its versions.
    with django_assert_max_num_queries(150 + 15):
        report = import_references([("smiths.ris", data)], user=None)

    keys = [outcome.key for outcome in report.files[0].outcomes]
    assert keys[:3] == ["smith2020a", "smith2020b", "smith2020c"]
    assert keys[-1] == "smith2020et"
    assert len(set(keys)) == 150
