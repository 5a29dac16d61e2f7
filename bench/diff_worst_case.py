"""How long the compare pages' diff takes on the worst texts an article may hold.

    .venv/bin/python -m bench.diff_worst_case [--rounds 5]

Times reviews.diffs.text_diff on pairs of texts at the body limit (200,000 characters): the
repetitive pairs that made difflib quadratic or worse (issue 13, item 9), a pair that spends
its work slowly in many small changes, and realistic rewrites that must stay word by word.
Prints, per pair, the median and the slowest of the rounds, and whether the diff came out
coarse (the work limit was reached). Also times compare_texts with every field at the limit.
Needs neither a database nor Django settings. Figures are in docs/performance.md.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reviews import diffs

# articles.models.BODY_LENGTH: forms and imports refuse a longer body.
LIMIT = 200_000


def fit(text):
    return text[:LIMIT]


def prose(rng, size):
    """Paragraphs of made-up words with a natural spread: a few very common, most rare."""
    vocabulary = [
        "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 10)))
        for _ in range(3000)
    ]
    weights = [1 / rank for rank in range(1, len(vocabulary) + 1)]
    paragraphs, length = [], 0
    while length < size:
        words = rng.choices(vocabulary, weights, k=rng.randint(30, 120))
        paragraph = " ".join(words).capitalize() + "."
        paragraphs.append(paragraph)
        length += len(paragraph) + 2
    return fit("\n\n".join(paragraphs)), vocabulary


def rewritten(rng, text, vocabulary, share):
    """`text` with `share` of the words in every paragraph replaced."""
    paragraphs = []
    for paragraph in text.split("\n\n"):
        words = paragraph.split(" ")
        for index in range(len(words)):
            if rng.random() < share:
                words[index] = rng.choice(vocabulary)
        paragraphs.append(" ".join(words))
    return fit("\n\n".join(paragraphs))


def pairs():
    rng = random.Random(13)
    text_65k, vocabulary_65k = prose(rng, 65_000)
    text, vocabulary = prose(rng, LIMIT)
    paragraphs = text.split("\n\n")
    shuffled = paragraphs[:]
    rng.shuffle(shuffled)
    numbered = "".join(f"{n}: " + "a b " * 30 + "\n" for n in range(2000))
    return {
        # Issue 13's pair, grown to the limit: one line of two alternating words.
        "'a b '*50000 -> 'b a '*50000": (fit("a b " * 50000), fit("b a " * 50000)),
        # The same with every word on its own line, so the line match meets it first.
        "'a\\nb\\n'*50000 -> 'b\\na\\n'*50000": (fit("a\nb\n" * 50000), fit("b\na\n" * 50000)),
        # Each line unique by its number, the words in it alternating: many small costly gaps.
        "2,000 numbered repetitive lines, all changed": (
            fit(numbered),
            fit(numbered.replace("a b a", "b a b")),
        ),
        "every character different": (fit("x" * LIMIT), fit("y" * LIMIT)),
        "prose 65k, 15% of words in every paragraph changed": (
            text_65k,
            rewritten(rng, text_65k, vocabulary_65k, 0.15),
        ),
        "prose 200k, 15% of words in every paragraph changed": (
            text,
            rewritten(rng, text, vocabulary, 0.15),
        ),
        "prose 200k, paragraphs shuffled": (text, fit("\n\n".join(shuffled))),
        "prose 200k, one word changed": (text, text.replace(" ", " changed ", 1)),
    }


def timed(function, rounds):
    seconds = []
    for _ in range(rounds):
        start = time.perf_counter()
        result = function()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), max(seconds), result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    print(f"load average before: {' '.join(f'{load:.2f}' for load in os.getloadavg())}")
    print(f"WORK_LIMIT = {diffs.WORK_LIMIT:,}, {rounds} rounds each\n")
    print(f"{'pair':<56} {'median s':>9} {'max s':>7}  coarse")
    slowest = 0.0
    cases = pairs()
    for name, (old, new) in cases.items():
        median, most, diff = timed(lambda old=old, new=new: diffs.text_diff(old, new), rounds)
        slowest = max(slowest, most)
        print(f"{name:<56} {median:>9.3f} {most:>7.3f}  {'yes' if diff.coarse else 'no'}")

    # Every field of a compare page at once, each given a worst pair.
    old, new = cases["'a b '*50000 -> 'b a '*50000"]
    lines_old, lines_new = cases["'a\\nb\\n'*50000 -> 'b\\na\\n'*50000"]
    numbered_old, numbered_new = cases["2,000 numbered repetitive lines, all changed"]
    old_fields = {"title": old[:200], "summary": old, "body": numbered_old}
    new_fields = {"title": new[:200], "summary": new, "body": numbered_new}
    old_fields.update(evidence_note=lines_old, references=numbered_old)
    new_fields.update(evidence_note=lines_new, references=numbered_new)
    median, most, _ = timed(lambda: diffs.compare_texts(old_fields, new_fields), rounds)
    print(f"{'compare_texts, all five fields at their worst':<56} {median:>9.3f} {most:>7.3f}")
    print(f"\nslowest single diff: {slowest:.3f} s (target: under 1 s)")
    print(f"load average after: {' '.join(f'{load:.2f}' for load in os.getloadavg())}")


if __name__ == "__main__":
    main()
