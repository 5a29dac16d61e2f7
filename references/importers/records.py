"""What every parser returns, and the small rules all formats share.

A parser turns a file's bytes into `Record`s: the Reference fields as plain values, plus a label
naming the record in the file ("record 3 (ID smith2020)"). Nothing here touches the database;
checking the values against the library's rules is `references.importers.importing`'s job.
"""

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, fields

# Reference.Kind values. Plain strings, so that parsers need no models (a test keeps them equal).
GUIDELINE = "guideline"
SYSTEMATIC_REVIEW = "systematic_review"
META_ANALYSIS = "meta_analysis"
RANDOMISED_TRIAL = "randomised_trial"
COHORT_STUDY = "cohort_study"
REVIEW = "review"
RESEARCH = "research"
TEXTBOOK = "textbook"
WEBSITE = "website"

# Publication types (PubMed's, and the same words in RIS keywords and types, BibTeX keywords
# and types or a CSL genre) that say what kind of evidence a paper is. The most specific design
# comes first: a paper tagged "Meta-Analysis", "Systematic Review" and "Review" is a
# meta-analysis. Only whole values count: MeSH's "Meta-Analysis as Topic" is a subject, not a type.
PUBLICATION_TYPE_KINDS = (
    (
        GUIDELINE,
        {
            "practice guideline",
            "clinical practice guideline",
            "guideline",
            "consensus development conference",  # also PubMed's "…, NIH", split at the comma
        },
    ),
    (
        META_ANALYSIS,
        {
            "meta-analysis",
            "meta analysis",
            "network meta-analysis",
            "systematic review and meta-analysis",
        },
    ),
    (SYSTEMATIC_REVIEW, {"systematic review", "systematic literature review"}),
    (
        RANDOMISED_TRIAL,
        {
            "randomized controlled trial",
            "randomised controlled trial",
            "randomized clinical trial",
            "randomised clinical trial",
            "randomized trial",
            "randomised trial",
        },
    ),
    (COHORT_STUDY, {"cohort study", "cohort studies", "observational study"}),
    (REVIEW, {"review", "scoping review"}),
)


_TYPE_SEPARATOR_RE = re.compile(r"[;,\n]")
# A URL ends at whitespace, at Mendeley's encoded line break, or at a ";" before another URL.
_URL_SEPARATOR_RE = re.compile(
    r"\s*;\s*(?=[a-z][a-z0-9+.\-]*://)|%0A(?=[a-z][a-z0-9+.\-]*://)|\s+", re.IGNORECASE
)
_NOT_WEB_LINK_RE = re.compile(r"<Go to ISI>://\S*|\binternal-pdf://\S*", re.IGNORECASE)
_RICH_TEXT_TAG_RE = re.compile(
    r"</?(?:i|b|sup|sub|sc)>|<span (?:class=\"nocase\"|style=\"font-variant:\s*small-caps;?\")>"
    r"|</span>",
    re.IGNORECASE,
)
# "PMID: 23439512" in a note; Zotero's BibTeX export braces the label: "{PMID:} 23439512".
_PMID_NOTE_RE = re.compile(r"(?<![A-Za-z])\{?PMID:\}?\s*([0-9]+)(?![0-9])", re.IGNORECASE)


class ImportFormatError(ValueError):
    """A file that cannot be imported: `record_number` (1-based, None for the whole file) and why.

    `label` names the record the way the report does ("record 3 (ID smith2020)"); str() of the
    error is the one line a person reads: "record 3 (ID smith2020): has no title".
    """

    def __init__(self, record_number: int | None, message: str, *, label: str = ""):
        self.record_number = record_number
        self.message = message
        self.label = label or (f"record {record_number}" if record_number else "")
        super().__init__(f"{self.label}: {message}" if self.label else message)


@dataclass(frozen=True)
class Record:
    """One reference as read from a file, before it is checked against the library.

    `key` is the citation key the file gives; when the file gives none, the parser suggests one
    and sets `key_generated` (a generated key is made unique on import and never counts as a
    difference from an existing reference). Authors are "Family GI" strings, one per author;
    `et_al` says the file names only the first of them (BibTeX "and others"). `alias` is a key
    the file gave that cannot be cited as written, replaced by a generated one on import.
    `warnings` name what the parser kept but could not read fully (LaTeX it could not convert);
    they do not stop the import and are shown in the report.
    """

    source_label: str
    title: str
    key: str = ""
    key_generated: bool = False
    kind: str = RESEARCH
    authors: tuple[str, ...] = ()
    et_al: bool = False
    container: str = ""
    year: int | None = None
    volume: str = ""
    issue: str = ""
    pages: str = ""
    doi: str = ""
    pmid: str = ""
    url: str = ""
    alias: str = ""
    warnings: tuple[str, ...] = ()

    def reference_fields(self) -> dict:
        """The values as Reference model fields (authors one a line), without the key."""
        values = {
            field.name: getattr(self, field.name)
            for field in fields(self)
            if field.name not in ("source_label", "key", "key_generated", "warnings")
        }
        values["authors"] = "\n".join(self.authors)
        return values


def decode_utf8(data: bytes) -> str:
    """Return the file's text, read strictly as UTF-8 (a byte-order mark is allowed).

    Raises ImportFormatError naming the first byte (counting from 1) and line that is not UTF-8.
    """
    body = data.removeprefix(b"\xef\xbb\xbf")
    offset = len(data) - len(body)
    if body.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFormatError(None, "the file is UTF-16, not UTF-8: save it as UTF-8.")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        position = offset + error.start
        line = data.count(b"\n", 0, position) + 1
        raise ImportFormatError(
            None,
            f"the file is not UTF-8 at byte {position + 1} (line {line}): save it as UTF-8.",
        ) from None


def clean_text(value) -> str:
    """A field as one line: None -> "", runs of whitespace and line breaks become one space."""
    if value is None:
        return ""
    return " ".join(str(value).split())


def normalise_pages(value) -> str:
    """ "123--130", "123 – 130" -> "123-130": one plain hyphen between first and last page.

    MEDLINE's shortened last page is written out ("1123-30" -> "1123-1130"): EndNote and
    PubMed's text format keep PubMed's short form, BibTeX exports usually have the full one,
    and the same paper from two tools should compare equal.
    """
    pages = re.sub(r"\s*(?:-+|\u2013|\u2014)\s*", "-", clean_text(value))
    first, separator, last = pages.partition("-")
    if first.isascii() and first.isdigit() and last.isascii() and last.isdigit():
        if len(last) < len(first):
            last = first[: len(first) - len(last)] + last
        return f"{first}{separator}{last}"
    return pages


def split_urls(values: Iterable[str]) -> list[str]:
    """The URLs in one or more URL fields, in order.

    Exporters put several in one field: RIS "http://a; http://b" or one a line, Mendeley's
    BibTeX "http://a%0Ahttp://b" (an encoded line break). A ";" inside a URL stays.
    EndNote's links that only EndNote opens ("<Go to ISI>://WOS:000…", "internal-pdf://…")
    are left out: they are no web address, and would make the record's URL invalid.
    """
    values = [_NOT_WEB_LINK_RE.sub(" ", value) for value in values]
    return [url for value in values for url in _URL_SEPARATOR_RE.split(value) if url]


def first_url(urls: list[str]) -> tuple[str, tuple[str, ...]]:
    """The URL a reference keeps (the first), and a warning naming it when there were more."""
    if len(urls) > 1:
        return urls[0], (f"the record has {len(urls)} URLs; only the first is kept: {urls[0]}",)
    return (urls[0] if urls else ""), ()


def strip_rich_text(value: str) -> str:
    """A title without the few HTML tags Zotero stores as rich text (<i>, <b>, <sup>, <sub>,
    <sc> and its <span> markers), which its RIS and CSL-JSON exports write as they are.

    Only those tags go, so a title such as "p<0.05 in <5% of cases" keeps its text; PubMed's
    <i> and <sup> are flattened the same way, so the same title from both compares equal.
    """
    return clean_text(_RICH_TEXT_TAG_RE.sub("", value))


def pmid_in_notes(values: Iterable[str]) -> str:
    """The PMID that a note states ("PMID: 23439512", Zotero's "{PMID:} 23439512"), or "".

    Only a labelled number counts: a bare number in a note may be any database's id.
    """
    for value in values:
        if match := _PMID_NOTE_RE.search(value):
            return match.group(1)
    return ""


def find_year(value) -> int | None:
    """The first four-digit year in a date ("2020/05/01/", "2019 Nov-Dec"), or None."""
    match = re.search(r"(?<![0-9])([0-9]{4})(?![0-9])", clean_text(value))
    return int(match.group(1)) if match else None


def author_name(family: str, given: str = "", suffix: str = "") -> str:
    """One author as Vetted stores it: "Family GI" ("Smith", "John A." -> "Smith JA").

    Initials lose their dots; hyphenated given names give one initial per part ("Jean-Pierre"
    -> "JP"). A suffix follows the initials without dots ("Jr."-> "Smith JA Jr").
    """
    parts = [clean_text(family), initials(given), clean_text(suffix).replace(".", "")]
    return " ".join(part for part in parts if part)


def initials(given: str) -> str:
    """ "John Andrew" -> "JA", "J. A." -> "JA", "JA" -> "JA", "Jean-Pierre" -> "JP"."""
    letters = []
    for word in re.split(r"[\s.\-\u2010]+", clean_text(given)):
        alphabetic = "".join(char for char in word if char.isalpha())
        if not alphabetic:
            continue
        # "JA" is already two initials; "Jo" and "JOHN" are names.
        if alphabetic.isupper() and len(alphabetic) <= 3 and word == alphabetic:
            letters.append(alphabetic)
        else:
            letters.append(alphabetic[0].upper())
    return "".join(letters)


def kind_from_publication_types(types: Iterable[str]) -> str | None:
    """The Reference kind that publication types name, most specific first; None if none does.

    Each value may hold several types separated by ";" or a line break ("Journal Article;
    Meta-Analysis", as EndNote writes its type field), or by "," (as keyword fields are).
    """
    named = {
        clean_text(name).lower() for value in types for name in _TYPE_SEPARATOR_RE.split(value)
    }
    for kind, names in PUBLICATION_TYPE_KINDS:
        if named & names:
            return kind
    return None


def refine_kind(kind: str, types: Iterable[str]) -> str:
    """The kind from a record's type, unless its publication types name a study design.

    Books and web pages stay what they are; an article or report tagged "Systematic Review"
    becomes a systematic review.
    """
    if kind in (TEXTBOOK, WEBSITE):
        return kind
    return kind_from_publication_types(types) or kind


def suggest_key(authors: Iterable[str], year: int | None, title: str) -> str:
    """A citation key for a record that has none: first author's family name and year.

    "García-López MJ", 2021 -> "garcialopez2021"; without authors the first word of the title
    stands in; without a year, "nd" (no date). Only a-z and 0-9, so always a valid key.
    """
    first_author = next(iter(authors), "")
    # Drop the trailing initials ("Smith JA" -> "Smith"), keeping particles ("van der Berg").
    words = first_author.split()
    while len(words) > 1 and (words[-1].isupper() or words[-1] in ("Jr", "Sr")):
        words.pop()
    stem = _ascii_slug(" ".join(words)) or _ascii_slug(next(iter(title.split()), "")) or "ref"
    return f"{stem[:60]}{year if year else 'nd'}"


def _ascii_slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def tagged(pairs):
    """The (tag, value) pairs of a tagged record (RIS, MEDLINE text) as (tags, first):
    `tags` maps each tag to its non-empty values in order, and `first(*names)` gives the first
    value of the first of `names` the record has, or ""."""
    tags = defaultdict(list)
    for tag, value in pairs:
        if value:
            tags[tag].append(value)

    def first(*names):
        return next((tags[name][0] for name in names if tags[name]), "")

    return tags, first
