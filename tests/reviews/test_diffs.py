"""Word-level diffs of article text: pure functions, no database."""

import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from articles.rendering import normalise_line_ends
from reviews import diffs
from reviews.diffs import (
    COARSE_NOTICE,
    compare_texts,
    references_text,
    snapshot_texts,
    text_diff,
    word_diff,
)

FIELDS = {
    "title": "Does vitamin D help?",
    "summary": "Usually yes.",
    "body": "Calcium matters for bone.\n\nTake it daily.\n",
    "evidence_note": "Moderate.",
    "references": "[@guideline-2025]",
}


def test_word_diff_marks_a_removed_word_and_an_added_word():
    html = word_diff("Take calcium daily.", "Take vitamin D daily.")
    assert html == "Take <del>calcium</del><ins>vitamin D</ins> daily."


def test_word_diff_of_a_pure_addition_has_only_ins():
    assert word_diff("Calcium matters.", "Calcium really matters.") == (
        "Calcium <ins>really </ins>matters."
    )


def test_word_diff_of_a_pure_removal_has_only_del():
    assert word_diff("Calcium really matters.", "Calcium matters.") == (
        "Calcium <del>really </del>matters."
    )


def test_unchanged_text_has_no_ins_or_del():
    text = "Calcium matters for bone.\n\nTake it daily.\n"
    html = word_diff(text, text)
    assert html == text
    assert "<ins>" not in html and "<del>" not in html


def test_word_diff_keeps_line_breaks():
    html = word_diff("One.\nTwo.\n", "One.\nThree.\n")
    assert html == "One.\n<del>Two.</del><ins>Three.</ins>\n"


def test_word_diff_escapes_html_in_the_old_text():
    html = word_diff("Safe <script>alert(1)</script> text.", "Safe text.")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.startswith("Safe <del>")


def test_word_diff_escapes_html_in_the_new_text():
    html = word_diff("Safe text.", 'Safe <script>alert("x")</script> text.')
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "<ins>" in html


def test_word_diff_escapes_html_in_unchanged_text():
    html = word_diff("A <b>bold</b> claim.", "A <b>bold</b> claim!")
    assert "<b>" not in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html


def test_word_diff_treats_none_as_empty_text():
    assert word_diff(None, "New.") == "<ins>New.</ins>"
    assert word_diff("Old.", None) == "<del>Old.</del>"


def test_compare_texts_flags_only_the_changed_fields():
    new = {**FIELDS, "summary": "Usually no.", "body": FIELDS["body"].replace("daily", "weekly")}
    result = {diff.label: diff for diff in compare_texts(FIELDS, new)}
    assert [label for label, diff in result.items() if diff.changed] == ["Summary", "Body"]
    assert "<del>yes.</del><ins>no.</ins>" in result["Summary"].html
    assert "<del>daily.</del><ins>weekly.</ins>" in result["Body"].html
    assert "<ins>" not in result["Question"].html


def test_compare_texts_lists_every_field_in_a_fixed_order():
    labels = [diff.label for diff in compare_texts(FIELDS, FIELDS)]
    assert labels == ["Question", "Summary", "Body", "Evidence note", "References"]
    assert not any(diff.changed for diff in compare_texts(FIELDS, FIELDS))


def test_compare_texts_treats_a_missing_field_as_empty():
    result = {diff.label: diff for diff in compare_texts({}, {"title": "New question?"})}
    assert result["Question"].changed
    assert result["Question"].html == "<ins>New question?</ins>"
    assert not result["Body"].changed


def test_snapshot_texts_include_reference_data_so_a_changed_reference_shows():
    reference = {
        "key": "guideline-2025",
        "kind": "guideline",
        "title": "Bone guideline",
        "authors": ["Smith JA"],
        "container": "Bone Society",
        "year": 2025,
        "doi": "10.1000/xyz",
    }
    snapshot = {
        "article": {"title": "Q?", "summary": "S.", "body": "B [@guideline-2025].", "id": 1},
        "references": {"guideline-2025": reference},
    }
    newer = {
        **snapshot,
        "references": {"guideline-2025": {**reference, "doi": "10.1000/abc"}},
    }
    old_texts, new_texts = snapshot_texts(snapshot), snapshot_texts(newer)
    assert old_texts["evidence_note"] == ""
    assert "DOI: 10.1000/xyz" in references_text(snapshot["references"])
    result = {diff.label: diff for diff in compare_texts(old_texts, new_texts)}
    assert result["References"].changed
    assert "DOI: <del>10.1000/xyz</del><ins>10.1000/abc</ins>" in result["References"].html
    assert not result["Body"].changed


# A frozen reference as Reference.as_data() writes it, every field filled in.
FULL_REFERENCE = {
    "key": "trial-2024",
    "kind": "randomised_trial",
    "kind_label": "Randomised trial",
    "title": "Vitamin D and falls",
    "authors": ["Smith JA", "Doe B", "Roe C", "Poe D", "Moe E", "Low F", "Kay G"],
    "container": "Bone Journal",
    "year": 2024,
    "volume": "12",
    "issue": "3",
    "pages": "45-67",
    "doi": "10.1000/xyz",
    "pmid": "12345",
    "url": "https://example.org/trial",
}


@pytest.mark.parametrize(
    ("changes", "new_value"),
    [
        ({"url": "https://example.org/trial-v2"}, "https://example.org/trial-v2"),
        ({"doi": "10.1000/abc"}, "10.1000/abc"),
        ({"pmid": "67890"}, "67890"),
        ({"title": "Vitamin D and fractures"}, "fractures"),
        # The seventh author: the AMA citation shortens the list to three and "et al".
        ({"authors": [*FULL_REFERENCE["authors"][:6], "Kim H"]}, "Kim H"),
        ({"container": "Falls Journal"}, "Falls"),
        ({"year": 2025}, "2025"),
        ({"volume": "13"}, "13"),
        ({"issue": "4"}, "4"),
        ({"pages": "45-68"}, "45-68"),
        ({"kind": "cohort_study", "kind_label": "Cohort study"}, "Cohort study"),
    ],
    ids=lambda value: next(iter(value)) if isinstance(value, dict) else "",
)
def test_compare_shows_a_change_to_any_field_a_reader_sees_or_follows(changes, new_value):
    snapshot = {
        "article": {"title": "Q?", "summary": "S.", "body": "B [@trial-2024].", "id": 1},
        "references": {"trial-2024": FULL_REFERENCE},
    }
    newer = {**snapshot, "references": {"trial-2024": {**FULL_REFERENCE, **changes}}}
    result = {
        diff.label: diff for diff in compare_texts(snapshot_texts(snapshot), snapshot_texts(newer))
    }
    assert result["References"].changed
    inserted = re.findall(r"<ins>(.*?)</ins>", result["References"].html, re.S)
    assert all(any(word in part for part in inserted) for word in new_value.split())


def test_references_text_names_every_identifier_of_a_reference():
    text = references_text({"trial-2024": FULL_REFERENCE})
    for value in ["https://example.org/trial", "10.1000/xyz", "12345", "Randomised trial"]:
        assert value in text
    assert "Kay G" in text


def read(diff_html, *, leaving_out):
    """The text a diff shows with its `leaving_out` parts ("ins" or "del") dropped.

    Fails the test if a tag is nested or left open, or if any markup other than <ins> and <del>
    is in the diff (the text in it must all have been escaped).
    """
    kept, inside = [], None
    for piece in re.split(r"(</?(?:ins|del)>)", diff_html):
        tag = re.fullmatch(r"<(/?)(ins|del)>", piece)
        if tag:
            closing, name = tag.groups()
            assert (inside == name) if closing else (inside is None), diff_html
            inside = None if closing else name
        else:
            assert "<" not in piece and ">" not in piece and '"' not in piece, diff_html
            if inside != leaving_out:
                kept.append(html.unescape(piece))
    assert inside is None, diff_html
    return "".join(kept)


# Few distinct words, so that texts repeat themselves as the slow cases did, and the
# characters that HTML escaping must handle.
words = st.sampled_from(["a", "b", "bone", "<b>", "&amp;", '"x"', "it's", "D"])
spaces = st.sampled_from([" ", " ", "\n", "\n\n", "  ", "\t"])
texts = st.lists(st.tuples(words, spaces), max_size=40).map(
    lambda pairs: "".join(word + space for word, space in pairs)
) | st.text(max_size=60)


@settings(max_examples=300, deadline=None)
@given(old=texts, new=texts)
def test_a_diff_read_without_ins_is_the_old_text_and_without_del_the_new(old, new):
    # Line ends count as no change (CRLF and CR read as LF), so the texts come back with LF.
    diff = text_diff(old, new)
    assert read(diff.html, leaving_out="ins") == normalise_line_ends(old)
    assert read(diff.html, leaving_out="del") == normalise_line_ends(new)


@settings(max_examples=300, deadline=None)
@given(old=texts, new=texts, work_limit=st.integers(min_value=0, max_value=12))
def test_a_coarse_diff_still_reads_as_the_old_and_the_new_text(old, new, work_limit):
    diff = text_diff(old, new, work_limit=work_limit)
    assert read(diff.html, leaving_out="ins") == normalise_line_ends(old)
    assert read(diff.html, leaving_out="del") == normalise_line_ends(new)


def test_the_slow_case_of_the_issue_gives_a_coarse_diff_with_a_notice():
    old, new = "a b " * 10000, "b a " * 10000
    (body,) = [diff for diff in compare_texts({"body": old}, {"body": new}) if diff.changed]
    assert body.coarse
    assert body.notice == COARSE_NOTICE
    assert body.html == f"<del>{old}</del><ins>{new}</ins>"


def test_past_the_work_limit_changed_lines_are_shown_whole_and_the_rest_plain():
    old = "Keep this.\nTake <calcium> daily.\nKeep that.\n"
    new = "Keep this.\nTake vitamin D daily.\nKeep that.\n"
    diff = text_diff(old, new, work_limit=0)
    assert diff.coarse
    assert diff.html == (
        "Keep this.\n<del>Take &lt;calcium&gt; daily.\n</del>"
        "<ins>Take vitamin D daily.\n</ins>Keep that.\n"
    )


def test_the_work_limit_is_a_module_setting_that_compare_texts_obeys(monkeypatch):
    old, new = {"summary": "Usually yes, if low."}, {"summary": "Usually no, if low."}
    (fine,) = [diff for diff in compare_texts(old, new) if diff.changed]
    assert not fine.coarse and fine.notice == ""
    assert fine.html == "Usually <del>yes,</del><ins>no,</ins> if low."
    monkeypatch.setattr(diffs, "WORK_LIMIT", 0)
    (coarse,) = [diff for diff in compare_texts(old, new) if diff.changed]
    assert coarse.coarse and coarse.notice == COARSE_NOTICE
    assert coarse.html == "<del>Usually yes, if low.</del><ins>Usually no, if low.</ins>"


def test_the_fields_of_one_compare_share_one_work_limit(monkeypatch):
    old, new = "x y " * 30 + "x.", "y x " * 30 + "y."
    # The least work that compares this pair word by word.
    enough = next(
        limit for limit in range(100_000) if not text_diff(old, new, work_limit=limit).coarse
    )
    monkeypatch.setattr(diffs, "WORK_LIMIT", enough)
    result = {
        diff.label: diff
        for diff in compare_texts({"summary": old, "body": old}, {"summary": new, "body": new})
    }
    assert not result["Summary"].coarse
    assert result["Body"].coarse
    assert result["Body"].html == f"<del>{old}</del><ins>{new}</ins>"


def test_added_or_removed_lines_alone_are_never_coarse():
    old = "First.\nLast.\n"
    diff = text_diff(old, "First.\nMiddle <i>.\nLast.\n", work_limit=0)
    assert not diff.coarse
    assert diff.html == "First.\n<ins>Middle &lt;i&gt;.\n</ins>Last.\n"
    assert text_diff("First.\nMiddle.\nLast.\n", old, work_limit=0).html == (
        "First.\n<del>Middle.\n</del>Last.\n"
    )


def test_unchanged_text_is_never_coarse_whatever_the_limit():
    diff = text_diff("a b " * 100, "a b " * 100, work_limit=0)
    assert not diff.coarse and diff.html == "a b " * 100


def test_one_changed_word_in_a_long_repetitive_body_is_shown_as_one_word():
    paragraph = "Take calcium and vitamin D with food.\n\n"
    old = paragraph * 2500 + "Walk daily.\n" + paragraph * 2500
    new = paragraph * 2500 + "Walk weekly.\n" + paragraph * 2500
    diff = text_diff(old, new)
    assert not diff.coarse
    assert diff.html == (
        paragraph * 2500 + "Walk <del>daily.</del><ins>weekly.</ins>\n" + paragraph * 2500
    )


def test_edits_in_every_paragraph_of_a_long_body_are_still_shown_word_by_word():
    paragraphs = [f"Paragraph {n} says take {n % 7} tablets of calcium daily." for n in range(3000)]
    old = "\n\n".join(paragraphs)
    new = "\n\n".join(p.replace("daily", "weekly") for p in paragraphs)
    diff = text_diff(old, new)
    assert not diff.coarse
    assert diff.html.count("<del>daily.</del><ins>weekly.</ins>") == 3000
    assert read(diff.html, leaving_out="ins") == old


def test_line_ends_alone_are_no_change():
    """A round frozen from a draft saved with CRLF (a browser, a Windows file) against the same
    text with LF: nothing to show, however the lines end."""
    lf = "First paragraph.\n\n- one\n- two\n"
    for other in (lf.replace("\n", "\r\n"), lf.replace("\n", "\r")):
        [_title, _summary, body, *_rest] = diffs.compare_texts({"body": other}, {"body": lf})
        assert not body.changed
        assert "<del>" not in body.html and "<ins>" not in body.html
    edited = lf.replace("two", "three")
    [_title, _summary, body, *_rest] = diffs.compare_texts(
        {"body": lf.replace("\n", "\r\n")}, {"body": edited}
    )
    assert body.changed
    assert body.html.count("<del>") == 1 and body.html.count("<ins>") == 1
