"""Citation syntax and reference formatting (AMA style), as pure functions over plain data.

A reference reaches this module as a dict (the same dict that is frozen into a review round's
JSON snapshot), never as a model, so the functions work on live data and snapshots alike:

    {"key": "praxis-2025a", "kind": "guideline", "kind_label": "Guideline", "title": "...",
     "authors": ["Smith JA", "Doe B"], "et_al": False, "container": "...", "year": 2025,
     "volume": "", "issue": "", "pages": "", "doi": "10.1000/xyz", "pmid": "12345", "url": ""}

`et_al` is true when the source named only the first authors.

Every field may be missing or empty; nothing here raises because of that.
"""

import re
import unicodedata
from collections.abc import Mapping, Sequence
from html import escape
from urllib.parse import urlsplit

from references.identifiers import doi_url, normalise_doi, pubmed_url

# A key starts with a letter or digit, then letters, digits and "_-:." ("smith:2020.b").
KEY_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_\-:.]*"
KEY_RE = re.compile(KEY_PATTERN)

# The inside of a citation group: "@a" or "@a; @b; @c".
GROUP_PATTERN = rf"@{KEY_PATTERN}(?:\s*;\s*@{KEY_PATTERN})*"

# "[@key]" or "[@a; @b]". Group 1 is the inside, for parse_group(). Whitespace, including a
# line break from hard-wrapped text, may surround the keys and separators.
CITATION_RE = re.compile(rf"\[\s*({GROUP_PATTERN})\s*\]")

_GROUP_RE = re.compile(rf"\s*({GROUP_PATTERN})\s*")
_GROUP_KEY_RE = re.compile(rf"@({KEY_PATTERN})")

# AMA: list every author up to six; from seven on, the first three and "et al".
AMA_MAX_AUTHORS = 6
AMA_AUTHORS_BEFORE_ET_AL = 3

_TERMINAL_PUNCTUATION = (".", "?", "!")


def is_valid_key(key: str) -> bool:
    """Return True if `key` may be used as a reference key in a citation."""
    return isinstance(key, str) and KEY_RE.fullmatch(key) is not None


def parse_group(text: str) -> list[str]:
    """Return the keys of a citation group, in written order ("@a; @b" -> ["a", "b"]).

    `text` is what stands between the brackets of "[@a; @b]". A key cited twice in one group
    is returned twice, as written. Raises ValueError if `text` is not a citation group.
    """
    match = _GROUP_RE.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not a citation group (expected '@key' or '@a; @b').")
    return _GROUP_KEY_RE.findall(match.group(1))


def cited_keys(text: str) -> list[str]:
    """Return every key cited anywhere in `text`, once each, in order of first appearance.

    A plain scan of the whole source, every audience block included. It does not parse
    Markdown, so a citation written inside code counts too: the result is a superset of what
    renders, and fetching the references it names never misses one a reader can see.
    Never raises.
    """
    keys: dict[str, None] = {}  # a dict keeps first-appearance order while dropping repeats
    for match in CITATION_RE.finditer(text or ""):
        for key in parse_group(match.group(1)):
            keys.setdefault(key, None)
    return list(keys)


def citation_lines(text: str) -> dict[str, list[int]]:
    """Return each cited key with the 1-based lines its citations start on, in order.

    The same plain scan as cited_keys(): every audience block, and code too. Never raises.
    """
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    lines: dict[str, list[int]] = {}
    for match in CITATION_RE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        for key in parse_group(match.group(1)):
            seen = lines.setdefault(key, [])
            if line not in seen:
                seen.append(line)
    return lines


def format_reference(data: Mapping) -> str:
    """Return the reference as AMA-style HTML.

    Shape: `Authors. Title. <i>Container</i>. Year;Volume(Issue):Pages.`, with up to six
    authors, else the first three and "et al" ("et al" follows the named ones, too, when
    `et_al` is true). Every field is HTML-escaped, so the result is safe to insert as-is.
    Missing parts are left out together with their punctuation. DOI, PMID and URL are not
    included (the reference list links them separately). Returns "" when no part is present.
    """
    return " ".join(
        f"<i>{escape(text)}</i>{end}" if italic else escape(text + end)
        for text, italic, end in _ama_parts(data)
    )


def format_reference_text(data: Mapping) -> str:
    """Return the same AMA-style citation as format_reference(), as plain unescaped text.

    For JSON-LD, feeds and other places that escape on output themselves.
    """
    return " ".join(text + end for text, _italic, end in _ama_parts(data))


def render_reference_list(
    cited_keys: Sequence[str],
    references: Mapping[str, Mapping],
    citation_counts: Sequence[int],
) -> str:
    """Return the numbered reference list as safe HTML, or "" when nothing is cited.

    Item N (1-based, in the order of `cited_keys`) is `<li id="ref-N">` holding the kind label,
    the formatted reference, links to the DOI, PubMed and (only without a DOI) an http(s) URL,
    and one back-link per citation occurrence (`#cite-N-1` … `#cite-N-<count>`), matching the
    ids that articles.rendering gives the superscript numbers. Every text and attribute is
    escaped; an unparseable DOI/PMID or a non-http(s) URL is left out rather than linked.
    Raises ValueError if `citation_counts` is not aligned with `cited_keys`.
    """
    if len(cited_keys) != len(citation_counts):
        raise ValueError(
            f"citation_counts has {len(citation_counts)} entries for {len(cited_keys)} cited keys."
        )
    if not cited_keys:
        return ""
    items = [
        _reference_item(number, key, references.get(key) or {}, count)
        for number, (key, count) in enumerate(
            zip(cited_keys, citation_counts, strict=True), start=1
        )
    ]
    return '<ol class="references">\n' + "\n".join(items) + "\n</ol>"


def retracted_label(notice_doi="") -> str:
    """The "Retracted" label a retracted reference carries, as PubMed shows it, with a link to
    the retraction notice when its DOI is known. Safe HTML."""
    label = '<span class="ref-retracted">Retracted</span>'
    doi = _or_empty(normalise_doi, notice_doi)
    if doi:
        label += f' <a href="{escape(doi_url(doi))}" class="ref-retraction">retraction notice</a>'
    return label


def mark_retracted(references_html: str, notices: Mapping[int, str]) -> str:
    """Add the "Retracted" label to items of a list render_reference_list() made.

    `notices` maps an item's number to the notice's DOI ("" if unknown). An item that already
    carries the label keeps it as it is; numbers the list does not hold are ignored. Pure
    string work on markup this module wrote, so the label reads the same either way.
    """
    for number, notice_doi in notices.items():
        opening = f'<li id="ref-{int(number)}">'
        start = references_html.find(opening)
        if start < 0:
            continue
        end = start + len(opening)
        if references_html.startswith('<span class="ref-retracted">', end):
            continue
        references_html = (
            f"{references_html[:end]}{retracted_label(notice_doi)} {references_html[end:]}"
        )
    return references_html


def _reference_item(number: int, key: str, data: Mapping, count: int) -> str:
    parts = []
    if data.get("retracted") is True:
        # First, before the kind: a reader must not miss it (PubMed puts it above the title).
        parts.append(retracted_label(data.get("retraction_doi")))
    kind_label = _text(data.get("kind_label"))
    if kind_label:
        parts.append(f'<span class="ref-kind">{escape(kind_label)}</span>')
    # A reference with no usable field still shows its key, so the number never points at nothing.
    parts.append(format_reference(data) or escape(key))

    doi = _or_empty(normalise_doi, data.get("doi"))
    if doi:
        parts.append(f'<a href="{escape(doi_url(doi))}" class="ref-doi">{escape("doi:" + doi)}</a>')
    pmid_link = _or_empty(pubmed_url, data.get("pmid"))
    if pmid_link:
        parts.append(f'<a href="{escape(pmid_link)}" class="ref-pubmed">PubMed</a>')
    url = _http_url(data.get("url"))
    if url and not doi:
        parts.append(f'<a href="{escape(url)}" class="ref-url">{escape(url)}</a>')

    for occurrence in range(1, count + 1):
        parts.append(
            f'<a href="#cite-{number}-{occurrence}" class="ref-back"'
            f' aria-label="Back to citation {number}, occurrence {occurrence}">\u21a9</a>'
        )
    return f'<li id="ref-{number}">' + " ".join(parts) + "</li>"


def _ama_parts(data: Mapping) -> list[tuple[str, bool, str]]:
    """The citation's parts as (text, italic, closing punctuation), empty parts left out."""
    parts = []
    authors = _ama_authors(data.get("authors"), et_al=data.get("et_al") is True)
    title = _text(data.get("title"))
    container = _text(data.get("container"))
    for text, italic in ((authors, False), (title, False), (container, True)):
        if text:
            parts.append((text, italic, _closing(text)))

    year, volume, issue, pages = (
        _text(data.get(field)) for field in ("year", "volume", "issue", "pages")
    )
    # Each separator is written only between two present parts, so "2025;" or ";(" cannot appear.
    publication = year
    if volume:
        publication += (";" if publication else "") + volume
    if issue:
        publication += f"({issue})"
    if pages:
        publication += (":" if publication else "") + pages
    if publication:
        parts.append((publication, False, _closing(publication)))
    return parts


def _ama_authors(value, *, et_al: bool) -> str:
    """The author list; `et_al` says the source named only the first authors."""
    if isinstance(value, str):
        names = [value]
    elif isinstance(value, Sequence):
        names = list(value)
    else:
        names = []
    names = [name for name in (_text(name) for name in names) if name]
    if len(names) > AMA_MAX_AUTHORS:
        names = [*names[:AMA_AUTHORS_BEFORE_ET_AL], "et al"]
    elif et_al and names:
        names.append("et al")
    return ", ".join(names)


def _closing(text: str) -> str:
    return "" if text.endswith(_TERMINAL_PUNCTUATION) else "."


def _text(value) -> str:
    """A field as one line of text: None -> "", inner whitespace and line breaks collapsed."""
    if value is None:
        return ""
    return " ".join(str(value).split())


def _or_empty(normalise, value) -> str:
    """Run an identifier function, treating a malformed identifier like a missing one."""
    try:
        return normalise(value)
    except ValueError:
        return ""


def _http_url(value) -> str:
    """The URL if it is an absolute http(s) URL with no whitespace or control characters."""
    url = _text(value)
    if not url or any(char.isspace() or unicodedata.category(char) == "Cc" for char in url):
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    return url
