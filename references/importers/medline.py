"""PubMed's text format (MEDLINE, .nbib): what "Save → PubMed format" and "Cite → .nbib" write.

Each line is a tag of up to four letters padded to four characters, "- " and a value
("PMID- 12345678", "TI  - Title"); a line that starts with six spaces continues the value above
it. Records are separated by a blank line and each starts with its PMID. Authors are already
"Family GI" (`AU`), bodies are `CN`; the DOI is an `AID` or `LID` marked " [doi]".
"""

import re

from references.importers import records
from references.importers.records import ImportFormatError, Record

_TAG_LINE_RE = re.compile(r"([A-Z][A-Z0-9]{1,3}) {0,3}- ?(.*)")
_CONTINUATION_RE = re.compile(r" {6}(.*)")
# "10.1000/xyz [doi]", "S0140-6736(20)30183-5 [pii]", "e42692" (a bare LID is an article number).
_IDENTIFIER_RE = re.compile(r"(.*?)\s*\[([a-z]+)\]")
# An article number that stands in for pages, as in PubMed XML's ELocationID of type pii.
_ARTICLE_NUMBER_RE = re.compile(r"[A-Za-z]{0,3}[0-9]{1,9}")
# Author tags in file order: people (AU, already "Family GI") and bodies (CN).
_AUTHOR_TAGS = ("AU", "CN")


def parse(data: bytes) -> list[Record]:
    """Return the records of a MEDLINE (.nbib) file, in file order, keyed "pmid<PMID>".

    Raises ImportFormatError for text that is not UTF-8, a line that is neither a tag line nor
    a continuation, a record that does not start with PMID, or a file without records; the
    message names the record and the line.
    """
    text = records.decode_utf8(data)
    blocks: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] | None = None
    for line_number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            current = None  # a blank line ends a record
            continue
        if current is not None and (continued := _CONTINUATION_RE.match(line)):
            tag, value = current[-1]
            current[-1] = (tag, f"{value} {continued.group(1).strip()}")
            continue
        match = _TAG_LINE_RE.fullmatch(line.rstrip())
        if match is None:
            raise ImportFormatError(
                len(blocks) if current is not None else None,
                f"line {line_number} is not PubMed text format (expected a tag line like "
                "'PMID- 12345678' or a continuation indented by six spaces).",
            )
        tag, value = match.group(1), match.group(2).strip()
        if tag == "PMID" and current:
            current = None  # a PMID starts the next record, even without a blank line first
        if current is None:
            if tag != "PMID":
                raise ImportFormatError(
                    len(blocks) + 1,
                    f"starts on line {line_number} with {tag}, not PMID: each record of "
                    "PubMed's text format starts with its PMID.",
                )
            current = []
            blocks.append(current)
        current.append((tag, value))
    if not blocks:
        raise ImportFormatError(None, "the file has no PubMed records (none starts with 'PMID- ').")
    return [_record(number, pairs) for number, pairs in enumerate(blocks, start=1)]


def _record(number: int, pairs: list[tuple[str, str]]) -> Record:
    tags, first = records.tagged(pairs)
    pmid = first("PMID")
    authors = tuple(records.clean_text(value) for tag, value in pairs if tag in _AUTHOR_TAGS)
    authors = tuple(author for author in authors if author)
    year = records.find_year(first("DP"))
    # A Bookshelf record has a book title (BTI); a chapter also has its own title (TI).
    book_title = records.clean_text(first("BTI"))
    title = _title(first("TI")) or book_title
    if book_title:
        kind = records.TEXTBOOK
        container = book_title if title != book_title else records.clean_text(first("PB"))
    else:
        kind = records.RESEARCH
        container = records.clean_text(first("JT", "TA"))
    identifiers = [_identifier(value) for value in tags["AID"] + tags["LID"]]
    return Record(
        source_label=f"record {number} (PMID {pmid})" if pmid else f"record {number}",
        key=f"pmid{pmid}" if pmid else records.suggest_key(authors, year, title),
        key_generated=True,
        kind=records.refine_kind(kind, tags["PT"]),
        title=title,
        authors=authors,
        container=container,
        year=year,
        volume=records.clean_text(first("VI")),
        issue=records.clean_text(first("IP")),
        pages=records.normalise_pages(first("PG")) or _article_number(tags["LID"]),
        doi=next((value for value, kind_ in identifiers if kind_ == "doi"), ""),
        pmid=pmid,
    )


def _title(value: str) -> str:
    """The title without MEDLINE's closing full stop, as the PubMed XML importer reads it, so
    the same article from either export compares equal."""
    title = records.clean_text(value)
    return title[:-1] if title.endswith(".") and not title.endswith("..") else title


def _identifier(value: str) -> tuple[str, str]:
    """ "10.1000/xyz [doi]" -> ("10.1000/xyz", "doi"); an unmarked value has no kind."""
    match = _IDENTIFIER_RE.fullmatch(value.strip())
    return (match.group(1), match.group(2)) if match else (value.strip(), "")


def _article_number(values: list[str]) -> str:
    """An article number given as an unmarked LID or a short pii ("e42692"), or ""."""
    for value in values:
        identifier, kind = _identifier(value)
        if kind in ("", "pii") and _ARTICLE_NUMBER_RE.fullmatch(identifier):
            return identifier
    return ""
