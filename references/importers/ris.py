"""RIS, the tagged format every reference manager exports ("TY  - JOUR" … "ER  - ").

Each line is a two-character tag, two spaces (or one, as Zotero also reads), a hyphen, a space
and a value; a record runs from its TY line to its ER line, and may be numbered ("1." before its
TY). Untagged lines before the first record are a header (publishers write "Provider: …"). A
line without a tag continues the value above it (exporters wrap long abstracts). Names are
"Family, Given[, Suffix]".
"""

import re

from references.importers import records
from references.importers.records import ImportFormatError, Record

# Two spaces before the hyphen is the standard; Zotero and others also write and accept one.
TAG_LINE_RE = re.compile(r"([A-Z][A-Z0-9]) {1,2}-(?: (.*))?")
# Some databases number their records: "1." on a line of its own, or before the TY tag.
RECORD_NUMBER_RE = re.compile(r"[0-9]+\.\s*")

# RIS type -> Reference kind. Journal articles and reports may be refined by their keywords.
TYPE_KINDS = {
    "JOUR": records.RESEARCH,
    "JFULL": records.RESEARCH,
    "EJOUR": records.RESEARCH,
    "ABST": records.RESEARCH,
    "INPR": records.RESEARCH,
    "CONF": records.RESEARCH,
    "CPAPER": records.RESEARCH,
    "THES": records.RESEARCH,
    "BOOK": records.TEXTBOOK,
    "EBOOK": records.TEXTBOOK,
    "EDBOOK": records.TEXTBOOK,
    "CHAP": records.TEXTBOOK,
    "ECHAP": records.TEXTBOOK,
    "ENCYC": records.TEXTBOOK,
    "DICT": records.TEXTBOOK,
    "ELEC": records.WEBSITE,
    "WEB": records.WEBSITE,
    "BLOG": records.WEBSITE,
    # Guidelines are published as reports (NICE, WHO, national societies), and Vetted's own
    # CSL export writes a guideline as a report: so a report is a guideline unless tagged otherwise.
    "RPRT": records.GUIDELINE,
    "GOVDOC": records.GUIDELINE,
    "STAND": records.GUIDELINE,
}

# Where each field may be found, in order of preference.
TITLE_TAGS = ("TI", "T1")
AUTHOR_TAGS = ("AU", "A1")
JOURNAL_TAGS = ("T2", "JF", "JO", "BT", "JA", "J2", "J1", "PB")
BOOK_TAGS = ("PB", "T2", "BT")  # for a whole book T2 is the series; the publisher is the source
YEAR_TAGS = ("PY", "Y1", "DA")
DOI_TAGS = ("DO", "DI")
# A PMID has no RIS tag of its own; exporters write it as "PMID: 123" in a note or accession field.
PMID_TAGS = ("AN", "N1", "M1", "C1", "C2")
# EndNote keeps a PubMed record's bare PMID in AN and names the source in DB or DP.
PUBMED_DATABASE_RE = re.compile(r"\b(?:pubmed|medline|nlm)\b", re.IGNORECASE)
# Older exports (EndNote's, ScienceDirect's) write the DOI in M3: "doi: 10.1000/xyz".
DOI_IN_TEXT_RE = re.compile(r"(?:\bdoi:\s*)*(10\.[0-9]{4,9}/\S+)", re.IGNORECASE)


def parse(data: bytes) -> list[Record]:
    """Return the records of a RIS file, in file order.

    Raises ImportFormatError for text that is not UTF-8 or not RIS, a record cut short (no ER
    line, or a TY inside a record), or a file without records; the message names the record
    and the line.
    """
    text = records.decode_utf8(data)
    parsed = []
    fields = None  # the open record's (tag, value) pairs
    start_line = 0
    for line_number, line in enumerate(text.splitlines(), start=1):
        if fields is None and (number := RECORD_NUMBER_RE.match(line)):
            line = line[number.end() :]  # "1." before a record, or before its TY line
        match = TAG_LINE_RE.fullmatch(line.rstrip())
        if match is None:
            if not line.strip():
                continue
            if fields:
                # An untagged line continues the value above it.
                tag, value = fields[-1]
                fields[-1] = (tag, f"{value} {line.strip()}")
                continue
            if not parsed and fields is None:
                # Publishers' sites start the file with a header ("Provider: Elsevier",
                # "Content: text/plain; charset=…") before the first record.
                continue
            raise ImportFormatError(
                None, f"line {line_number} is not RIS (expected a tag line like 'TY  - JOUR')."
            )
        tag, value = match.group(1), (match.group(2) or "").strip()
        if tag == "TY":
            if fields is not None:
                raise ImportFormatError(
                    len(parsed) + 1,
                    f"starts on line {start_line} but has no 'ER  -' line before the next "
                    f"record begins on line {line_number}.",
                    label=_label(len(parsed) + 1, fields),
                )
            fields, start_line = [(tag, value)], line_number
        elif fields is None:
            raise ImportFormatError(
                len(parsed) + 1,
                f"line {line_number} has the tag {tag} outside a record "
                "(a record starts with 'TY  - ').",
            )
        elif tag == "ER":
            parsed.append(_record(len(parsed) + 1, fields))
            fields = None
        else:
            fields.append((tag, value))
    if fields is not None:
        raise ImportFormatError(
            len(parsed) + 1,
            f"starts on line {start_line} but the file ends before its 'ER  -' line.",
            label=_label(len(parsed) + 1, fields),
        )
    if not parsed:
        raise ImportFormatError(None, "the file has no RIS records (none starts with 'TY  - ').")
    return parsed


def _record(number: int, pairs: list[tuple[str, str]]) -> Record:
    tags, first = records.tagged(pairs)
    ris_type = first("TY").upper()
    key = first("ID")
    label = _label(number, pairs)
    authors = tuple(_author(value) for tag, value in pairs if tag in AUTHOR_TAGS and value.strip())
    year = records.find_year(first(*YEAR_TAGS))
    title = records.strip_rich_text(first(*TITLE_TAGS))
    kind = TYPE_KINDS.get(ris_type, records.RESEARCH)
    publication_types = tags["KW"] + tags["M3"]
    url, warnings = records.first_url(records.split_urls(tags["UR"]))
    return Record(
        source_label=label,
        key=key or records.suggest_key(authors, year, title),
        key_generated=not key,
        kind=records.refine_kind(kind, publication_types),
        title=title,
        authors=authors,
        container=records.clean_text(first(*(BOOK_TAGS if ris_type == "BOOK" else JOURNAL_TAGS))),
        year=year,
        volume=records.clean_text(first("VL")),
        issue=records.clean_text(first("IS")),
        pages=_pages(first("SP"), first("EP")),
        doi=records.clean_text(first(*DOI_TAGS)) or _doi_in_type_field(tags["M3"]),
        pmid=_pmid(tags),
        url=url,
        warnings=warnings,
    )


def _doi_in_type_field(values: list[str]) -> str:
    """A DOI written in M3 ("doi: 10.1000/xyz"), where older exports put it; "" if none."""
    return next((match.group(1) for value in values if (match := DOI_IN_TEXT_RE.match(value))), "")


def _pmid(tags: dict[str, list[str]]) -> str:
    """The PMID a note states ("PMID: 123"), else AN's bare number when the record says it
    came from PubMed (EndNote: "DB  - PubMed", "DP  - NLM"); another database's accession
    number is not a PMID."""
    labelled = records.pmid_in_notes(value for tag in PMID_TAGS for value in tags[tag])
    if labelled or not any(PUBMED_DATABASE_RE.search(value) for value in tags["DB"] + tags["DP"]):
        return labelled
    return next((value for value in tags["AN"] if value.isascii() and value.isdigit()), "")


def _label(number: int, pairs: list[tuple[str, str]]) -> str:
    """ "record 3 (ID smith2020)", or "record 3" when the record has no ID."""
    key = next((value for tag, value in pairs if tag == "ID" and value), "")
    return f"record {number} (ID {key})" if key else f"record {number}"


def _author(value: str) -> str:
    """ "Smith, John A., Jr." -> "Smith JA Jr"; "Smith JA" stays; a body's name stays whole."""
    parts = [part.strip() for part in value.split(",")]
    if len(parts) >= 2:
        return records.author_name(parts[0], parts[1], parts[2] if len(parts) > 2 else "")
    return records.clean_text(value)


def _pages(start: str, end: str) -> str:
    """SP and EP as one range ("1104", "13" -> "1104-1113"); SP may hold the whole range."""
    start, end = records.normalise_pages(start), records.normalise_pages(end)
    if start and end and "-" not in start:
        return records.normalise_pages(f"{start}-{end}")
    return start or end
