"""Readable word-level differences between two versions of an article's text.

Pure functions on strings and snapshot dicts. Lines are matched first and words only inside
the lines that changed; tokens found exactly once on each side anchor the match (as in a
"patience" diff) and difflib matches what lies between anchors. difflib's search is
quadratic or worse on repetitive text, so its work is counted and capped: past WORK_LIMIT the
remaining changed lines are shown whole, deleted then inserted, and the diff says it is coarse.
Either way every piece of text is escaped before it is wrapped in <ins> or <del>, and the
result read without its <del> parts is the new text, read without its <ins> parts the old.
"""

import bisect
import difflib
import re
from collections import Counter
from dataclasses import dataclass
from html import escape

from django.utils.safestring import mark_safe

from articles.rendering import normalise_line_ends

# Units of difflib search (one per candidate match it looks at) that one text_diff, or one
# compare_texts for all its fields, may spend: about 0.3 s on the development machine. A
# 200,000-character body with half the words of every paragraph rewritten needs 770,000.
# bench/diff_worst_case.py times the worst cases; docs/performance.md has the figures.
WORK_LIMIT = 1_000_000

COARSE_NOTICE = (
    "This field changed too much to compare word by word in reasonable time: "
    "some changed lines are shown whole, as deleted and then inserted."
)

# A line together with the blank lines after it, so that blank lines,
# the most repeated "line" of any article, do not make the line match slow.
LINE_RE = re.compile(r"[^\n]*\n(?:[^\S\n]*\n)*|[^\n]+")
# A word with the white space after it: single spaces would be the most repeated token by far.
# White space at the start of a text is a token of its own.
WORD_RE = re.compile(r"\s+|\S+\s*")
# Words and white space apart: a changed stretch gives back what it shares at its ends, so a
# space or line break around a changed word stays outside the <del> and <ins>.
TOKEN_RE = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class FieldDiff:
    label: str
    html: str
    changed: bool
    coarse: bool = False

    @property
    def notice(self):
        """What a compare page should say above a coarse diff ("" when it is not coarse)."""
        return COARSE_NOTICE if self.coarse else ""


@dataclass(frozen=True)
class TextDiff:
    html: str  # safe HTML
    coarse: bool  # True when the work limit was reached and some lines are shown whole


def word_diff(old, new):
    """HTML of `new` with words removed from `old` in <del> and words added in <ins>."""
    return text_diff(old, new).html


def text_diff(old, new, *, work_limit=None):
    """The difference from `old` to `new` (None counts as "") as a TextDiff.

    Unchanged lines are plain text; inside changed lines, removed words are in <del> and added
    words in <ins>. When the matching would cost more than `work_limit` units (WORK_LIMIT by
    default), the changed lines not yet compared are shown whole and `coarse` is True. All text
    is HTML-escaped. Never raises for any pair of strings.
    """
    # Line ends are not a change: a round frozen from a draft saved with CRLF (a browser, a
    # Windows file) compares line for line with the same text saved with LF.
    return _text_diff(
        normalise_line_ends(old or ""),
        normalise_line_ends(new or ""),
        _Budget(WORK_LIMIT if work_limit is None else work_limit),
    )


def _text_diff(old, new, budget):
    """text_diff() of two texts whose line ends are LF already, within `budget`."""
    if old == new:
        return TextDiff(mark_safe(escape(new)), coarse=False)
    old_lines, new_lines = LINE_RE.findall(old), LINE_RE.findall(new)
    try:
        line_ops, by_words = _opcodes(old_lines, new_lines, budget), True
    except _OverBudget:
        # Matching the same lines word by word would cost more still: show them whole.
        line_ops, by_words = _ends_kept(old_lines, new_lines), False
    parts, coarse = [], False
    for tag, i1, i2, j1, j2 in line_ops:
        removed, added = "".join(old_lines[i1:i2]), "".join(new_lines[j1:j2])
        if tag == "equal":
            parts.append(escape(added))
        elif tag != "replace":
            parts.append(_marked(removed, added))  # lines only added or only removed: exact
        else:
            words = _word_parts(removed, added, budget) if by_words else None
            if words is None:
                words, coarse = [_marked(removed, added)], True
            parts.extend(words)
    return TextDiff(mark_safe("".join(parts)), coarse=coarse)


def _word_parts(removed, added, budget):
    """HTML parts of a changed run of lines, word by word, or None past the work limit."""
    a, b = WORD_RE.findall(removed), WORD_RE.findall(added)
    try:
        opcodes = _opcodes(a, b, budget)
    except _OverBudget:
        return None
    parts = []
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            parts.append(escape("".join(b[j1:j2])))
        else:
            parts.append(_changed("".join(a[i1:i2]), "".join(b[j1:j2])))
    return parts


def _changed(removed, added):
    """<del>/<ins> HTML for a changed stretch, the words and spaces both ends share left plain."""
    a, b = TOKEN_RE.findall(removed), TOKEN_RE.findall(added)
    start, end = _common_ends(a, b)
    return (
        escape("".join(a[:start]))
        + _marked("".join(a[start : len(a) - end]), "".join(b[start : len(b) - end]))
        + escape("".join(a[len(a) - end :]))
    )


def _marked(removed, added):
    return (f"<del>{escape(removed)}</del>" if removed else "") + (
        f"<ins>{escape(added)}</ins>" if added else ""
    )


class _OverBudget(Exception):
    """Matching would cost more of the work limit than is left."""


class _Budget:
    def __init__(self, units):
        self.remaining = units

    def spend(self, units):
        self.remaining -= units
        if self.remaining < 0:
            raise _OverBudget

    def afford(self, a, b):
        """Raise _OverBudget, before difflib indexes `b`, if its first search of `a` against `b`
        alone would cost more than is left. On repetitive text that first search is the dearest,
        and indexing a long `b` is itself slow. Nothing is spent: counting is linear, and what
        is left may still pay for smaller changes elsewhere."""
        in_b = Counter(b)
        first_search = len(a) + sum(in_b[token] * count for token, count in Counter(a).items())
        if first_search > self.remaining:
            raise _OverBudget


class _CountedMatcher(difflib.SequenceMatcher):
    """A SequenceMatcher that pays for each longest-match search before making it."""

    def __init__(self, a, b, budget):
        self.budget = budget
        super().__init__(a=a, b=b, autojunk=False)

    def find_longest_match(self, alo=0, ahi=None, blo=0, bhi=None):
        ahi = len(self.a) if ahi is None else ahi
        bhi = len(self.b) if bhi is None else bhi
        # The search steps through a[alo:ahi] and, for each, the places of a[i] in b before bhi.
        self.budget.spend(ahi - alo)
        b2j, a = self.b2j, self.a
        self.budget.spend(sum(bisect.bisect_left(b2j.get(a[i], ()), bhi) for i in range(alo, ahi)))
        return super().find_longest_match(alo, ahi, blo, bhi)


def _opcodes(a, b, budget):
    """difflib-style opcodes turning token list `a` into `b`. Raises _OverBudget."""
    start, end = _common_ends(a, b)
    ending = (len(a) - end, len(b) - end, end)
    blocks = [(0, 0, start)]
    for anchor in [*_anchors(a, b, start, end), ending]:
        # Between the previous block and this one, difflib matches what it can.
        i, j = blocks[-1][0] + blocks[-1][2], blocks[-1][1] + blocks[-1][2]
        if i < anchor[0] and j < anchor[1]:
            budget.afford(a[i : anchor[0]], b[j : anchor[1]])
            matcher = _CountedMatcher(a[i : anchor[0]], b[j : anchor[1]], budget)
            blocks.extend((i + bi, j + bj, size) for bi, bj, size in matcher.get_matching_blocks())
        blocks.append(anchor)
    return _blocks_to_opcodes(blocks, len(a), len(b))


def _anchors(a, b, start, end):
    """(i, j) of tokens found once in a[start:-end] and once in b[start:-end], the longest
    chain of them in the same order on both sides."""
    a_middle, b_middle = a[start : len(a) - end], b[start : len(b) - end]
    in_a, in_b = Counter(a_middle), Counter(b_middle)
    place_in_b = {token: j for j, token in enumerate(b_middle, start) if in_b[token] == 1}
    pairs = [
        (i, place_in_b[token])
        for i, token in enumerate(a_middle, start)
        if in_a[token] == 1 and token in place_in_b
    ]
    return [(i, j, 1) for i, j in _longest_increasing(pairs)]


def _longest_increasing(pairs):
    """The longest run of `pairs` (sorted by first item) whose second items increase."""
    tails, tail_values, before = [], [], [None] * len(pairs)
    for index, (_i, j) in enumerate(pairs):
        length = bisect.bisect_left(tail_values, j)
        before[index] = tails[length - 1] if length else None
        if length == len(tails):
            tails.append(index)
            tail_values.append(j)
        else:
            tails[length], tail_values[length] = index, j
    run, index = [], tails[-1] if tails else None
    while index is not None:
        run.append(pairs[index])
        index = before[index]
    return run[::-1]


def _blocks_to_opcodes(blocks, len_a, len_b):
    """difflib-style opcodes from matching blocks (i, j, size), in order; touching ones merge."""
    opcodes, i, j = [], 0, 0
    for block_i, block_j, size in [*blocks, (len_a, len_b, 0)]:
        if i < block_i and j < block_j:
            opcodes.append(("replace", i, block_i, j, block_j))
        elif i < block_i:
            opcodes.append(("delete", i, block_i, j, block_j))
        elif j < block_j:
            opcodes.append(("insert", i, block_i, j, block_j))
        if size:
            if opcodes and opcodes[-1][0] == "equal":
                # Nothing changed since that "equal": it ends where this block starts.
                _tag, i1, _i2, j1, _j2 = opcodes.pop()
            else:
                i1, j1 = block_i, block_j
            opcodes.append(("equal", i1, block_i + size, j1, block_j + size))
        i, j = block_i + size, block_j + size
    return opcodes


def _ends_kept(a, b):
    """Opcodes keeping the lines both texts start and end with, the rest one replacement."""
    start, end = _common_ends(a, b)
    return _blocks_to_opcodes([(0, 0, start), (len(a) - end, len(b) - end, end)], len(a), len(b))


def _common_ends(a, b):
    """How many items `a` and `b` share at their start, and then at their end (not overlapping)."""
    start = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        start += 1
    end, most = 0, min(len(a), len(b)) - start
    while end < most and a[-1 - end] == b[-1 - end]:
        end += 1
    return start, end


# Each field of a frozen reference (Reference.as_data()) that a reader sees or follows, in the
# order the compare page lists them. Fields not named here are listed after these, by name, so
# a field added to as_data() later is compared too rather than silently left out.
REFERENCE_FIELDS = [
    ("kind_label", "Kind"),
    ("title", "Title"),
    ("authors", "Authors"),
    ("container", "Journal or publisher"),
    ("year", "Year"),
    ("volume", "Volume"),
    ("issue", "Issue"),
    ("pages", "Pages"),
    ("doi", "DOI"),
    ("pmid", "PMID"),
    ("url", "URL"),
]
# "key" heads the block; "kind" is shown by its label (and stands in when the label is missing).
_NOT_LISTED = {"key", "kind"} | {field for field, _label in REFERENCE_FIELDS}


def references_text(references):
    """The reference data as text for diffing: a block per reference, sorted by key, with one
    line per non-empty field (every author, every identifier), so that a change to any field a
    reader sees or follows shows on the compare page."""
    return "".join(_reference_block(key, data) for key, data in sorted(references.items()))


def _reference_block(key, data):
    data = {**data, "kind_label": data.get("kind_label") or data.get("kind")}
    fields = [
        *REFERENCE_FIELDS,
        *((name, name) for name in sorted(data) if name not in _NOT_LISTED),
    ]
    lines = [f"[@{key}]\n"]
    for name, label in fields:
        value = _field_text(data.get(name))
        if value:
            lines.append(f"  {label}: {value}\n")
    return "".join(lines)


def _field_text(value):
    """A field on one line: a list joined by commas, inner white space collapsed."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(text for text in (_field_text(item) for item in value) if text)
    return " ".join(str(value).split())


def compare_texts(old, new):
    """FieldDiffs for two dicts with title, summary, body, evidence_note and references text.

    The fields share one WORK_LIMIT, in this order: once it is spent, changed lines of later
    fields are shown whole and those FieldDiffs are `coarse`.
    """
    labels = [
        ("title", "Question"),
        ("summary", "Summary"),
        ("body", "Body"),
        ("evidence_note", "Evidence note"),
        ("references", "References"),
    ]
    budget = _Budget(WORK_LIMIT)  # for the whole page, so that five long fields cost no more
    fields = []
    for key, label in labels:
        before, after = (normalise_line_ends(texts.get(key) or "") for texts in (old, new))
        diff = _text_diff(before, after, budget)
        fields.append(
            FieldDiff(
                label=label,
                html=diff.html,
                changed=before != after,
                coarse=diff.coarse,
            )
        )
    return fields


def snapshot_texts(snapshot):
    """The comparable texts of a frozen review snapshot."""
    article = snapshot["article"]
    return {
        "title": article["title"],
        "summary": article["summary"],
        "body": article["body"],
        "evidence_note": article.get("evidence_note", ""),
        "references": references_text(snapshot["references"]),
    }


@dataclass(frozen=True)
class Passage:
    """One changed stretch of a text with a little unchanged context around it."""

    number: int  # 1-based, in the order of the text
    old_line: int  # 1-based first line shown of the old text
    new_line: int  # 1-based first line shown of the new text
    html: str  # safe HTML: word-level <del>/<ins> inside the stretch
    coarse: bool


def changed_passages(old, new, *, context=1):
    """Only the changed stretches of `new` against `old` (None counts as ""), each with
    `context` unchanged lines either side, as Passages: what changed since a round, and no
    more. Lines are matched by difflib; words inside each stretch by text_diff, which escapes
    everything. Never raises for any pair of strings."""
    old_lines = (old or "").replace("\r\n", "\n").split("\n")
    new_lines = (new or "").replace("\r\n", "\n").split("\n")
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    passages = []
    for group in matcher.get_grouped_opcodes(context):
        if all(tag == "equal" for tag, *_ in group):
            continue  # identical texts give one group of unchanged lines
        first, last = group[0], group[-1]
        old_chunk = "\n".join(old_lines[first[1] : last[2]])
        new_chunk = "\n".join(new_lines[first[3] : last[4]])
        diff = text_diff(old_chunk, new_chunk)
        passages.append(
            Passage(len(passages) + 1, first[1] + 1, first[3] + 1, diff.html, diff.coarse)
        )
    return passages
