"""The editor's desk in a real browser: save and submit, the unsaved-changes guard, the live
preview, the citation picker, the reader status, accessibility, and the reader page on a phone."""

import pytest

from reviews.models import ReviewRound
from tests.browser.support import ARTICLE, expect
from tests.browser.test_accessibility import describe
from tests.browser.test_journey import log_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DESK_VIEWPORT = {"width": 1366, "height": 768}
TYPED = "A sentence typed on the desk and never saved before."


def open_desk(page, base):
    page.set_viewport_size(DESK_VIEWPORT)
    log_in(page, base, "editor", "vetted-editor")
    page.goto(f"{base}/admin/articles/article/")
    page.get_by_role("link", name="What is vitamin D3 with K2").first.click()
    expect(page.locator("#desk")).to_be_visible()
    return page.url


def type_at_end(page, text):
    body = page.locator("#id_body")
    body.click()
    body.press("Control+End")
    body.press_sequentially(text)


def demo_round_count():
    return ReviewRound.objects.filter(slug="vitamin-d-and-k2-for-osteoporosis").count()


def test_save_and_submit_sends_the_unsaved_text_to_the_board(demo, page):
    open_desk(page, demo.url)
    rounds_before = demo_round_count()
    type_at_end(page, f"\n\n{TYPED}\n")
    page.locator("#id_submit_note").fill("Added one sentence.")
    page.get_by_role("button", name="Save and submit for review").click()
    expect(page.locator(".messagelist")).to_contain_text("Saved and submitted for review")
    assert demo_round_count() == rounds_before + 1
    newest = ReviewRound.objects.order_by("-pk").first()
    assert TYPED in newest.snapshot["article"]["body"]
    assert newest.note == "Added one sentence."
    expect(page.locator(".reader-status")).to_contain_text("Live with newer changes")


def test_a_refused_submit_keeps_the_typed_text_and_the_note(demo, page):
    open_desk(page, demo.url)
    rounds_before = demo_round_count()
    type_at_end(page, "\n\nA claim with a typo [@Praxis-2025x].\n")
    page.locator("#id_submit_note").fill("Please look at the new claim.")
    page.locator("#id_what_changed").fill("A new claim")
    page.get_by_role("button", name="Save and submit for review").click()
    expect(page.locator(".messagelist")).to_contain_text("Not saved and not submitted")
    expect(page.locator("#id_body")).to_have_value(
        __import__("re").compile(r"A claim with a typo \[@Praxis-2025x\]\.\n?$")
    )
    expect(page.locator("#id_submit_note")).to_have_value("Please look at the new claim.")
    expect(page.locator("#id_what_changed")).to_have_value("A new claim")
    expect(page.locator(".errorlist")).to_contain_text("Praxis-2025x")
    # The gutter marks the line, and the list beside it suggests the key meant.
    expect(page.locator(".desk-marked-error")).to_have_count(1)
    expect(page.locator("#desk-annotation-list")).to_contain_text("Did you mean")
    assert demo_round_count() == rounds_before


def test_leaving_with_unsaved_changes_asks_first(demo, page):
    open_desk(page, demo.url)
    type_at_end(page, " More.")
    expect(page.locator("#desk-dirty")).to_have_text("Unsaved changes")
    dialogs = []

    def dismiss(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.close(run_before_unload=True)
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]


def test_the_preview_follows_typing_for_two_audiences(demo, page):
    open_desk(page, demo.url)
    body = page.locator("#id_body")
    text = body.input_value()
    patient_line = "For patients, typed just now."
    clinician_line = "For clinicians, typed just now."
    body.fill(
        text
        + f"\n\n::: audience patient\n{patient_line}\n:::\n\n"
        + f"::: audience clinician\n{clinician_line}\n:::\n"
    )
    body.press("End")
    body.press_sequentially(" ")
    frame = page.locator("#desk-preview-frame")
    expect(page.locator("#desk-preview-status")).to_have_text("The text as typed (not saved yet).")
    expect(frame).to_contain_text(patient_line)
    expect(frame).not_to_contain_text(clinician_line)
    page.get_by_role("tab", name="Clinician").click()
    expect(frame).to_contain_text(clinician_line)
    expect(frame).not_to_contain_text(patient_line)
    expect(page.get_by_role("tab", name="Clinician")).to_have_attribute("aria-selected", "true")
    # Typing again re-renders for the chosen audience.
    body.press_sequentially(" ")
    type_at_end(page, "\nShared words for every reader.")
    expect(frame).to_contain_text("Shared words for every reader.")
    expect(frame).to_contain_text(clinician_line)


def test_the_picker_finds_by_year_and_title_and_merges_adjacent_citations(demo, page):
    open_desk(page, demo.url)
    body = page.locator("#id_body")
    body.fill("Vitamin K2 helps bones")
    body.press("End")
    page.locator("#cite-picker summary").click()
    page.locator("#cite-search").fill("bone metabolism 2020")
    page.locator("#cite-search").press("Enter")
    expect(body).to_have_value("Vitamin K2 helps bones [@gynendo-2020]")
    page.locator("#cite-picker summary").click()
    page.locator("#cite-search").fill("novel therapy")
    page.get_by_role("button", name="Insert citation").click()
    expect(body).to_have_value("Vitamin K2 helps bones [@gynendo-2020; @jima-2010]")
    # Inserting a key already in the group adds nothing.
    page.locator("#cite-picker summary").click()
    page.locator("#cite-search").fill("gynendo")
    page.locator("#cite-search").press("Enter")
    expect(body).to_have_value("Vitamin K2 helps bones [@gynendo-2020; @jima-2010]")
    expect(page.locator("#desk-dirty")).to_have_text("Unsaved changes")


def test_the_status_reads_live_with_newer_changes_after_an_unsubmitted_save(demo, page):
    open_desk(page, demo.url)
    expect(page.locator(".reader-status")).to_contain_text("Live (round")
    type_at_end(page, " Saved, not submitted.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    expect(page.locator(".reader-status")).to_contain_text("Live with newer changes")
    expect(page.locator(".reader-status")).to_contain_text("saved since and not submitted")
    page.get_by_role("link", name="Compare with live").click()
    expect(page.locator(".diff ins")).to_have_count(1)
    expect(page.locator(".diff ins")).to_contain_text("Saved, not submitted.")
    page.goto(f"{demo.url}/admin/articles/article/?reader_status=live_with_changes")
    expect(page.locator("#result_list")).to_contain_text("What is vitamin D3 with K2")


def test_the_desk_fits_a_1366_by_768_screen(demo, page):
    open_desk(page, demo.url)
    for selector in ["#id_body", "#desk-preview-frame", ".desk-save-submit", "#id_title"]:
        box = page.locator(selector).bounding_box()
        assert box and box["y"] < 768 - 40, (selector, box)
    body = page.locator("#id_body").bounding_box()
    assert body["height"] >= 300
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/articles/article/",
        "CHANGE/change/",
        "CHANGE/compare-live/",
        "CHANGE/history/",
    ],
)
def test_desk_pages_have_no_accessibility_violations(demo, new_context, axe_script, path):
    page = new_context(bypass_csp=True, viewport=DESK_VIEWPORT).new_page()
    change = open_desk(page, demo.url).removesuffix("change/")
    page.goto(path.replace("CHANGE/", change) if "CHANGE" in path else demo.url + path)
    page.add_script_tag(path=axe_script)
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    assert results["passes"], "axe checked nothing"
    if results["violations"]:
        pytest.fail(f"axe found on {path}:\n{describe(results['violations'])}", pytrace=False)


def test_the_admin_says_vetted(demo, page):
    open_desk(page, demo.url)
    expect(page.locator("#site-name")).to_have_text("Vetted")
    assert "Django" not in page.title()


@pytest.mark.parametrize("audience", ["patient", "clinician"])
def test_the_reader_page_does_not_scroll_sideways_on_a_phone(demo, page, audience):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{demo.url}{ARTICLE}?audience={audience}")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide at 390 px"
    sizes = page.evaluate(
        "Array.from(document.querySelectorAll('sup.cite a')).map(a => {"
        " const r = a.getBoundingClientRect(); return [r.width, r.height]; })"
    )
    assert sizes
    assert all(w >= 24 and h >= 24 for w, h in sizes), sizes
