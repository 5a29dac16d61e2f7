"""CSL-JSON: the list of items that Zotero, Mendeley, pandoc and citeproc read and write.

Each item is an object with `id`, `type`, `title`, `author` (objects with family/given or
literal), `container-title`, `issued` and so on. Vetted's own export (references/csl.py) writes
the same shape, so an exported library imports back unchanged.
"""

import itertools
import json
import re

from references.importers import records
from references.importers.records import ImportFormatError, Record

# CSL type -> Reference kind. Articles and reports may be refined by their genre or keywords.
TYPE_KINDS = {
    "article-journal": records.RESEARCH,
    "article": records.RESEARCH,
    "article-magazine": records.RESEARCH,
    "article-newspaper": records.RESEARCH,
    "paper-conference": records.RESEARCH,
    "thesis": records.RESEARCH,
    "manuscript": records.RESEARCH,
    "dataset": records.RESEARCH,
    "book": records.TEXTBOOK,
    "chapter": records.TEXTBOOK,
    "entry": records.TEXTBOOK,
    "entry-dictionary": records.TEXTBOOK,
    "entry-encyclopedia": records.TEXTBOOK,
    "webpage": records.WEBSITE,
    "post": records.WEBSITE,
    "post-weblog": records.WEBSITE,
    # Vetted exports a guideline as a "report" (references/csl.py), so a report imports as one.
    "report": records.GUIDELINE,
    "standard": records.GUIDELINE,
    "legislation": records.GUIDELINE,
    "regulation": records.GUIDELINE,
}
TEXT_FIELDS = ("title", "container-title", "publisher", "volume", "issue", "page")
IDENTIFIER_FIELDS = ("DOI", "PMID", "URL")

# Zotero's CSL-JSON ids are item URIs ("http://zotero.org/users/…/items/ABCD1234"): not keys.
# Numeric ids are not keys either (see _key).
_URI_ID_RE = re.compile(r"[a-z][a-z0-9+.\-]*://", re.IGNORECASE)


def parse(data: bytes) -> list[Record]:
    """Return the items of a CSL-JSON file (a JSON list of objects) as records, in order.

    An item's `id` is its key, unless it is a URI (as Zotero writes), in which case a key is
    generated. Raises ImportFormatError for text that is not UTF-8 or not JSON (with the line
    and column), a top level that is not a list, or an item that is not an object or has a
    field of the wrong shape; the message names the item.
    """
    text = records.decode_utf8(data)
    try:
        items = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportFormatError(
            _failing_item(text),
            f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}.",
        ) from None
    except RecursionError:
        raise ImportFormatError(None, "not CSL-JSON: the JSON is nested too deeply.") from None
    if not isinstance(items, list):
        raise ImportFormatError(
            None,
            f"CSL-JSON must be a list of items ([{{…}}, {{…}}]), not {_json_type(items)}.",
        )
    if not items:
        raise ImportFormatError(None, "the file has no CSL-JSON items (the list is empty).")
    return [_record(number, item) for number, item in enumerate(items, start=1)]


def _record(number: int, item) -> Record:
    if not isinstance(item, dict):
        raise ImportFormatError(number, f"is {_json_type(item)}, not an object ({{…}}).")
    item_id = item.get("id")
    if isinstance(item_id, bool) or not isinstance(item_id, str | int | type(None)):
        raise ImportFormatError(number, f"has an id that is {_json_type(item_id)}, not text.")
    item_id = records.clean_text(item_id)
    label = f"record {number} (id {item_id})" if item_id else f"record {number}"
    key = _key(number, label, item, item_id)

    values = {}
    for field in (*TEXT_FIELDS, *IDENTIFIER_FIELDS, "genre", "keyword", "note"):
        value = item.get(field)
        if isinstance(value, list) and field == "container-title":
            value = value[0] if value else None  # some exporters write a list of titles
        if isinstance(value, bool) or not isinstance(value, str | int | float | type(None)):
            raise ImportFormatError(
                number, f"has a {field!r} that is {_json_type(value)}, not text.", label=label
            )
        values[field] = records.clean_text(value)

    authors = tuple(_author(number, label, name) for name in _list(number, label, item, "author"))
    year = _year(number, label, item.get("issued"))
    title = records.strip_rich_text(values["title"])
    csl_type = (
        records.clean_text(item.get("type")).lower() if isinstance(item.get("type"), str) else ""
    )
    kind = records.refine_kind(
        TYPE_KINDS.get(csl_type, records.RESEARCH),
        [values["genre"], values["keyword"]],
    )
    return Record(
        source_label=label,
        key=key or records.suggest_key(authors, year, title),
        key_generated=not key,
        kind=kind,
        title=title,
        authors=authors,
        container=values["container-title"] or values["publisher"],
        year=year,
        volume=values["volume"],
        issue=values["issue"],
        pages=records.normalise_pages(values["page"]),
        doi=values["DOI"],
        pmid=values["PMID"] or records.pmid_in_notes([values["note"]]),
        url=values["URL"],
    )


def _key(number: int, label: str, item: dict, item_id: str) -> str:
    """The citation key the item gives, or "" when a key must be generated.

    CSL-JSON 1.0.2's "citation-key" (Zotero 7, Better BibTeX) wins over `id`. An id that is
    a URI (Zotero's item URIs) or a bare number (a database row, as citeproc tools and some
    exporters number items 1, 2, 3) names the item only inside its file: taken as a key, two
    unrelated exports would both claim [@1].
    """
    citation_key = item.get("citation-key")
    if citation_key is not None and not isinstance(citation_key, str):
        raise ImportFormatError(
            number,
            f"has a 'citation-key' that is {_json_type(citation_key)}, not text.",
            label=label,
        )
    if key := records.clean_text(citation_key):
        return key
    if _URI_ID_RE.match(item_id) or (item_id.isascii() and item_id.isdigit()):
        return ""
    return item_id


def _list(number: int, label: str, item: dict, field: str) -> list:
    value = item.get(field) or []
    if not isinstance(value, list):
        raise ImportFormatError(
            number, f"has an {field!r} that is {_json_type(value)}, not a list.", label=label
        )
    return value


def _author(number: int, label: str, name) -> str:
    """A CSL name: family (with its particles) and given as "Family GI", or a body's name
    (`literal`, or Crossref's `name`)."""
    if not isinstance(name, dict):
        raise ImportFormatError(
            number, f"has an author that is {_json_type(name)}, not an object.", label=label
        )
    parts = {
        part: records.clean_text(name.get(part)) if isinstance(name.get(part), str) else ""
        for part in (
            "family",
            "given",
            "suffix",
            "literal",
            "name",
            "dropping-particle",
            "non-dropping-particle",
        )
    }
    family = " ".join(
        filter(None, (parts["dropping-particle"], parts["non-dropping-particle"], parts["family"]))
    )
    if parts["family"]:
        return records.author_name(family, parts["given"], parts["suffix"])
    # Crossref's CSL-JSON (a DOI resolved as CSL) names a body with "name", not "literal".
    if body := parts["literal"] or parts["name"] or parts["given"]:
        return body
    raise ImportFormatError(
        number, "has an author with neither a family name nor a literal name.", label=label
    )


def _year(number: int, label: str, issued) -> int | None:
    """The year of `issued`: {"date-parts": [[2020, 5]]}, or a "raw"/"literal" date string."""
    if issued is None:
        return None
    if isinstance(issued, str):
        return records.find_year(issued)
    if not isinstance(issued, dict):
        raise ImportFormatError(
            number, f"has an 'issued' that is {_json_type(issued)}, not a date.", label=label
        )
    parts = issued.get("date-parts")
    if parts:
        first = parts[0] if isinstance(parts, list) and isinstance(parts[0], list) else None
        if not first or isinstance(first[0], bool) or not isinstance(first[0], int | str):
            raise ImportFormatError(
                number, "has 'issued' date-parts that are not [[year, month, day]].", label=label
            )
        return records.find_year(str(first[0]).zfill(4))
    for field in ("raw", "literal"):
        if isinstance(issued.get(field), str):
            return records.find_year(issued[field])
    return None


def _failing_item(text: str) -> int | None:
    """The number of the list item where invalid JSON is, read item by item; None if the
    error is not inside an item of a top-level list."""
    decoder = json.JSONDecoder()
    position = len(text) - len(text.lstrip())
    if not text.startswith("[", position):
        return None
    position += 1
    for number in itertools.count(1):
        position = len(text) - len(text[position:].lstrip())
        if position == len(text) or text.startswith("]", position):
            return None
        try:
            _, position = decoder.raw_decode(text, position)
        except (json.JSONDecodeError, RecursionError):
            return number
        position = len(text) - len(text[position:].lstrip())
        if not text.startswith(",", position):
            # The list should close here; a fault right after this item is in the next one.
            return None if position == len(text) or text.startswith("]", position) else number + 1
        position += 1
    return None


def _json_type(value) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "text"
    if isinstance(value, bool):
        return "true or false"
    if value is None:
        return "null"
    return "a number"
