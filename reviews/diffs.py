"""Readable word-level differences between two versions of an article's text.

Pure functions on strings and snapshot dicts: difflib does the matching, and every piece of
text is escaped before it is wrapped in <ins> or <del>.
"""

import difflib
import re
from dataclasses import dataclass
from html import escape

from django.utils.safestring import mark_safe

from references.citations import format_reference_text

# Words and the white space between them are separate tokens, so a diff keeps line breaks.
TOKEN_RE = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class FieldDiff:
    label: str
    html: str
    changed: bool


def word_diff(old, new):
    """HTML of `new` with words removed from `old` in <del> and words added in <ins>."""
    old_tokens, new_tokens = TOKEN_RE.findall(old or ""), TOKEN_RE.findall(new or "")
    matcher = difflib.SequenceMatcher(a=old_tokens, b=new_tokens, autojunk=False)
    parts = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        removed, added = escape("".join(old_tokens[i1:i2])), escape("".join(new_tokens[j1:j2]))
        if tag == "equal":
            parts.append(added)
            continue
        if removed:
            parts.append(f"<del>{removed}</del>")
        if added:
            parts.append(f"<ins>{added}</ins>")
    return mark_safe("".join(parts))


def references_text(references):
    """One line per reference, sorted by key, for diffing reference data."""
    return "\n".join(
        f"[@{key}] {format_reference_text(data)}"
        + (f" doi:{data['doi']}" if data.get("doi") else "")
        + (f" PMID:{data['pmid']}" if data.get("pmid") else "")
        for key, data in sorted(references.items())
    )


def compare_texts(old, new):
    """FieldDiffs for two dicts with title, summary, body, evidence_note and references text."""
    labels = [
        ("title", "Question"),
        ("summary", "Summary"),
        ("body", "Body"),
        ("evidence_note", "Evidence note"),
        ("references", "References"),
    ]
    return [
        FieldDiff(
            label=label,
            html=word_diff(old.get(key, ""), new.get(key, "")),
            changed=old.get(key, "") != new.get(key, ""),
        )
        for key, label in labels
    ]


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
