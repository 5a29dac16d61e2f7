import html
import re
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from articles.rendering import (
    Diagnostic,
    check,
    render,
    render_markdown,
    sanitise,
    text_for_audience,
)
from references.citations import format_reference, render_reference_list

AUDIENCES = {"patient", "caregiver", "clinician"}
REFERENCES = {
    key: {"key": key, "kind_label": "Guideline", "title": f"Title of {key}", "year": 2025}
    for key in ("guideline-2025", "praxis-2025a", "smith:2020", "a", "b", "c")
}


def lines(*text: str) -> str:
    """Join source lines, so a test can count them: lines("one", "two") is lines 1-2."""
    return "\n".join(text)


def rendered(source: str, audience: str = "patient", references=REFERENCES):
    return render(source, audience=audience, audiences=AUDIENCES, references=references)


def codes(diagnostics) -> list[tuple[int, str]]:
    return [(d.line, d.code) for d in diagnostics]


EXAMPLE = lines(
    "Shared text [@guideline-2025].",  # 1
    "",  # 2
    "::: audience patient caregiver",  # 3
    "Text only for patients and caregivers.",  # 4
    ":::",  # 5
    "",  # 6
    "::: audience clinician",  # 7
    "Clinician text [@praxis-2025a].",  # 8
    ":::",  # 9
    "",  # 10
    "Shared closing text.",  # 11
)


# --- Audience blocks ---


def test_audience_sees_shared_text_and_its_own_block():
    text = text_for_audience(EXAMPLE, "clinician")
    assert "Shared text" in text and "Shared closing text." in text
    assert "Clinician text" in text
    assert "patients and caregivers" not in text
    assert ":::" not in text


def test_audience_without_a_block_sees_shared_text_only():
    text = text_for_audience(EXAMPLE, "researcher")
    assert text.split("\n") == [
        "Shared text [@guideline-2025].",
        *[""] * 9,
        "Shared closing text.",
    ]


def test_block_naming_several_audiences_is_shown_to_each_of_them():
    source = lines("::: audience patient, caregiver  clinician", "For three.", ":::")
    for audience in ("patient", "caregiver", "clinician"):
        assert "For three." in text_for_audience(source, audience)
    assert "For three." not in text_for_audience(source, "press")


def test_hidden_lines_become_empty_so_line_numbers_stay_those_of_the_source():
    for audience in ("patient", "clinician", "nobody"):
        text_lines = text_for_audience(EXAMPLE, audience).split("\n")
        assert len(text_lines) == len(EXAMPLE.split("\n"))
        assert text_lines[0] == "Shared text [@guideline-2025]."
        assert text_lines[10] == "Shared closing text."
    assert text_for_audience(EXAMPLE, "clinician").split("\n")[7] == (
        "Clinician text [@praxis-2025a]."
    )


def test_fence_lines_may_have_surrounding_whitespace():
    source = lines("  :::   audience   patient  ", "Patient only.", "   :::   ", "Shared.")
    assert text_for_audience(source, "patient").split("\n") == ["", "Patient only.", "", "Shared."]
    assert text_for_audience(source, "clinician").split("\n") == ["", "", "", "Shared."]


def test_windows_and_old_mac_line_endings_count_as_one_line_each():
    source = "Shared.\r\n::: audience patient\r\nPatient.\r:::\r\n::: audience nobody"
    text = text_for_audience(source, "patient")
    assert text.split("\n") == ["Shared.", "", "Patient.", "", ""]
    diagnostics = check(source, audiences=AUDIENCES, reference_keys=REFERENCES)
    assert codes(diagnostics) == [(5, "unclosed-block"), (5, "unknown-audience")]


def test_unclosed_block_is_reported_on_its_opening_line_and_runs_to_the_end():
    source = lines("Shared.", "", "::: audience clinician", "Clinician only.", "", "More.")
    diagnostics = check(source, audiences=AUDIENCES, reference_keys=REFERENCES)
    assert diagnostics == [
        Diagnostic(
            3,
            "unclosed-block",
            'Line 3: audience block is never closed; add a line with ":::" after it.',
        )
    ]
    # Its text stays with its audience instead of leaking to every reader.
    assert "More." not in text_for_audience(source, "patient")
    assert "More." in text_for_audience(source, "clinician")


def test_stray_close_is_reported_on_its_line_and_not_shown():
    source = lines("Shared.", ":::", "More shared.")
    diagnostics = check(source, audiences=AUDIENCES, reference_keys=REFERENCES)
    assert codes(diagnostics) == [(2, "stray-close")]
    assert diagnostics[0].message == 'Line 2: ":::" does not close any audience block.'
    assert ":::" not in rendered(source).html


def test_block_opened_inside_another_is_reported_and_ends_the_open_block():
    source = lines(
        "::: audience patient",  # 1
        "For patients.",  # 2
        "::: audience clinician",  # 3
        "For clinicians.",  # 4
        ":::",  # 5
        "Shared again.",  # 6
        ":::",  # 7
    )
    diagnostics = check(source, audiences=AUDIENCES, reference_keys=REFERENCES)
    assert codes(diagnostics) == [(3, "nested-block"), (7, "stray-close")]
    assert "opened on line 1" in diagnostics[0].message
    assert "For clinicians." not in text_for_audience(source, "patient")
    assert "Shared again." in text_for_audience(source, "patient")


def test_unknown_audience_is_reported_with_its_line_and_the_known_ones():
    source = lines("Shared.", "::: audience patient pharmacist", "Text.", ":::")
    diagnostics = check(source, audiences=AUDIENCES, reference_keys=REFERENCES)
    assert diagnostics == [
        Diagnostic(
            2,
            "unknown-audience",
            'Line 2: unknown audience "pharmacist" '
            "(known audiences: caregiver, clinician, patient).",
        )
    ]
    assert codes(check(source, audiences=(), reference_keys=())) == [
        (2, "unknown-audience"),
        (2, "unknown-audience"),
    ]


@pytest.mark.parametrize("opening", ["::: audience", "::: audience   ", ":::audience ,, ,"])
def test_block_naming_no_audience_is_reported_and_shown_to_nobody(opening):
    source = lines("Shared.", opening, "Orphan text.", ":::")
    diagnostics = check(source, audiences=AUDIENCES, reference_keys=REFERENCES)
    assert codes(diagnostics) == [(2, "empty-block-audiences")]
    assert "Orphan text." not in rendered(source).html


def test_other_triple_colon_lines_are_ordinary_text():
    source = lines("::: audiences patient", "::: note")
    assert check(source, audiences=AUDIENCES, reference_keys=REFERENCES) == []
    assert "::: audiences patient" in rendered(source).html


def test_check_reports_every_block_sorted_by_line_without_duplicates():
    source = lines(
        "Shared [@nope] and again [@nope].",  # 1
        "::: audience clinician",  # 2
        "Clinician [@missing-1].",  # 3
        ":::",  # 4
        "::: audience patient ghost",  # 5
        "Patient [@missing-2].",  # 6
        ":::",  # 7
        ":::",  # 8
    )
    diagnostics = check(source, audiences=AUDIENCES, reference_keys=REFERENCES)
    assert codes(diagnostics) == [
        (1, "unknown-citation"),
        (3, "unknown-citation"),
        (5, "unknown-audience"),
        (6, "unknown-citation"),
        (8, "stray-close"),
    ]
    assert diagnostics[0].message == 'Line 1: unknown citation key "nope".'


def test_render_reports_structure_of_the_whole_source_and_its_own_citations_only():
    source = lines("::: audience clinician", "Clinician [@nope].", ":::", ":::")
    assert codes(rendered(source, "patient").diagnostics) == [(4, "stray-close")]
    assert codes(rendered(source, "clinician").diagnostics) == [
        (2, "unknown-citation"),
        (4, "stray-close"),
    ]


# --- Citations ---


def test_citations_are_numbered_in_order_of_first_use():
    result = rendered("First [@b], then [@a], then [@c].")
    assert result.cited_keys == ("b", "a", "c")
    assert result.citation_counts == (1, 1, 1)
    assert result.html == (
        '<p>First <sup class="cite"><a href="#ref-1" id="cite-1-1">1</a></sup>, '
        'then <sup class="cite"><a href="#ref-2" id="cite-2-1">2</a></sup>, '
        'then <sup class="cite"><a href="#ref-3" id="cite-3-1">3</a></sup>.</p>'
    )
    assert result.diagnostics == ()


def test_repeated_key_reuses_its_number_and_counts_occurrences():
    result = rendered("One [@a]. Two [@b]. Three [@a].\n\nFour [@a].")
    assert result.cited_keys == ("a", "b")
    assert result.citation_counts == (3, 1)
    assert re.findall(r'id="(cite-[0-9-]+)"', result.html) == [
        "cite-1-1",
        "cite-2-1",
        "cite-1-2",
        "cite-1-3",
    ]
    assert result.html.count('href="#ref-1"') == 3


def test_group_renders_one_superscript_with_comma_separated_links():
    result = rendered("Evidence [@a; @b;@smith:2020].")
    assert result.html == (
        '<p>Evidence <sup class="cite"><a href="#ref-1" id="cite-1-1">1</a>, '
        '<a href="#ref-2" id="cite-2-1">2</a>, <a href="#ref-3" id="cite-3-1">3</a></sup>.</p>'
    )


def test_unknown_key_shows_a_visible_marker_and_a_diagnostic_with_its_line():
    result = rendered(lines("Fine [@a].", "", "Broken [@smith-2020]."))
    assert '<sup class="cite cite-missing">?</sup>' in result.html
    assert result.diagnostics == (
        Diagnostic(3, "unknown-citation", 'Line 3: unknown citation key "smith-2020".'),
    )
    assert result.cited_keys == ("a",)


def test_unknown_key_in_a_group_keeps_the_known_links_and_marks_the_group():
    result = rendered("Mixed [@zzz; @a].")
    assert (
        '<sup class="cite cite-missing">?, <a href="#ref-1" id="cite-1-1">1</a></sup>'
    ) in result.html
    assert codes(result.diagnostics) == [(1, "unknown-citation")]


def test_citation_group_wrapped_over_two_lines_is_reported_on_its_first_line():
    result = rendered(lines("Text", "more [@a;", "@nope] end."))
    assert result.cited_keys == ("a",)
    assert codes(result.diagnostics) == [(2, "unknown-citation")]


def test_citation_in_code_is_left_alone_and_not_checked():
    source = lines(
        "Write `[@nope]` to cite.",
        "",
        "```",
        "[@a] [@nope]",
        "```",
        "",
        "    [@nope] indented code",
        "",
        r"Escaped \[@nope] bracket.",
    )
    result = rendered(source)
    assert "<code>[@nope]</code>" in result.html
    assert "<pre><code>[@a] [@nope]\n</code></pre>" in result.html
    assert "<pre><code>[@nope] indented code\n</code></pre>" in result.html
    assert "Escaped [@nope] bracket." in result.html
    assert "<sup" not in result.html
    assert result.cited_keys == ()
    assert result.diagnostics == ()
    assert check(source, audiences=AUDIENCES, reference_keys=REFERENCES) == []


def test_each_audience_numbers_the_citations_of_its_own_text():
    source = lines(
        "::: audience clinician",
        "Dosing per [@praxis-2025a].",
        ":::",
        "",
        "Shared fact [@guideline-2025], see also [@praxis-2025a].",
    )
    clinician = rendered(source, "clinician")
    patient = rendered(source, "patient")
    assert clinician.cited_keys == ("praxis-2025a", "guideline-2025")
    assert clinician.citation_counts == (2, 1)
    assert patient.cited_keys == ("guideline-2025", "praxis-2025a")
    assert patient.citation_counts == (1, 1)


def test_numbering_follows_reading_order_through_nested_lists_and_quotes():
    source = lines(
        "- item [@a]",
        "    - nested [@b]",
        "",
        "> quoted [@c]",
        "",
        "After [@a].",
    )
    result = rendered(source)
    assert result.cited_keys == ("a", "b", "c")
    assert re.findall(r'id="(cite-[0-9-]+)"', result.html) == [
        "cite-1-1",
        "cite-2-1",
        "cite-3-1",
        "cite-1-2",
    ]


def test_citation_ids_match_the_reference_list_back_links():
    result = rendered(EXAMPLE + "\n\nAgain [@guideline-2025; @a] and [@a].", "clinician")
    reference_list = render_reference_list(result.cited_keys, REFERENCES, result.citation_counts)
    citation_ids = set(re.findall(r'id="(cite-[0-9-]+)"', result.html))
    back_link_targets = set(re.findall(r'href="#(cite-[0-9-]+)"', reference_list))
    assert citation_ids == back_link_targets
    assert len(citation_ids) == sum(result.citation_counts) == 5
    item_ids = set(re.findall(r'<li id="(ref-\d+)"', reference_list))
    assert set(re.findall(r'href="#(ref-\d+)"', result.html)) == item_ids


def test_sanitising_the_reference_list_keeps_its_markup():
    data = {"title": "T", "doi": "10.1000/x", "pmid": "1", "kind_label": "Review"}
    reference_list = render_reference_list(["k"], {"k": data}, [2])
    assert sanitise(reference_list) == reference_list


def test_private_use_characters_in_the_source_cannot_forge_a_citation():
    result = rendered("x [@a\ue0000\ue001] y \ue000\ue001")
    assert "\ue000" not in result.html and "\ue001" not in result.html
    assert codes(result.diagnostics) == [(1, "unknown-citation")]  # the key is "a0"


def test_rendering_keeps_no_state_between_calls_or_threads():
    sources = [f"Text [@{key}] and [@a] [@{key}]." for key in ("b", "c", "a", "praxis-2025a")]
    expected = [rendered(source) for source in sources]
    assert rendered(sources[0]) == expected[0]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(rendered, sources * 25))
    assert results == expected * 25


# --- Markdown ---


def test_top_level_headings_are_demoted_below_the_page_title():
    result = render_markdown("# One\n\nTwo\n===\n\n## Three\n\n###### Six")
    assert result == "<h2>One</h2>\n<h2>Two</h2>\n<h2>Three</h2>\n<h6>Six</h6>"


def test_raw_html_comes_out_as_escaped_text():
    result = render_markdown('<div class="x">Hi <b>there</b></div>\n\nInline <em>tag</em>.')
    assert result == (
        '<p>&lt;div class="x"&gt;Hi &lt;b&gt;there&lt;/b&gt;&lt;/div&gt;</p>\n'
        "<p>Inline &lt;em&gt;tag&lt;/em&gt;.</p>"
    )


def test_tables_fenced_code_and_lists_are_rendered():
    source = lines(
        "| Dose | mg |",
        "|:-----|---:|",
        "| low  | 10 |",
        "",
        "```python",
        "print('<hi>')",
        "```",
        "",
        "3. third",
        "4. fourth",
        "",
        "* **bold** and *em*",
    )
    result = render_markdown(source)
    assert '<th align="left">Dose</th>' in result
    assert '<td align="right">10</td>' in result
    assert "<pre><code>print('&lt;hi&gt;')\n</code></pre>" in result
    assert '<ol start="3">' in result
    assert "<li><strong>bold</strong> and <em>em</em></li>" in result


def test_attribute_list_syntax_is_not_interpreted():
    result = render_markdown("## Heading {#evil .cite onclick=x}\n\nPara\n{: style=x }")
    assert "{#evil .cite onclick=x}" in result
    assert "id=" not in result and "class=" not in result


def test_render_markdown_ignores_audience_blocks_and_citations():
    result = render_markdown("Policy [@a].")
    assert result == "<p>Policy [@a].</p>"


def test_sanitise_keeps_only_allowed_classes_and_safe_urls():
    dirty = (
        '<sup class="cite evil"><a href="#ref-1" id="cite-1-1" class="x ref-back">1</a></sup>'
        '<p class="cite" id="x" style="color:red">p</p><a href="mailto:a@example.org">m</a>'
        '<img src="https://example.org/i.png" alt="i" onerror="x"><!-- hidden -->'
    )
    assert sanitise(dirty) == (
        '<sup class="cite"><a href="#ref-1" id="cite-1-1" class="ref-back">1</a></sup>'
        '<p>p</p><a href="mailto:a@example.org">m</a>'
        '<img src="https://example.org/i.png" alt="i">'
    )


# --- Output safety ---

# Kept separate from the module's allow-list on purpose: this test fails if that list grows.
SAFE_TAGS = {
    *("p", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "strong", "em", "b", "i"),
    *("code", "pre", "blockquote", "a", "sup", "sub", "table", "thead", "tbody", "tr"),
    *("th", "td", "hr", "br", "img", "span", "del", "div"),
}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "srcset", "poster", "data"}
FORBIDDEN_SCHEMES = ("javascript:", "data:", "vbscript:")


class _MarkupCollector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str, str]] = []
        self.other: list[str] = []  # comments, declarations, processing instructions

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.extend((tag, name, value or "") for name, value in attrs)

    def handle_endtag(self, tag):
        self.tags.append(tag)

    def handle_comment(self, data):
        self.other.append(f"<!--{data}-->")

    def handle_decl(self, decl):
        self.other.append(decl)

    def handle_pi(self, data):
        self.other.append(data)

    def unknown_decl(self, data):
        self.other.append(data)


def _url_scheme_text(value: str) -> str:
    # What a browser would see: entities decoded (twice, to be strict), whitespace and control
    # characters removed anywhere, case folded.
    decoded = html.unescape(html.unescape(value))
    return "".join(c for c in decoded if c.isprintable() and not c.isspace()).lower()


def assert_safe_html(markup: str) -> None:
    collector = _MarkupCollector()
    collector.feed(markup)
    collector.close()
    assert set(collector.tags) <= SAFE_TAGS, markup
    assert collector.other == [], markup
    for _tag, name, value in collector.attributes:
        assert not name.startswith("on"), markup
        assert name != "style", markup
        if name in URL_ATTRIBUTES:
            assert not _url_scheme_text(value).startswith(FORBIDDEN_SCHEMES), markup


XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="&#14;javascript:alert(1)">x</a>',
    '<iframe src="javascript:alert(1)"></iframe>',
    "<style>body{background:url(javascript:alert(1))}</style>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<p onmouseover="alert(1)">hover</p>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button>x</button></form>',
    '<base href="javascript:alert(1)//">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "<details open ontoggle=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<!--<img src=x onerror=alert(1)>-->",
    "[x](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x]( javascript:alert(1) )",
    "[x](<javascript:alert(1)>)",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;avascript&#58;alert(1))",
    "[x](javas&#99;ript:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html,<script>alert(1)</script>)",
    "![x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '![x](javascript:alert(1) "title")',
    '![x" onerror="alert(1)](https://ok.example/i.png)',
    '[x](https://ok.example/" onmouseover="alert(1))',
    "<javascript:alert(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    "[x][evil]\n\n[evil]: javascript:alert(1)",
    "[x][evil]\n\n[evil]: <data:text/html;base64,PHNjcmlwdD4=>",
    "`<script>alert(1)</script>`",
    "```\n<script>alert(1)</script>\n```",
    "# Heading <script>alert(1)</script>",
    "| a |\n|---|\n| <img src=x onerror=alert(1)> |",
    "[@a]<img src=x onerror=alert(1)>",
    "[@a; @<script>]",
    "::: audience patient\n<script>alert(1)</script>\n:::",
    "::: audience <script>alert(1)</script>\ntext\n:::",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<script>script>alert(1)<</script>/script>",
    "\x00<script>alert(1)</script>",
]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_payload_rendered_for_any_audience_stays_inert(payload):
    source = lines("Intro [@a].", "", payload, "", "End.")
    for audience in ("patient", "clinician"):
        assert_safe_html(rendered(source, audience).html)
    assert_safe_html(rendered(payload).html)


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_payload_in_plain_markdown_stays_inert(payload):
    assert_safe_html(render_markdown(payload))


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_payload_through_sanitise_stays_inert(payload):
    assert_safe_html(sanitise(payload))


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
@pytest.mark.parametrize(
    "field", ["title", "authors", "container", "doi", "pmid", "url", "kind_label", "pages"]
)
def test_payload_in_a_reference_field_stays_inert(payload, field):
    value = [payload, "Doe B"] if field == "authors" else payload
    data = {"key": "k", "title": "T", "kind_label": "Guideline", field: value}
    assert_safe_html(format_reference(data))
    reference_list = render_reference_list(["k"], {"k": data}, [2])
    assert_safe_html(reference_list)
    assert_safe_html(sanitise(reference_list))


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:x,y"])
def test_payload_url_in_a_reference_with_valid_doi_is_still_inert(url):
    data = {"title": "T", "doi": "10.1000/x", "url": url}
    assert_safe_html(render_reference_list(["k"], {"k": data}, [1]))


def test_reference_title_payload_is_shown_as_text_not_dropped():
    collector = _MarkupCollector()
    text: list[str] = []
    collector.handle_data = text.append
    collector.feed(format_reference({"title": "<script>alert(1)</script>"}))
    assert "".join(text) == "<script>alert(1)</script>."
    assert collector.tags == []


def test_safety_checker_rejects_what_it_should():
    # A checker that cannot fail would make the payload tests worthless.
    for unsafe in (
        "<script>x</script>",
        '<a href=" JavaScript:x">x</a>',
        '<a href="&#x6A;avascript:x">x</a>',
        '<img src="data:image/png;base64,x">',
        '<p onclick="x">x</p>',
        '<p style="x">x</p>',
        "<!-- x -->",
        "<form>x</form>",
    ):
        with pytest.raises(AssertionError):
            assert_safe_html(unsafe)


# --- Properties ---

FRAGMENTS = [
    "<script>",
    "</script>",
    "[@",
    "]",
    "[@a]",
    "[@a; @b]",
    "[@zz]",
    "@",
    ";",
    ":::",
    "::: audience patient",
    "::: audience ",
    "audience",
    "patient",
    "clinician",
    "javascript:",
    "data:",
    "(",
    ")",
    "[x](",
    "![",
    "\n",
    "\r\n",
    "\n\n",
    "    ",
    "`",
    "```",
    "<",
    ">",
    "&#",
    "&#106;",
    "onerror=",
    '"',
    "'",
    "#",
    "|",
    "- ",
    "1. ",
    "> ",
    "*",
    "_",
    "\\",
    "\ue000",
    "\x00",
]
markdownish = st.one_of(
    st.text(max_size=200),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=4)), max_size=40).map("".join),
)


def _line_count(source: str) -> int:
    return source.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1


@settings(max_examples=250, deadline=None)
@given(source=markdownish, audience=st.sampled_from(["patient", "clinician", "other"]))
def test_render_never_raises_and_never_emits_unsafe_markup(source, audience):
    result = render(source, audience=audience, audiences={"patient"}, references=REFERENCES)
    assert_safe_html(result.html)
    assert len(result.cited_keys) == len(set(result.cited_keys)) == len(result.citation_counts)
    assert all(count >= 1 for count in result.citation_counts)
    assert all(1 <= d.line <= _line_count(source) for d in result.diagnostics)


@settings(max_examples=250, deadline=None)
@given(source=markdownish)
def test_check_never_raises_and_reports_lines_inside_the_source(source):
    diagnostics = check(source, audiences={"patient"}, reference_keys=REFERENCES)
    assert all(1 <= d.line <= _line_count(source) for d in diagnostics)
    assert diagnostics == sorted(diagnostics, key=lambda d: d.line)
    assert len(diagnostics) == len(set(diagnostics))


@settings(max_examples=250, deadline=None)
@given(source=markdownish)
def test_render_markdown_never_raises_and_never_emits_unsafe_markup(source):
    assert_safe_html(render_markdown(source))


@settings(max_examples=250, deadline=None)
@given(source=markdownish, audience=st.sampled_from(["patient", "clinician"]))
def test_audience_text_keeps_the_number_of_lines(source, audience):
    assert _line_count(text_for_audience(source, audience)) == _line_count(source)
