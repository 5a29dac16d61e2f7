"""Markdown pasted from elsewhere keeps its shape (issue 16, item 7): lists nested by two,
three or four spaces nest; ~~struck~~ text and footnotes render through the sanitiser; a
footnote with no text is reported with its line instead of reaching readers as written."""

import pytest

from articles.rendering import markdown_warnings, nest_lists_as_commonmark, render, sanitise
from editorial.checks import writing_checks
from tests import factories

AUDIENCES = ["patient", "clinician"]


def html(source):
    return render(source, audience="patient", audiences=AUDIENCES, references={}).html


def squeeze(markup):
    return "".join(markup.split())


NESTED = "<ul><li>Calcium<ul><li>Food<ul><li>Dairy</li></ul></li></ul></li><li>VitaminD</li></ul>"


@pytest.mark.parametrize(
    "source",
    [
        "- Calcium\n  - Food\n    - Dairy\n- Vitamin D\n",  # GFM, as GitHub and Obsidian write
        "- Calcium\n    - Food\n        - Dairy\n- Vitamin D\n",  # Python-Markdown's four
        "* Calcium\n   * Food\n      * Dairy\n* Vitamin D\n",  # three, as some editors indent
    ],
    ids=["two-spaces", "four-spaces", "three-spaces"],
)
def test_nested_lists_nest_however_far_they_are_indented(source):
    assert squeeze(html(source)) == NESTED


def test_a_list_under_a_numbered_item_nests_at_its_text_column():
    source = "1. Test the level\n   - at baseline\n   - at 3 months\n2. Then treat\n"

    assert squeeze(html(source)) == (
        "<ol><li>Testthelevel<ul><li>atbaseline</li><li>at3months</li></ul></li>"
        "<li>Thentreat</li></ol>"
    )


def test_a_paragraph_indented_under_an_item_stays_in_it():
    assert squeeze(html("- Calcium\n\n  From food first.\n\n- Vitamin D\n")) == (
        "<ul><li><p>Calcium</p><p>Fromfoodfirst.</p></li><li><p>VitaminD</p></li></ul>"
    )


def test_indented_code_and_fenced_code_keep_their_spaces():
    assert "<pre><code>  - not a list\n</code></pre>" in html("Text.\n\n      - not a list\n")
    assert nest_lists_as_commonmark(["```", "  - kept", "```"]) == ["```", "  - kept", "```"]


def test_strikethrough_renders_as_del_and_survives_the_sanitiser():
    assert "<p>Take <del>500,000 IU once</del> 800 IU daily.</p>" in html(
        "Take ~~500,000 IU once~~ 800 IU daily."
    )
    # A single tilde means "about", not subscript or strike.
    assert "<p>About ~20 ng/mL.</p>" in html("About ~20 ng/mL.")
    assert "<code>~~code~~</code>" in html("`~~code~~`")


def test_footnotes_render_with_links_both_ways():
    result = html("Doses vary.[^dose]\n\n[^dose]: Ask before changing a dose.\n")

    assert '<sup id="fnref:dose"><a class="footnote-ref" href="#fn:dose">1</a></sup>' in result
    assert '<div class="footnote">' in result
    assert '<li id="fn:dose">' in result and 'class="footnote-backref" href="#fnref:dose"' in result
    assert "[^" not in result


def test_the_sanitiser_keeps_footnote_markup_but_not_other_classes_or_divs_attributes():
    dirty = '<div class="footnote evil" style="x" onclick="y"><del>z</del></div>'

    assert sanitise(dirty) == '<div class="footnote"><del>z</del></div>'


def test_a_footnote_without_text_is_a_warning_with_its_line():
    source = "Intro.\n\nDoses vary.[^dose] See `[^code]`.\n\n```\n[^fenced]\n```\n"

    warnings = markdown_warnings(source)

    assert [(w.line, w.code) for w in warnings] == [(3, "undefined-footnote")]
    assert "footnote [^dose] has no line" in warnings[0].message


def test_defined_footnotes_give_no_warning():
    assert markdown_warnings("A.[^1]\n\n[^1]: Note.\n") == []


@pytest.mark.django_db
def test_writing_checks_list_the_footnote_warning_without_stopping_submission(editor, audiences):
    from reviews import workflow

    article = factories.ArticleFactory(created_by=editor, body="Text.\n\nMore.[^x]\n")

    problems = writing_checks(article, article.body)["problems"]

    assert [(problem["line"], problem["code"]) for problem in problems] == [
        (3, "undefined-footnote")
    ]
    assert workflow.submit(article, by=editor).number == 1


def test_lists_nested_two_spaces_a_level_meet_the_nesting_limit_where_four_spaces_do():
    from articles.rendering import MAX_NESTING, nesting_problem

    def nested(levels, step):
        return "".join(" " * step * level + "- item\n" for level in range(levels))

    deepest = next(
        levels for levels in range(1, 3 * MAX_NESTING) if nesting_problem(nested(levels, 4))
    )

    assert deepest > MAX_NESTING
    assert nesting_problem(nested(deepest - 1, 2)) is None
    assert nesting_problem(nested(deepest, 2)).line == deepest
    assert "<ul>" not in html(nested(deepest, 2))  # shown as text, as for any structure too deep
