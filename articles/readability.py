"""How hard an audience's text is to read: Flesch–Kincaid grade and word count.

Pure: text (or rendered HTML) in, numbers out; no models. Words and sentences are counted by
textstat. Syllables are counted with Pyphen's English hyphenation dictionary, which textstat
installs and itself falls back to: textstat 0.7.13 would otherwise fetch the CMU pronouncing
dictionary from the network on first use, which a server must not do.
"""

import html
import re
from collections.abc import Collection, Mapping

import pyphen
import textstat

from articles.rendering import render

# Patients and caregivers should be able to read their text at school grade 8 or below.
PLAIN_LANGUAGE_AUDIENCES = frozenset({"patient", "caregiver"})
PLAIN_LANGUAGE_MAX_GRADE = 8.0

# Holds the hyphenation dictionary only, never content, so one shared instance is safe.
_HYPHENATOR = pyphen.Pyphen(lang="en_US")

# Citation numbers ("<sup>1</sup>") are not words a reader reads.
_SUP_RE = re.compile(r"<sup\b.*?</sup>", re.IGNORECASE | re.DOTALL)
_TAG_RE = re.compile(r"<[^>]*>")
# Block ends become sentence ends, so a heading or list item is not run into the next line.
_BLOCK_END_RE = re.compile(r"</(?:p|h[1-6]|li|td|th|blockquote|pre)>", re.IGNORECASE)


def plain_text(body_html: str) -> str:
    """The words a reader reads in rendered body HTML: tags and citation numbers removed."""
    text = _SUP_RE.sub("", body_html or "")
    text = _BLOCK_END_RE.sub(".\n", text)
    text = html.unescape(_TAG_RE.sub(" ", text))
    # A block that already ended its sentence gets no second full stop.
    return re.sub(r"([.!?:;])\s*\.\n", r"\1\n", text)


def _syllables(word: str) -> int:
    return len(_HYPHENATOR.positions(word)) + 1


def readability(text: str) -> dict:
    """Flesch–Kincaid grade (one decimal) and word count of plain `text`.

    Returns {"grade": float, "words": int}; {"grade": 0.0, "words": 0} for text without
    words. Never raises.
    """
    words = textstat.lexicon_count(text or "")
    if not words:
        return {"grade": 0.0, "words": 0}
    sentences = max(1, textstat.sentence_count(text))
    syllables = sum(_syllables(word) for word in textstat.remove_punctuation(text).split())
    grade = 0.39 * (words / sentences) + 11.8 * (syllables / words) - 15.59
    return {"grade": round(grade, 1), "words": words}


def is_flagged(audience: str, grade: float) -> bool:
    """True when `audience` needs plain language and `grade` is above grade 8."""
    return audience in PLAIN_LANGUAGE_AUDIENCES and grade > PLAIN_LANGUAGE_MAX_GRADE


def audience_readability(
    source: str, *, audiences: Collection[str], references: Mapping[str, Mapping]
) -> dict[str, dict]:
    """Readability of the body each audience reads, rendered as readers get it.

    Maps each audience slug to {"grade", "words", "flagged"}. Never raises.
    """
    result = {}
    for audience in audiences:
        rendered = render(source, audience=audience, audiences=audiences, references=references)
        scores = readability(plain_text(rendered.html))
        result[audience] = {**scores, "flagged": is_flagged(audience, scores["grade"])}
    return result
