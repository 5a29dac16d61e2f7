"""Word-level diffs of article text: pure functions, no database."""

import re

import pytest

from reviews.diffs import compare_texts, references_text, snapshot_texts, word_diff

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
