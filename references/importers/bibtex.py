"""BibTeX and BibLaTeX (.bib): `@article{key, field = {value}, …}` entries.

Text outside entries is a comment, as in BibTeX. Values are `{braced}`, `"quoted"`, numbers or
@string abbreviations (the month names are predefined), joined with `#`. Names in `author` are
separated by "and" and written "Family, Given", "Family, Suffix, Given" or "Given von Family";
braces group words ("{World Health Organization}" is one name). LaTeX becomes Unicode
(references.importers.latex): "M{\\"u}ller" -> "Müller", "$\\alpha$" -> "α"; a command without a
Unicode equivalent is kept as written and named in the record's warnings.
"""

import re

from references.importers import records
from references.importers.latex import Converted, latex_to_unicode
from references.importers.records import ImportFormatError, Record

# Entry type -> Reference kind. Articles and reports may be refined by their keywords.
TYPE_KINDS = {
    "article": records.RESEARCH,
    "inproceedings": records.RESEARCH,
    "conference": records.RESEARCH,
    "proceedings": records.RESEARCH,
    "phdthesis": records.RESEARCH,
    "mastersthesis": records.RESEARCH,
    "thesis": records.RESEARCH,
    "unpublished": records.RESEARCH,
    "book": records.TEXTBOOK,
    "mvbook": records.TEXTBOOK,
    "inbook": records.TEXTBOOK,
    "incollection": records.TEXTBOOK,
    "booklet": records.TEXTBOOK,
    "reference": records.TEXTBOOK,
    "inreference": records.TEXTBOOK,
    "online": records.WEBSITE,
    "electronic": records.WEBSITE,
    "www": records.WEBSITE,
    "webpage": records.WEBSITE,
    # As in RIS: guidelines are published as reports, and Vetted exports guidelines as reports.
    "techreport": records.GUIDELINE,
    "report": records.GUIDELINE,
    "standard": records.GUIDELINE,
}
CONTAINER_FIELDS = (
    "journal",
    "journaltitle",
    "booktitle",
    "publisher",
    "institution",
    "organization",
    "school",
)
# Where Zotero and others write a PMID that has no field of its own ("{PMID:} 23439512").
NOTE_FIELDS = ("note", "annote", "annotation", "extra", "addendum")
# BibTeX predefines the month abbreviations.
MONTHS = {
    "jan": "January",
    "feb": "February",
    "mar": "March",
    "apr": "April",
    "may": "May",
    "jun": "June",
    "jul": "July",
    "aug": "August",
    "sep": "September",
    "oct": "October",
    "nov": "November",
    "dec": "December",
}
SKIPPED_ENTRY_TYPES = {"comment", "preamble"}
REPORT_TYPES = {"techreport", "report", "standard"}

_ENTRY_START_RE = re.compile(r"@\s*([A-Za-z]+)\s*([{(])")
_FIELD_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_\-:.+]*")
_KEY_RE = re.compile(r"[^\s,{}()\"#%'=]+")
_NUMBER_RE = re.compile(r"[0-9]+")

_ESCAPED_RE = re.compile(r"\\([&%$#_{}])")


def parse(data: bytes) -> list[Record]:
    """Return the entries of a BibTeX file as records, in file order.

    @string abbreviations are expanded; @comment and @preamble are skipped. Raises
    ImportFormatError for text that is not UTF-8, an entry that is not well formed (unclosed
    brace or quote, missing key, "=" or comma, unknown abbreviation) or a file without entries;
    the message names the entry and the line.
    """
    return _Parser(records.decode_utf8(data)).entries()


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.pos = 0
        self.strings = dict(MONTHS)
        self.number = 0  # entries seen so far, @string and @comment not counted
        self.label, self.record_number = "", None

    def entries(self) -> list[Record]:
        parsed = []
        while (start := self.text.find("@", self.pos)) != -1:
            match = _ENTRY_START_RE.match(self.text, start)
            if match is None:
                # An "@" that starts no entry ("write to a@b.org") is comment text, as in BibTeX.
                self.pos = start + 1
                continue
            entry_type, opening = match.group(1).lower(), match.group(2)
            self.pos = match.end()
            closing = "}" if opening == "{" else ")"
            if entry_type in SKIPPED_ENTRY_TYPES:
                self.place(f"an @{entry_type}")
                self.skip_group(opening, closing, start)
            elif entry_type == "string":
                self.place("an @string abbreviation")
                name, value = self.field(closing)
                self.strings[name] = value
                self.skip_space()
                self.expect(closing, "to close the @string")
            else:
                self.number += 1
                parsed.append(self.entry(entry_type, closing))
        if not parsed:
            raise ImportFormatError(None, "the file has no BibTeX entries (like @article{…}).")
        return parsed

    def entry(self, entry_type: str, closing: str) -> Record:
        self.place(f"record {self.number}", self.number)
        self.skip_space()
        key_match = _KEY_RE.match(self.text, self.pos)
        if key_match is None:
            self.fail(f"has no citation key after '@{entry_type}{{'")
        key = key_match.group(0)
        self.place(f"record {self.number} (key {key})", self.number)
        self.pos = key_match.end()
        fields = {}
        self.skip_space()
        while self.peek() != closing:
            if not self.peek():
                self.fail(f"is never closed: the file ends before its '{closing}'")
            self.expect(",", f"after the key {key!r}" if not fields else "between fields")
            self.skip_space()
            if self.peek() == closing:  # a comma after the last field is allowed
                break
            name, value = self.field(closing)
            fields.setdefault(name, value)  # BibTeX keeps the first of a repeated field
            self.skip_space()
        self.pos += 1
        return _record(self.label, entry_type, key, fields)

    def field(self, closing: str) -> tuple[str, str]:
        self.skip_space()
        match = _FIELD_NAME_RE.match(self.text, self.pos)
        if match is None:
            self.fail("expected a field name (like title = {…})")
        name = match.group(0).lower()
        self.pos = match.end()
        self.skip_space()
        self.expect("=", f"after the field name {name!r}")
        parts = [self.value_part(name)]
        self.skip_space()
        while self.peek() == "#":
            self.pos += 1
            parts.append(self.value_part(name))
            self.skip_space()
        return name, "".join(parts)

    def value_part(self, name: str) -> str:
        self.skip_space()
        char = self.peek()
        if char == "{":
            return self.braced()
        if char == '"':
            return self.quoted()
        number = _NUMBER_RE.match(self.text, self.pos)
        if number:
            self.pos = number.end()
            return number.group(0)
        word = _FIELD_NAME_RE.match(self.text, self.pos)
        if word:
            self.pos = word.end()
            abbreviation = word.group(0).lower()
            if abbreviation not in self.strings:
                self.fail(f"the field {name!r} uses {word.group(0)!r}, which no @string defines")
            return self.strings[abbreviation]
        self.fail(f'the field {name!r} has no value (expected {{…}}, "…" or a number)')

    def braced(self) -> str:
        """The text between a "{" at pos and its matching "}", inner braces kept."""
        return self.enclosed(first=0, closing="}", name="'{'")

    def quoted(self) -> str:
        """The text between a '"' at pos and the next '"' outside braces."""
        return self.enclosed(first=1, closing='"', name="'\"'")

    def enclosed(self, *, first: int, closing: str, name: str) -> str:
        """Scan from pos + `first`, skipping escapes and counting braces, to the `closing`
        character at brace depth 0; return what lies between pos and it."""
        start = self.pos
        depth = 0
        position = start + first
        while position < len(self.text):
            char = self.text[position]
            if char == "\\":
                position += 2
                continue
            if char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
            if char == closing and depth == 0:
                self.pos = position + 1
                return self.text[start + 1 : position]
            position += 1
        self.pos = start
        self.fail(f"has a {name} that is never closed")

    def skip_group(self, opening: str, closing: str, start: int) -> None:
        depth = 1
        position = self.pos
        while position < len(self.text):
            char = self.text[position]
            if char == opening:
                depth += 1
            elif char == closing:
                depth -= 1
                if depth == 0:
                    self.pos = position + 1
                    return
            position += 1
        self.pos = start
        self.fail(f"has a '{opening}' that is never closed")

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def expect(self, char: str, where: str) -> None:
        if self.peek() != char:
            found = repr(self.peek()) if self.peek() else "the end of the file"
            self.fail(f"expected {char!r} {where}, found {found}")
        self.pos += 1

    def place(self, label: str, record_number: int | None = None) -> None:
        """Name what is being read, for error messages: "record 3 (key smith2020)"."""
        self.label, self.record_number = label, record_number

    def fail(self, message: str):
        line = self.text.count("\n", 0, self.pos) + 1
        raise ImportFormatError(self.record_number, f"{message} (line {line}).", label=self.label)


class _Latex:
    """Converts a record's fields to Unicode and collects, per field, the LaTeX it kept."""

    def __init__(self):
        self.warnings: dict[str, None] = {}  # ordered and without repeats
        self.converted: dict[str, Converted] = {}

    def __call__(self, value: str, field: str) -> str:
        if value not in self.converted:
            self.converted[value] = latex_to_unicode(value)
        converted = self.converted[value]
        if converted.unconverted:
            self.warnings.setdefault(
                f"the {field} keeps {', '.join(converted.unconverted)} as written: "
                "no Unicode character stands for it"
            )
        return converted.text


def _record(label: str, entry_type: str, key: str, fields: dict[str, str]) -> Record:
    latex = _Latex()

    def text(name):
        return latex(fields.get(name, ""), name)

    names = split_names(fields.get("author", ""))
    # "and others" is how BibTeX says "et al."; it is valid only as the last name.
    et_al = bool(names) and names[-1].lower() == "others"
    if et_al:
        names.pop()
    authors = tuple(name for name in (_author(raw, latex) for raw in names) if name)
    year = records.find_year(text("year")) or records.find_year(text("date"))
    kind = TYPE_KINDS.get(entry_type, records.RESEARCH)
    # Mendeley joins several URLs with an encoded line break ("http://a{\\%}0Ahttp://b").
    url, url_warnings = records.first_url(records.split_urls([_verbatim(fields.get("url", ""))]))
    container = next((text(name) for name in CONTAINER_FIELDS if text(name)), "")
    if entry_type == "misc" and url and not container:
        kind = records.WEBSITE  # @misc is how plain BibTeX cites a web page
    pmid = _verbatim(fields.get("pmid", ""))
    # BibLaTeX names PubMed "pubmed"; Zotero's BibLaTeX export writes "pmid".
    if not pmid and text("eprinttype").lower() in ("pubmed", "pmid"):
        pmid = _verbatim(fields.get("eprint", ""))
    if not pmid:
        pmid = records.pmid_in_notes(fields.get(name, "") for name in NOTE_FIELDS)
    # BibLaTeX's "type" (and EndNote's export of its type field) may name the study design.
    publication_types = [text("keywords"), text("type"), text("pubtype")]
    title = text("title")
    return Record(
        source_label=label,
        key=key,
        kind=records.refine_kind(kind, publication_types),
        title=title,
        authors=authors,
        et_al=et_al,
        container=container,
        year=year,
        volume=text("volume"),
        # A report's "number" is the report's own number (NG-17), not a journal issue.
        issue=text("issue") if entry_type in REPORT_TYPES else text("number") or text("issue"),
        pages=records.normalise_pages(text("pages")),
        doi=_verbatim(fields.get("doi", "")),
        pmid=pmid,
        url=url,
        warnings=(*latex.warnings, *url_warnings),
    )


def split_names(value: str) -> list[str]:
    """The names in an author field, split on "and" outside braces, "others" included."""
    names, depth, start, position = [], 0, 0, 0
    while position < len(value):
        char = value[position]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif depth == 0 and char.isspace():
            match = re.match(r"\s+and\s+", value[position:], re.IGNORECASE)
            if match:
                names.append(value[start:position])
                position += match.end()
                start = position
                continue
        position += 1
    names.append(value[start:])
    return [name.strip() for name in names if name.strip()]


def _author(raw: str, latex: _Latex) -> str:
    """One BibTeX name as "Family GI"; a name wholly in braces is a body's name, kept whole."""
    raw = raw.strip()
    if raw.startswith("{") and _matching_brace(raw, 0) == len(raw) - 1:
        return latex(raw, "author")
    parts = _split_outside_braces(raw, ",")
    if len(parts) >= 3:  # "Family, Suffix, Given"
        family, suffix, given = parts[0], parts[1], parts[2]
    elif len(parts) == 2:  # "Family, Given"
        family, suffix, given = parts[0], "", parts[1]
    else:  # "Given von Family": the family name starts at the first lower-case word.
        words = _split_outside_braces(raw, None)
        von = next(
            (index for index, word in enumerate(words[:-1]) if index and word[:1].islower()),
            len(words) - 1,
        )
        given, family, suffix = " ".join(words[:von]), " ".join(words[von:]), ""
    return records.author_name(
        latex(family, "author"), latex(given, "author"), latex(suffix, "author")
    )


def _split_outside_braces(text: str, separator: str | None) -> list[str]:
    """Split on `separator` (None: whitespace) where no brace is open."""
    parts, depth, current = [], 0, []
    for char in text:
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        is_separator = char.isspace() if separator is None else char == separator
        if is_separator and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [part.strip() for part in parts if part.strip()]


def _matching_brace(text: str, start: int) -> int:
    depth = 0
    for position in range(start, len(text)):
        if text[position] == "{":
            depth += 1
        elif text[position] == "}":
            depth -= 1
            if depth == 0:
                return position
    return -1


def _verbatim(value: str) -> str:
    """A DOI, URL or PMID: only escapes and braces removed, no other LaTeX touched."""
    text = _ESCAPED_RE.sub(lambda match: match.group(1), value)
    return records.clean_text(text.replace("{", "").replace("}", ""))
