"""Readable word-level differences between two versions of an article's text.

Pure functions on strings and snapshot dicts: difflib does the matching, and every piece of
text is escaped before it is wrapped in <ins> or <del>.
"""

import difflib
import re
from dataclasses import dataclass
from html import escape

from django.utils.safestring import mark_safe

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
