import pytest

from references.citations import (
    CITATION_RE,
    citation_lines,
    cited_keys,
    format_reference,
    format_reference_text,
    mark_retracted,
    parse_group,
    render_reference_list,
)

ARTICLE = {
    "key": "praxis-2025a",
    "kind": "article",
    "kind_label": "Journal article",
    "title": "Vitamin D in practice",
    "authors": ["Smith JA", "Doe B"],
    "container": "J Clin Nutr",
    "year": 2025,
    "volume": "12",
    "issue": "3",
    "pages": "45-67",
    "doi": "",
    "pmid": "",
    "url": "",
}


def reference(**changes):
    return {**ARTICLE, **changes}


# --- Citation syntax ---


@pytest.mark.parametrize(
    ("text", "inside"),
    [
        ("see [@praxis-2025a].", "@praxis-2025a"),
        ("[@pmid12345]", "@pmid12345"),
        ("[@smith:2020]", "@smith:2020"),
        ("[@a_b.c]", "@a_b.c"),
        ("[@2020who]", "@2020who"),
        ("[@a; @b; @c]", "@a; @b; @c"),
        ("[@a;@b]", "@a;@b"),
    ],
)
def test_citation_re_finds_single_keys_and_groups(text, inside):
    assert CITATION_RE.search(text).group(1) == inside


@pytest.mark.parametrize(
    "text",
    ["[@]", "[@-a]", "[@.a]", "[@a, @b]", "[a]", "[mail@example.com]", "[@a b]", "[@a; b]"],
)
def test_citation_re_ignores_what_is_not_a_citation(text):
    assert CITATION_RE.search(text) is None


def test_parse_group_returns_keys_in_written_order():
    assert parse_group("@b; @a") == ["b", "a"]
    assert parse_group(" @smith:2020 ") == ["smith:2020"]
    assert parse_group("@a;\n  @b") == ["a", "b"]


@pytest.mark.parametrize("text", ["", "a", "@", "@a, @b", "@a; x", "@a;"])
def test_parse_group_raises_for_text_that_is_not_a_group(text):
    with pytest.raises(ValueError, match="not a citation group"):
        parse_group(text)


def test_cited_keys_lists_each_key_once_in_order_of_first_appearance():
    source = "\n".join(
        [
            "Shared [@b; @a].",
            "::: audience clinician",
            "Only clinicians [@c] [@a].",
            ":::",
            "Not a citation: [@] [a] [mail@example.com].",
        ]
    )
    assert cited_keys(source) == ["b", "a", "c"]
    assert cited_keys("") == []


# --- AMA formatting ---


def test_full_reference_is_formatted_in_ama_order():
    assert format_reference(ARTICLE) == (
        "Smith JA, Doe B. Vitamin D in practice. <i>J Clin Nutr</i>. 2025;12(3):45-67."
    )
    assert format_reference_text(ARTICLE) == (
        "Smith JA, Doe B. Vitamin D in practice. J Clin Nutr. 2025;12(3):45-67."
    )


@pytest.mark.parametrize("count", [1, 2, 5, 6])
def test_up_to_six_authors_are_all_listed(count):
    names = [f"Author{n} A" for n in range(1, count + 1)]
    text = format_reference_text(reference(authors=names))
    assert text.startswith(", ".join(names) + ". Vitamin D")
    assert "et al" not in text


@pytest.mark.parametrize("count", [7, 12])
def test_more_than_six_authors_become_first_three_and_et_al(count):
    names = [f"Author{n} A" for n in range(1, count + 1)]
    text = format_reference_text(reference(authors=names))
    assert text.startswith("Author1 A, Author2 A, Author3 A, et al. Vitamin D")
    assert "Author4" not in text


def test_authors_the_source_cut_short_end_with_et_al():
    text = format_reference_text(reference(authors=["Bateman ED", "Reddel HK"], et_al=True))

    assert text.startswith("Bateman ED, Reddel HK, et al. Vitamin D")


def test_more_than_six_authors_cut_short_get_et_al_only_once():
    names = [f"Author{n} A" for n in range(1, 8)]
    text = format_reference_text(reference(authors=names, et_al=True))

    assert text.startswith("Author1 A, Author2 A, Author3 A, et al. Vitamin D")


def test_et_al_without_named_authors_is_not_an_author_list():
    assert format_reference_text(reference(authors=[], et_al=True)).startswith("Vitamin D")


@pytest.mark.parametrize(
    ("changes", "expected_end"),
    [
        ({}, "<i>J Clin Nutr</i>. 2025;12(3):45-67."),
        ({"year": None}, "<i>J Clin Nutr</i>. 12(3):45-67."),
        ({"volume": ""}, "<i>J Clin Nutr</i>. 2025(3):45-67."),
        ({"issue": ""}, "<i>J Clin Nutr</i>. 2025;12:45-67."),
        ({"pages": ""}, "<i>J Clin Nutr</i>. 2025;12(3)."),
        ({"volume": "", "issue": "", "pages": ""}, "<i>J Clin Nutr</i>. 2025."),
        ({"year": "", "volume": "", "issue": ""}, "<i>J Clin Nutr</i>. 45-67."),
        ({"year": None, "volume": "", "issue": "", "pages": ""}, "<i>J Clin Nutr</i>."),
        ({"container": "", "year": None, "volume": "", "issue": "", "pages": ""}, "practice."),
    ],
)
def test_missing_publication_parts_leave_no_stray_punctuation(changes, expected_end):
    html = format_reference(reference(**changes))
    assert html.endswith(expected_end)
    for stray in ("..", ";(", "()", ";:", "::", ";.", ":.", " .", "  "):
        assert stray not in html


def test_reference_with_missing_fields_never_raises_and_may_be_empty():
    assert format_reference({}) == ""
    assert format_reference_text({"title": None, "authors": None}) == ""
    assert format_reference({"title": "Only a title"}) == "Only a title."
    assert format_reference({"authors": "Single Author"}) == "Single Author."
    assert format_reference({"authors": ["", "  ", "Doe B"]}) == "Doe B."


@pytest.mark.parametrize("title", ["Does it work?", "It works!", "It works."])
def test_title_ending_in_punctuation_gets_no_extra_period(title):
    assert format_reference_text(reference(title=title)) == (
        f"Smith JA, Doe B. {title} J Clin Nutr. 2025;12(3):45-67."
    )


def test_line_breaks_and_runs_of_spaces_in_fields_are_collapsed():
    assert format_reference_text({"title": "Vitamin\n D  levels"}) == "Vitamin D levels."


def test_every_field_is_html_escaped_in_html_but_not_in_text():
    data = reference(
        title="<b>Bold</b> & 'quoted'",
        authors=['O"Brien <X>'],
        container="<script>alert(1)</script>",
        pages="1<2",
    )
    html = format_reference(data)
    assert "<b>" not in html and "<script>" not in html and '"' not in html
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; &#x27;quoted&#x27;" in html
    assert "O&quot;Brien &lt;X&gt;" in html
    assert "<i>&lt;script&gt;alert(1)&lt;/script&gt;</i>" in html
    assert "1&lt;2." in html
    assert format_reference_text(data).startswith("O\"Brien <X>. <b>Bold</b> & 'quoted'.")


def test_doi_and_pmid_are_not_part_of_the_formatted_reference():
    data = reference(doi="10.1000/xyz", pmid="123", url="https://example.org/")
    assert format_reference(data) == format_reference(ARTICLE)


# --- Reference list ---


def test_reference_list_item_has_kind_reference_links_and_back_links():
    data = reference(doi="DOI:10.1000/XYZ", pmid="PMID: 0123", url="https://example.org/")
    html = render_reference_list(["praxis-2025a"], {"praxis-2025a": data}, [2])
    assert html == (
        '<ol class="references">\n'
        '<li id="ref-1"><span class="ref-kind">Journal article</span> '
        "Smith JA, Doe B. Vitamin D in practice. <i>J Clin Nutr</i>. 2025;12(3):45-67. "
        '<a href="https://doi.org/10.1000/xyz" class="ref-doi">doi:10.1000/xyz</a> '
        '<a href="https://pubmed.ncbi.nlm.nih.gov/123/" class="ref-pubmed">PubMed</a> '
        '<a href="#cite-1-1" class="ref-back" aria-label="Back to citation 1, occurrence 1">↩</a> '
        '<a href="#cite-1-2" class="ref-back" aria-label="Back to citation 1, occurrence 2">↩</a>'
        "</li>\n</ol>"
    )


def test_reference_list_numbers_items_in_the_given_order():
    references = {"a": reference(title="A"), "b": reference(title="B")}
    html = render_reference_list(["b", "a"], references, [1, 3])
    assert html.index('<li id="ref-1">') < html.index("B.") < html.index('<li id="ref-2">')
    assert html.index('<li id="ref-2">') < html.index("A.")
    assert 'href="#cite-2-3"' in html and 'href="#cite-2-4"' not in html
    assert 'href="#cite-1-2"' not in html


def test_url_is_linked_only_without_a_doi():
    with_url = reference(url="https://example.org/report?a=1&b=2")
    html = render_reference_list(["k"], {"k": with_url}, [1])
    assert (
        '<a href="https://example.org/report?a=1&amp;b=2" class="ref-url">'
        "https://example.org/report?a=1&amp;b=2</a>"
    ) in html
    with_doi = reference(url="https://example.org/", doi="10.1000/xyz")
    assert "ref-url" not in render_reference_list(["k"], {"k": with_doi}, [1])


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/html,x",
        "ftp://example.org/",
        "//example.org/",
        "/relative",
        "https://exa mple.org/",
        "https:///no-host",
    ],
)
def test_url_that_is_not_absolute_http_is_not_linked(url):
    html = render_reference_list(["k"], {"k": reference(url=url)}, [1])
    assert "ref-url" not in html
    assert "href" not in html.replace('href="#cite-1-1"', "")


def test_malformed_doi_or_pmid_is_left_out_rather_than_linked():
    data = reference(doi="javascript:alert(1)", pmid="<script>")
    html = render_reference_list(["k"], {"k": data}, [1])
    assert "ref-doi" not in html and "ref-pubmed" not in html
    assert "javascript" not in html and "<script>" not in html


def test_reference_without_data_still_shows_its_key():
    html = render_reference_list(["lost<key>"], {}, [1])
    assert '<li id="ref-1">lost&lt;key&gt; <a href="#cite-1-1"' in html
    assert "ref-kind" not in html


def test_nothing_cited_renders_no_list():
    assert render_reference_list([], {"k": ARTICLE}, []) == ""


def test_counts_not_aligned_with_keys_raise_value_error():
    with pytest.raises(ValueError, match="citation_counts"):
        render_reference_list(["a", "b"], {}, [1])


# Retractions (issue 16, item 6)


def test_a_retracted_reference_carries_the_label_and_its_notice_first():
    data = {
        "key": "a",
        "kind_label": "Research",
        "title": "Falls",
        "retracted": True,
        "retraction_doi": "10.5555/notice.1",
    }

    html = render_reference_list(["a"], {"a": data}, [1])

    assert html.startswith(
        '<ol class="references">\n<li id="ref-1"><span class="ref-retracted">Retracted</span> '
        '<a href="https://doi.org/10.5555/notice.1" class="ref-retraction">retraction notice</a> '
        '<span class="ref-kind">Research</span>'
    )


def test_mark_retracted_labels_the_numbered_item_once_and_matches_the_rendered_label():
    data = {"a": {"title": "One"}, "b": {"title": "Two"}}
    plain = render_reference_list(["a", "b"], data, [1, 1])
    rendered = render_reference_list(
        ["a", "b"], {**data, "b": {"title": "Two", "retracted": True}}, [1, 1]
    )

    marked = mark_retracted(plain, {2: ""})

    assert marked == rendered
    assert mark_retracted(marked, {2: "10.5555/x"}) == marked
    assert mark_retracted(plain, {9: ""}) == plain


def test_citation_lines_give_each_key_its_lines():
    text = "One [@a].\r\nTwo [@b; @a]\n\nThree [\n@a]"

    assert citation_lines(text) == {"a": [1, 2, 4], "b": [2]}
