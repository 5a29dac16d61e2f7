"""Finding a quoted passage in an article's Markdown source, and finding it again later.

Pure functions on strings: no models, no database. A board member quotes the text as readers
see it (no Markdown marks, no citation numbers), so each source line is first reduced to the
plain words a reader sees on it; quotes are then matched on those words with white space
collapsed, and every match knows the source line it starts on (1-based).
"""

import difflib
import re
from dataclasses import dataclass

from articles.rendering import text_for_audience
from references.citations import GROUP_PATTERN

# How many characters of the text before and after a quote are kept to find it again.
CONTEXT_CHARS = 60
# How close a reworded passage must be to the quote (difflib ratio, 0..1) to count as the
# same passage; the context before and after it adds up to a quarter of the score.
FUZZY_THRESHOLD = 0.72
# An exact match within this many lines of the old place counts as "near" it.
NEAR_LINES = 30

_CITATION_RE = re.compile(rf"\[\s*{GROUP_PATTERN}\s*\]")
_LINE_MARK_RE = re.compile(r"^\s*(?:#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)+")
_IMAGE_RE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK_RE = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_EMPHASIS_RE = re.compile(r"(\*{1,3}|_{2,3}|(?<!\w)_|_(?!\w)|`+|~~)")
_ESCAPE_RE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!>~|])")
_FENCE_RE = re.compile(r"^\s*(```|~~~|:::)")
_TABLE_RULE_RE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_SPACE_RE = re.compile(r"\s+")
_WORD_RE = re.compile(r"\w+")
_PUNCTUATION_SPACE_RE = re.compile(r"\s+([.,;:!?])")


def normalise(text):
    """`text` with every run of white space made one space, none before punctuation (where a
    citation number was left out) and none at either end."""
    return _PUNCTUATION_SPACE_RE.sub(r"\1", _SPACE_RE.sub(" ", text or "")).strip()


def plain_line(line):
    """The words a reader sees on one Markdown source line: no list or heading marks, no
    emphasis marks, links reduced to their text, citations dropped."""
    if _FENCE_RE.match(line) or _TABLE_RULE_RE.match(line):
        return ""
    text = _CITATION_RE.sub("", line)
    text = _LINE_MARK_RE.sub("", text)
    text = _IMAGE_RE.sub(r"\1", text)
    text = _LINK_RE.sub(r"\1", text)
    text = _ESCAPE_RE.sub(lambda match: "\ue002" + match.group(1), text)
    text = _EMPHASIS_RE.sub("", text)
    text = text.replace("\ue002", "").replace("|", " ")
    return normalise(text)


@dataclass(frozen=True)
class PlainText:
    """The plain text of a source, one space between lines, with where each line starts."""

    text: str
    starts: tuple  # (offset in text, 1-based source line), in order

    def line_at(self, offset):
        line = 1
        for start, number in self.starts:
            if start > offset:
                break
            line = number
        return line

    def offset_of_line(self, number):
        for start, line in self.starts:
            if line >= number:
                return start
        return len(self.text)

    def context(self, start, end):
        """The text just before and just after text[start:end]."""
        return (
            self.text[max(0, start - CONTEXT_CHARS) : start].lstrip(),
            self.text[end : end + CONTEXT_CHARS].rstrip(),
        )


def plain_text(source, audience=""):
    """The PlainText of what `audience` reads of `source` (blank: the text shared by all)."""
    parts, starts, offset = [], [], 0
    for index, line in enumerate(text_for_audience(source or "", audience).split("\n")):
        words = plain_line(line)
        if not words:
            continue
        if parts:
            offset += 1
        starts.append((offset, index + 1))
        parts.append(words)
        offset += len(words)
    return PlainText(" ".join(parts), tuple(starts))


@dataclass(frozen=True)
class Anchor:
    quote: str
    context_before: str
    context_after: str
    start_line: int
    how: str  # "exact", "moved" or "reworded"


def locate(plain, quote):
    """Every (start, end) of `quote` (normalised) in the PlainText `plain`."""
    quote = normalise(quote)
    if not quote:
        return []
    found, start = [], plain.text.find(quote)
    while start != -1:
        found.append((start, start + len(quote)))
        start = plain.text.find(quote, start + 1)
    return found


def anchor_at(plain, start, end, how="exact"):
    before, after = plain.context(start, end)
    return Anchor(plain.text[start:end], before, after, plain.line_at(start), how)


def first_anchor(plain, quote, *, near_line=None):
    """The Anchor of `quote` in `plain`, the occurrence nearest `near_line` when given; None
    when the quote is not there."""
    spans = locate(plain, quote)
    if not spans:
        return None
    if near_line is not None:
        spans.sort(key=lambda span: abs(plain.line_at(span[0]) - near_line))
    return anchor_at(plain, *spans[0])


def relocate(plain, *, quote, context_before, context_after, start_line):
    """Where a passage quoted in an earlier version is in `plain` now, or None when it is gone.

    First the exact quote: the occurrence whose surroundings match best, nearest the old line
    (`how` "exact" within NEAR_LINES lines of it, "moved" further away). Then a close match of
    quote and context, for a passage reworded slightly (`how` "reworded").
    """
    spans = locate(plain, quote)
    if spans:

        def rank(span):
            before, after = plain.context(*span)
            same_context = _endswith_ratio(before, context_before) + _startswith_ratio(
                after, context_after
            )
            return (-round(same_context, 1), abs(plain.line_at(span[0]) - start_line))

        best = min(spans, key=rank)
        near = abs(plain.line_at(best[0]) - start_line) <= NEAR_LINES
        return anchor_at(plain, *best, how="exact" if near else "moved")
    return _fuzzy(plain, normalise(quote), context_before, context_after, start_line)


def _fuzzy(plain, quote, context_before, context_after, start_line):
    if not quote or not plain.text:
        return None
    best, best_score = None, 0.0
    quote_words = set(_WORD_RE.findall(quote.lower()))
    # Candidates: each paragraph-sized stretch of lines (one to three source lines), aligned
    # to the quote by difflib; a reworded passage rarely spreads further. Only stretches that
    # share at least half of the quote's words are aligned: difflib is slow, a set is not.
    starts = plain.starts
    for first in range(len(starts)):
        for width in (1, 2, 3):
            last = first + width
            if last > len(starts):
                break
            begin = starts[first][0]
            end = starts[last][0] - 1 if last < len(starts) else len(plain.text)
            shared = quote_words & set(_WORD_RE.findall(plain.text[begin:end].lower()))
            if len(shared) * 2 < len(quote_words):
                continue
            span = _aligned_span(plain.text, begin, end, quote)
            if span is None:
                continue
            score = _score(plain, span, quote, context_before, context_after)
            closer = (
                best is not None
                and score == best_score
                and (
                    abs(plain.line_at(span[0]) - start_line)
                    < abs(plain.line_at(best[0]) - start_line)
                )
            )
            if score > best_score or closer:
                best, best_score = span, score
    if best is None or best_score < FUZZY_THRESHOLD:
        return None
    return anchor_at(plain, *best, how="reworded")


def _aligned_span(text, begin, end, quote):
    """The stretch of text[begin:end] that difflib lines up with `quote`, or None."""
    window = text[begin:end]
    if not window:
        return None
    matcher = difflib.SequenceMatcher(None, window, quote, autojunk=False)
    blocks = [block for block in matcher.get_matching_blocks() if block.size]
    # Stray one- or two-letter matches far from the passage would stretch it: leave them out.
    blocks = [block for block in blocks if block.size >= 3] or blocks
    if not blocks:
        return None
    # From the first to the last matched character, extended to whole words at both ends.
    start, stop = blocks[0].a, blocks[-1].a + blocks[-1].size
    while start > 0 and not window[start - 1].isspace():
        start -= 1
    while stop < len(window) and not window[stop].isspace():
        stop += 1
    piece = window[start:stop].strip()
    # Extending to whole words must not take in punctuation the quote did not end with.
    while piece and piece[-1] in ".,;:!?)" and not quote.endswith(piece[-1]):
        piece = piece[:-1]
    while piece and piece[0] in "(" and not quote.startswith(piece[0]):
        piece = piece[1:]
    if not piece:
        return None
    start = window.index(piece, start)
    return begin + start, begin + start + len(piece)


def _score(plain, span, quote, context_before, context_after):
    candidate = plain.text[span[0] : span[1]]
    quote_ratio = difflib.SequenceMatcher(None, candidate, quote, autojunk=False).ratio()
    before, after = plain.context(*span)
    context = (
        _endswith_ratio(before, context_before) + _startswith_ratio(after, context_after)
    ) / 2
    if not (context_before or context_after):
        return quote_ratio
    return 0.75 * quote_ratio + 0.25 * context


def _endswith_ratio(text, expected):
    if not expected:
        return 1.0
    tail = text[-len(expected) :]
    return difflib.SequenceMatcher(None, tail, expected, autojunk=False).ratio()


def _startswith_ratio(text, expected):
    if not expected:
        return 1.0
    head = text[: len(expected)]
    return difflib.SequenceMatcher(None, head, expected, autojunk=False).ratio()


def source_span(source, quote, *, near_line=1):
    """(start, end) of `quote` written verbatim in the Markdown `source`, the occurrence
    nearest line `near_line`; None when it is not there as written (formatting or a citation
    inside it, or the text changed). White space in the quote matches any white space."""
    words = normalise(quote).split(" ")
    if not words or not words[0]:
        return None
    pattern = re.compile(r"\s+".join(re.escape(word) for word in words))
    matches = list(pattern.finditer(source))
    if not matches:
        return None
    best = min(matches, key=lambda match: abs(source.count("\n", 0, match.start()) + 1 - near_line))
    return best.start(), best.end()
