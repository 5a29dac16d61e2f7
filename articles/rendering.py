"""Article body rendering: audience blocks -> citations -> Markdown -> sanitised HTML.

One pipeline serves the draft preview, the review preview and the round frozen for the public
page, so all three show the same thing. Pure: text and reference data in, HTML and diagnostics
out; no models, no settings, no module-level state that depends on content (a fresh
`markdown.Markdown` is built per call, so concurrent renders cannot leak into each other).

Audience blocks are fenced by lines, not by Markdown:

    ::: audience patient caregiver
    Only patients and caregivers read this.
    :::

Fence lines are recognised anywhere, even inside a Markdown code block. Lines an audience does
not see are replaced by empty lines rather than removed, so line numbers stay those of the source.
"""

import bisect
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from html import escape as html_escape
from xml.etree import ElementTree as etree

import markdown
import nh3
from markdown.extensions import Extension
from markdown.extensions.fenced_code import FencedCodeExtension
from markdown.extensions.footnotes import FootnoteExtension
from markdown.extensions.sane_lists import SaneListExtension
from markdown.extensions.tables import TableExtension
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from pymdownx.tilde import DeleteSubExtension

from references.citations import CITATION_RE, GROUP_PATTERN, parse_group

# --- Sanitiser --------------------------------------------------------------------------------

ALLOWED_TAGS = frozenset(
    {
        "p", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "strong", "em", "b", "i",
        "code", "pre", "blockquote", "a", "sup", "sub", "table", "thead", "tbody", "tr",
        "th", "td", "hr", "br", "img", "span", "del", "div",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    # aria-label names the reference list's "↩" back-links for screen readers.
    "a": {"href", "title", "id", "aria-label"},
    "li": {"id"},
    # Footnotes: <sup id="fnref:1"> in the text, <li id="fn:1"> in the list at the end.
    "sup": {"id"},
    "img": {"src", "alt", "title"},
    # Markdown writes <ol start="3"> for a list that starts at 3; dropping it renumbers the list.
    "ol": {"start"},
}
# Classes are allowed one by one, only where the citation and reference-list markup uses them.
ALLOWED_CLASSES = {
    "sup": {"cite", "cite-missing"},
    "a": {
        "ref-doi",
        "ref-pubmed",
        "ref-url",
        "ref-back",
        "ref-retraction",
        "footnote-ref",
        "footnote-backref",
    },
    "span": {"ref-kind", "ref-retracted"},
    "ol": {"references"},
    "div": {"footnote"},
}
# Table alignment as a fixed set of attribute values, so no style attribute is ever needed.
ALLOWED_ATTRIBUTE_VALUES = {
    "td": {"align": {"left", "center", "right"}},
    "th": {"align": {"left", "center", "right"}},
}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Dropped with their content, not just unwrapped: their text is code or styling, never prose.
REMOVED_WITH_CONTENT = frozenset({"script", "style", "template", "iframe", "noscript", "object"})

# The Cleaner holds configuration only, never content, so one shared instance is safe.
_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(REMOVED_WITH_CONTENT),
    attributes=ALLOWED_ATTRIBUTES,
    tag_attribute_values=ALLOWED_ATTRIBUTE_VALUES,
    allowed_classes=ALLOWED_CLASSES,
    url_schemes=set(ALLOWED_URL_SCHEMES),
    strip_comments=True,
    # No rel="noopener noreferrer" on every link: with target not allowed, noopener does
    # nothing, and the referrer is governed site-wide by the Referrer-Policy header (Django's
    # SecurityMiddleware sends "same-origin"). It would also clutter the in-page "#ref-N" links.
    link_rel=None,
)


def sanitise(html: str) -> str:
    """Return `html` reduced to the allow-list above, safe to insert into a page.

    Unknown tags are unwrapped (their text kept, escaped); script/style/iframe-like tags are
    removed with their content; comments, event handlers, style attributes and URLs other
    than http, https, mailto and relative ones (such as "#ref-1") are removed. Never raises
    for any string.
    """
    return _CLEANER.clean(html)


# --- Diagnostics and results ------------------------------------------------------------------


@dataclass(frozen=True)
class Diagnostic:
    """One problem in an article source, for the editor. `message` is plain text."""

    line: int  # 1-based line in the source
    code: str  # unknown-citation, unclosed-block, unknown-audience, stray-close, nested-block,
    # empty-block-audiences
    message: str


@dataclass(frozen=True)
class Rendered:
    """The body of one audience's text, ready to store or show."""

    html: str  # sanitised body HTML
    cited_keys: tuple[str, ...]  # known keys in order of first citation (their numbers)
    citation_counts: tuple[int, ...]  # occurrences of each cited key, aligned with cited_keys
    diagnostics: tuple[Diagnostic, ...]


# --- Audience blocks --------------------------------------------------------------------------

# "::: audience a b", "::: audience a, b"; also a bare "::: audience", reported as empty.
_OPENING_RE = re.compile(r"^:::\s*audience(?=$|[\s,])(.*)$", re.IGNORECASE)
_CLOSING = ":::"


def normalise_line_ends(text):
    """`text` with every line end as LF. Only \\n, \\r\\n and \\r end a line, as in editors and
    in Markdown (not str.splitlines()'s extra separators)."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if text else text


def _split_lines(source: str) -> list[str]:
    # So the line numbers shown match what the editor sees.
    return normalise_line_ends(source).split("\n")


@dataclass(frozen=True)
class _Layout:
    """The source split into lines, each with who may read it."""

    lines: tuple[str, ...]
    # None: shared by every audience; a frozenset: the audiences of the block holding the line.
    readers: tuple[frozenset[str] | None, ...]
    fences: frozenset[int]  # 0-based indexes of opening and closing lines
    blocks: tuple[tuple[int, tuple[str, ...]], ...]  # (opening line, audiences as written)
    problems: tuple[Diagnostic, ...]  # structural problems; audience names are checked later

    def text_for(self, audience: str) -> str:
        return "\n".join(
            line if index not in self.fences and (readers is None or audience in readers) else ""
            for index, (line, readers) in enumerate(zip(self.lines, self.readers, strict=True))
        )

    def text_for_everyone(self) -> str:
        """Shared text plus every block's text: what check() scans for citations."""
        return "\n".join(
            "" if index in self.fences else line for index, line in enumerate(self.lines)
        )

    def audience_problems(self, audiences: Collection[str]) -> list[Diagnostic]:
        known = (
            f" (known audiences: {', '.join(sorted(audiences))})"
            if audiences
            else " (no audiences are defined)"
        )
        return [
            Diagnostic(line, "unknown-audience", f'Line {line}: unknown audience "{slug}"{known}.')
            for line, slugs in self.blocks
            for slug in slugs
            if slug not in audiences
        ]


def _layout(source: str) -> _Layout:
    lines = _split_lines(source)
    readers: list[frozenset[str] | None] = []
    fences: set[int] = set()
    blocks: list[tuple[int, tuple[str, ...]]] = []
    problems: list[Diagnostic] = []
    open_block: tuple[int, frozenset[str]] | None = None  # (opening line, audiences)

    for index, text in enumerate(lines):
        number = index + 1
        stripped = text.strip()
        opening = _OPENING_RE.match(stripped)
        if opening:
            fences.add(index)
            readers.append(frozenset())
            # dict.fromkeys: drop repeated names but keep the written order for messages.
            slugs = tuple(dict.fromkeys(s for s in re.split(r"[\s,]+", opening.group(1)) if s))
            if open_block is not None:
                # Blocks cannot nest: the new opening ends the open block and starts its own.
                problems.append(
                    Diagnostic(
                        number,
                        "nested-block",
                        f"Line {number}: audience block starts inside the block opened on line "
                        f'{open_block[0]}; blocks cannot nest, so close that one with ":::" first.',
                    )
                )
            if not slugs:
                problems.append(
                    Diagnostic(
                        number,
                        "empty-block-audiences",
                        f"Line {number}: audience block names no audience, so no reader sees it.",
                    )
                )
            blocks.append((number, slugs))
            open_block = (number, frozenset(slugs))
        elif stripped == _CLOSING:
            fences.add(index)
            readers.append(frozenset())
            if open_block is None:
                problems.append(
                    Diagnostic(
                        number,
                        "stray-close",
                        f'Line {number}: ":::" does not close any audience block.',
                    )
                )
            open_block = None
        else:
            readers.append(None if open_block is None else open_block[1])

    if open_block is not None:
        # The block runs to the end: its text stays with its audiences rather than leaking to all.
        line = open_block[0]
        problems.append(
            Diagnostic(
                line,
                "unclosed-block",
                f'Line {line}: audience block is never closed; add a line with ":::" after it.',
            )
        )
    return _Layout(tuple(lines), tuple(readers), frozenset(fences), tuple(blocks), tuple(problems))


def text_for_audience(source: str, audience: str) -> str:
    """Return the Markdown one audience reads: shared lines plus the blocks that name it.

    Fence lines and other audiences' lines become empty lines, so line N of the result is line N
    of the source. Line endings are normalised to "\\n". An audience no block names gets the
    shared text only. An unclosed block runs to the end of the source. Never raises.
    """
    return _layout(source).text_for(audience)


# --- Citations inside Markdown ----------------------------------------------------------------

# Each citation in the text gets a numbered marker before its "]" so the Markdown extension
# can tell which source line it came from. Private-use characters never mean anything in an
# article; any already in the source are dropped so a marker cannot be forged.
_MARK_START, _MARK_END = "\ue000", "\ue001"
_MARKER_RE = re.compile(f"{_MARK_START}[0-9]*{_MARK_END}")
_MARKED_CITATION_PATTERN = rf"\[\s*({GROUP_PATTERN})\s*{_MARK_START}([0-9]+){_MARK_END}\]"
_GROUP_INDEX_ATTRIBUTE = "data-vetted-citation"

# After the backtick (190) and escape (180) patterns, so code spans and "\[@key]" stay text;
# before reference (170) and link (160), so "[@key]" is never read as a link label.
_CITATION_PRIORITY = 175
# After the inline treeprocessor (20) has built the tree, so document order is final.
_NUMBERING_PRIORITY = 15


@dataclass
class _Citations:
    """Per-conversion citation state; lives as long as one markdown.Markdown instance."""

    groups: list[tuple[int, tuple[str, ...]]]  # (source line, keys) by marker number
    known_keys: Collection[str]
    cited_keys: list[str]
    counts: list[int]
    problems: list[Diagnostic]


def _mark_citations(text: str) -> tuple[str, list[tuple[int, tuple[str, ...]]]]:
    """Add a marker to every citation group and return the groups' lines and keys."""
    newlines = [position for position, char in enumerate(text) if char == "\n"]
    groups: list[tuple[int, tuple[str, ...]]] = []

    def mark(match: re.Match) -> str:
        line = bisect.bisect_left(newlines, match.start()) + 1
        groups.append((line, tuple(parse_group(match.group(1)))))
        return f"{match.group(0)[:-1]}{_MARK_START}{len(groups) - 1}{_MARK_END}]"

    return CITATION_RE.sub(mark, text), groups


class _CitationInlineProcessor(InlineProcessor):
    """Replaces a marked citation group with an empty <sup>; numbering happens later."""

    def handleMatch(self, m, data):
        element = etree.Element("sup")
        element.set(_GROUP_INDEX_ATTRIBUTE, m.group(2))
        return element, m.start(0), m.end(0)


class _CitationNumbering(Treeprocessor):
    """Numbers citations in document order and fills in their links.

    Done on the finished tree, not in the inline processor: Python-Markdown processes nested
    blocks (list items, quotes) after their parents' siblings, which is not reading order.
    """

    def __init__(self, md, citations: _Citations):
        super().__init__(md)
        self.citations = citations

    def run(self, root):
        state = self.citations
        numbers: dict[str, int] = {}
        sups = [el for el in root.iter("sup") if _GROUP_INDEX_ATTRIBUTE in el.attrib]
        for sup in sups:
            line, keys = state.groups[int(sup.attrib.pop(_GROUP_INDEX_ATTRIBUTE))]
            links: list[tuple[int, int] | None] = []  # (number, occurrence), None if unknown
            for key in keys:
                if key not in state.known_keys:
                    links.append(None)
                    state.problems.append(
                        Diagnostic(
                            line, "unknown-citation", f'Line {line}: unknown citation key "{key}".'
                        )
                    )
                    continue
                if key not in numbers:
                    state.cited_keys.append(key)
                    state.counts.append(0)
                    numbers[key] = len(state.cited_keys)
                number = numbers[key]
                state.counts[number - 1] += 1
                links.append((number, state.counts[number - 1]))
            _fill_citation(sup, links)


def _fill_citation(sup: etree.Element, links: list[tuple[int, int] | None]) -> None:
    """`<sup class="cite"><a href="#ref-1" id="cite-1-2">1</a>, ?</sup>` ("?": unknown key)."""
    sup.set("class", "cite cite-missing" if None in links else "cite")
    last: etree.Element | None = None

    def append_text(text: str) -> None:
        if last is None:
            sup.text = (sup.text or "") + text
        else:
            last.tail = (last.tail or "") + text

    for position, link in enumerate(links):
        if position:
            append_text(", ")
        if link is None:
            # An unknown key stays visible as "?" instead of disappearing from the text.
            append_text("?")
            continue
        number, occurrence = link
        last = etree.SubElement(sup, "a", {"href": f"#ref-{number}"})
        last.set("id", f"cite-{number}-{occurrence}")
        last.text = str(number)


class _CitationExtension(Extension):
    def __init__(self, citations: _Citations):
        super().__init__()
        self.citations = citations

    def extendMarkdown(self, md):
        md.inlinePatterns.register(
            _CitationInlineProcessor(_MARKED_CITATION_PATTERN, md), "citation", _CITATION_PRIORITY
        )
        md.treeprocessors.register(
            _CitationNumbering(md, self.citations), "citation_numbering", _NUMBERING_PRIORITY
        )


# --- Markdown ---------------------------------------------------------------------------------


class _DemoteTopHeadings(Treeprocessor):
    """h1 -> h2: the article title is the page's only h1."""

    def run(self, root):
        for heading in root.iter("h1"):
            heading.tag = "h2"


class _NoRawHtmlExtension(Extension):
    """Raw HTML typed in Markdown comes out as escaped text instead of markup."""

    def extendMarkdown(self, md):
        md.preprocessors.deregister("html_block")
        # After whitespace is normalised (30, tabs expanded), before fenced code (25).
        md.preprocessors.register(_CommonMarkLists(md), "commonmark_lists", 27)
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_DemoteTopHeadings(md), "demote_top_headings", 5)


# Python-Markdown recurses per level of nesting and its link pattern is quadratic in nested
# brackets, so a hostile body could raise RecursionError or hold a worker for minutes. No real
# article nests this deep; beyond it the text is shown escaped and check() reports it.
MAX_NESTING = 30
_MAX_INDENT = MAX_NESTING * 4
_QUOTE_PREFIX_RE = re.compile(r"[ \t>]*")


def nesting_problem(text: str) -> Diagnostic | None:
    """The first line where lists, quotes or brackets nest deeper than MAX_NESTING, if any."""
    brackets = 0
    lines = [line.expandtabs(4) for line in _split_lines(text)]
    # Measured as Python-Markdown will read it: two spaces may make a level of list.
    laid_out = nest_lists_as_commonmark(lines)
    for number, (line, rendered) in enumerate(zip(lines, laid_out, strict=True), start=1):
        indent = max(len(line) - len(line.lstrip(" ")), len(rendered) - len(rendered.lstrip(" ")))
        quotes = _QUOTE_PREFIX_RE.match(line).group().count(">")
        for char in line:
            if char == "[":
                brackets += 1
                if brackets > MAX_NESTING:
                    break
            elif char == "]":
                brackets = max(brackets - 1, 0)
        if indent > _MAX_INDENT or quotes > MAX_NESTING or brackets > MAX_NESTING:
            return Diagnostic(
                number,
                "too-deep",
                f"Line {number}: lists, quotes or brackets nest more than {MAX_NESTING} levels "
                "deep; simplify the structure.",
            )
    return None


# A list item's first line: indent, marker ("-", "*", "+", "1." or "1)"), then spaces or nothing.
_LIST_ITEM_RE = re.compile(r"^( *)([-*+]|[0-9]{1,9}[.)])( +|$)")
_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def nest_lists_as_commonmark(lines: list[str]) -> list[str]:
    """Re-indent nested lists so Python-Markdown nests them as CommonMark and GFM do.

    Python-Markdown nests a list only when it is indented four spaces, so the two-space lists
    that GitHub, Obsidian and most editors write came out flat, without a word. CommonMark's
    rule is that a line belongs inside a list item when it is indented at least as far as the
    item's text starts ("- " → 2, "1. " → 3). Each item is re-indented four spaces per level by
    that rule, and the lines inside it keep their indent relative to its text (moved to
    Python-Markdown's four-space text column), so lists
    indented by two, three or four spaces all nest, and four-space lists come out as before.
    (mdx_truly_sane_lists nests two-space lists but flattens four-space ones.) Fenced code is
    left as written. Tabs must already be expanded.
    """
    result: list[str] = []
    open_items: list[tuple[int, int]] = []  # (text column in the source, new text column)
    fence = ""
    previous_blank = True
    for line in lines:
        if fence:
            result.append(line)
            if line.strip().startswith(fence):
                fence = ""
            continue
        if not line.strip():
            result.append(line)
            previous_blank = True
            continue
        indent = len(line) - len(line.lstrip(" "))
        item = _LIST_ITEM_RE.match(line)
        if item and not (not open_items and previous_blank and indent >= 4):
            while open_items and indent < open_items[-1][0]:
                open_items.pop()
            new_indent = 4 * len(open_items)
            spaces = len(item.group(3))
            width = len(item.group(2)) + (spaces if 1 <= spaces <= 4 else 1)
            # Python-Markdown reads an item's text as starting four spaces in, whatever its marker.
            open_items.append((indent + width, new_indent + 4))
            result.append(" " * new_indent + line[indent:])
        elif open_items:
            while open_items and indent < open_items[-1][0]:
                open_items.pop()
            if open_items:
                source_column, new_column = open_items[-1]
                result.append(" " * (new_column + indent - source_column) + line[indent:])
            else:
                # After a blank line the list has ended; else a lazy continuation line.
                result.append(line)
        else:
            result.append(line)
        fence_match = _FENCE_RE.match(line) if not item else None
        if fence_match and not open_items:
            fence = fence_match.group(1)[0] * 3
        previous_blank = False
    return result


class _CommonMarkLists(Preprocessor):
    def run(self, lines):
        return nest_lists_as_commonmark(lines)


def _escaped_paragraphs(text: str) -> str:
    paragraphs = (part.strip() for part in re.split(r"\n\s*\n", text))
    return "".join(f"<p>{html_escape(part)}</p>" for part in paragraphs if part)


def _markdown_to_html(text: str, extra_extensions: tuple[Extension, ...] = ()) -> str:
    if nesting_problem(text):
        return _escaped_paragraphs(text)
    # A new instance per call: Markdown objects carry per-document state (references, stash).
    md = markdown.Markdown(
        extensions=[
            TableExtension(use_align_attribute=True),
            FencedCodeExtension(),
            SaneListExtension(),
            # ~~struck~~ as on GitHub; a single "~" stays a tilde (no subscript).
            DeleteSubExtension(subscript=False, smart_delete=True),
            FootnoteExtension(),
            _NoRawHtmlExtension(),
            *extra_extensions,
        ],
        output_format="html",
    )
    return md.convert(text)


def _convert(text: str, known_keys: Collection[str]) -> tuple[str, _Citations]:
    """Unsanitised HTML for one text, plus what its citations resolved to."""
    text = text.replace(_MARK_START, "").replace(_MARK_END, "")
    marked, groups = _mark_citations(text)
    citations = _Citations(groups, known_keys, [], [], [])
    html = _markdown_to_html(marked, (_CitationExtension(citations),))
    # Markers left over are in code, link titles and the like, where citations are plain text.
    return _MARKER_RE.sub("", html), citations


def _sorted_unique(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    return sorted(set(diagnostics), key=lambda d: (d.line, d.code, d.message))


# --- Public API -------------------------------------------------------------------------------


def check(
    source: str, *, audiences: Collection[str], reference_keys: Collection[str]
) -> list[Diagnostic]:
    """Return every problem in the whole source, sorted by line, without duplicates.

    Covers every block whatever its audience: fences (unclosed, stray, nested, no audience),
    audience names not in `audiences`, and citation keys not in `reference_keys` (citations
    inside code are text, not citations, and are not checked). Never raises.
    """
    layout = _layout(source)
    everyone = layout.text_for_everyone()
    _html, citations = _convert(everyone, reference_keys)
    too_deep = nesting_problem(everyone)
    return _sorted_unique(
        [
            *layout.problems,
            *layout.audience_problems(audiences),
            *citations.problems,
            *([too_deep] if too_deep else []),
        ]
    )


def render(
    source: str,
    *,
    audience: str,
    audiences: Collection[str],
    references: Mapping[str, Mapping],
) -> Rendered:
    """Render the text `audience` reads as sanitised HTML with numbered citations.

    Citations become `<sup class="cite"><a href="#ref-N" id="cite-N-K">N</a></sup>` (a group
    has one <sup>, links separated by ", "); N counts keys in order of first use in this
    audience's text, K counts that key's occurrences. An unknown key shows as "?" in a
    `<sup class="cite cite-missing">`. Diagnostics: the structural problems of the whole
    source plus unknown citations in this audience's text. Never raises.
    """
    layout = _layout(source)
    html, citations = _convert(layout.text_for(audience), references)
    diagnostics = _sorted_unique(
        [*layout.problems, *layout.audience_problems(audiences), *citations.problems]
    )
    return Rendered(
        html=sanitise(html),
        cited_keys=tuple(citations.cited_keys),
        citation_counts=tuple(citations.counts),
        diagnostics=tuple(diagnostics),
    )


_FOOTNOTE_DEFINITION_RE = re.compile(r"^ {0,3}\[\^([^\]\s]+)\]:")
_FOOTNOTE_REFERENCE_RE = re.compile(r"\[\^([^\]\s]+)\](?!:)")
_CODE_SPAN_RE = re.compile(r"(`+).+?\1")


def markdown_warnings(source: str) -> list[Diagnostic]:
    """Markdown that readers would see as written, each with its line: a footnote `[^n]` with
    no `[^n]: …` line defining it. Warnings, not problems: they never stop a submission.
    Everything else pasted Markdown brings renders: two-space nested lists, `~~struck~~`
    text and footnotes. Never raises.
    """
    lines = _split_lines(_layout(source).text_for_everyone())
    defined = {match.group(1) for line in lines if (match := _FOOTNOTE_DEFINITION_RE.match(line))}
    warnings = []
    fence = ""
    for number, line in enumerate(lines, start=1):
        fence_match = _FENCE_RE.match(line)
        if fence:
            fence = "" if line.strip().startswith(fence) else fence
            continue
        if fence_match:
            fence = fence_match.group(1)[0] * 3
            continue
        for label in _FOOTNOTE_REFERENCE_RE.findall(_CODE_SPAN_RE.sub("", line)):
            if label not in defined:
                warnings.append(
                    Diagnostic(
                        number,
                        "undefined-footnote",
                        f'Line {number}: footnote [^{label}] has no line "[^{label}]: …" '
                        "giving its text, so readers would see it as written.",
                    )
                )
    return _sorted_unique(warnings)


def render_markdown(source: str) -> str:
    """Render plain Markdown (disclaimers, evidence notes, policy pages) as sanitised HTML.

    Same Markdown and sanitiser as render(), without audience blocks or citations. Never raises.
    """
    return sanitise(_markdown_to_html(source))
