"""The whole editorial journey in a real browser, through the admin and the public page.

An editor writes an article (a first submit is refused for an unknown citation), a board
member requests changes, the editor fixes and resubmits, a second board member approves, and
a reader sees exactly the approved text — still, after the editor edits the draft again.
"""

import re

import pytest

from tests.browser.support import expect

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SLUG = "does-vitamin-d-prevent-falls"
SHARED = "Vitamin D at 800 IU a day lowers the risk of falling"
PATIENT = "Ask your doctor whether a daily vitamin D tablet suits you."
CLINICIAN = "Consider 800 IU cholecalciferol daily in adults aged 65 and over."
UNREVIEWED = "This sentence was written after the approval."


def log_in(page, base, username, password):
    page.context.clear_cookies()
    page.goto(f"{base}/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(
        page.get_by_role("link", name="Log out").or_(page.get_by_role("button", name="Log out"))
    ).to_be_visible()


def body_text(keys):
    cite = "; ".join(f"@{key}" for key in keys)
    return (
        f"{SHARED} [{cite}].\n\n"
        f"::: audience patient caregiver\n{PATIENT}\n:::\n\n"
        f"::: audience student clinician\n{CLINICIAN}\n:::\n"
    )


def save_article(page, body):
    page.locator("#id_body").fill(body)
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")


def press(page, button, note=None):
    if button == "submit":
        # "Save and submit for review" is part of the change form, with its note field.
        if note is not None:
            page.locator("#id_submit_note").fill(note)
        page.get_by_role("button", name="Save and submit for review").click()
        return
    if note is not None:
        page.locator(f"form:has(button.workflow-{button}) textarea").fill(note)
    confirm = page.locator(f"form:has(button.workflow-{button}) input[name=confirm]")
    if confirm.count():
        confirm.check()  # the article and round pages ask before approving
    page.locator(f"button.workflow-{button}").click()


def test_editor_board_and_reader_journey(demo, page):
    base = demo.url

    # The editor writes a new article citing one real key and one unknown key.
    log_in(page, base, "editor", "vetted-editor")
    page.goto(f"{base}/admin/articles/article/add/")
    page.locator("#id_title").fill("Does vitamin D prevent falls in older adults?")
    page.locator("#id_summary").fill("It lowers the risk of falling a little, at the right dose.")
    # Filled after the title has lost focus, so the admin's slug-from-title script leaves it be.
    page.locator("#id_slug").fill(SLUG)
    expect(page.locator("#id_slug")).to_have_value(SLUG)
    page.locator("#id_body").fill(body_text(["praxis-2025a", "no-such-study"]))
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    change_url = page.url

    # Submitting is refused while a citation is unknown, naming the key.
    press(page, "submit", note="First version.")
    expect(page.locator(".messagelist")).to_contain_text("no-such-study")
    page.goto(f"{base}/articles/{SLUG}/")
    expect(page.get_by_role("heading", level=1)).not_to_have_text(re.compile("vitamin D prevent"))

    # Fixed: the second reference is real; the submission goes through.
    page.goto(change_url)
    save_article(page, body_text(["praxis-2025a", "praxis-2025b"]))
    press(page, "submit", note="First version.")
    expect(page.locator(".messagelist")).to_contain_text("Saved and submitted for review")

    # The first board member starts the review and requests changes.
    log_in(page, base, "aexample", "vetted-board")
    page.goto(f"{base}/admin/reviews/reviewround/")
    page.get_by_role("link", name=re.compile("Does vitamin D prevent falls")).first.click()
    press(page, "start_review")
    expect(page.locator(".messagelist")).to_contain_text("is now under review")
    press(page, "request_changes", note="Say which adults the dose is for.")
    expect(page.locator(".messagelist")).to_contain_text("Changes are now requested on round")

    # The editor fixes the text and submits again.
    log_in(page, base, "editor", "vetted-editor")
    page.goto(change_url)
    expect(page.locator(".review-panel")).to_contain_text("Say which adults the dose is for.")
    page.locator("#id_summary").fill("In adults aged 65 and over it lowers the risk of falling.")
    save_article(page, body_text(["praxis-2025a", "praxis-2025b"]))
    press(page, "submit", note="Named the age group.")
    expect(page.locator(".messagelist")).to_contain_text("Saved and submitted for review")

    # The second board member reviews and approves.
    log_in(page, base, "rsample", "vetted-board")
    page.goto(f"{base}/admin/reviews/reviewround/")
    page.get_by_role("link", name=re.compile("Does vitamin D prevent falls")).first.click()
    press(page, "start_review")
    press(page, "approve", note="Doses match the guideline.")
    expect(page.locator(".messagelist")).to_contain_text("is now approved")

    # An anonymous reader sees the approved text, the reviewer and the references.
    page.context.clear_cookies()
    page.goto(f"{base}/articles/{SLUG}/")
    expect(page.get_by_text(PATIENT)).to_be_visible()
    expect(page.locator(".trust-bar")).to_contain_text("Dr Rowan Samplesby")
    expect(page.locator("ol.references li")).to_have_count(2)
    picker = page.get_by_role("group", name="Which best describes you?")
    picker.get_by_role("radio", name="Clinician").check()
    picker.get_by_role("button", name="Show this version").click()
    expect(page.get_by_text(CLINICIAN)).to_be_visible()
    expect(page.get_by_text(PATIENT)).to_be_hidden()

    # The editor edits the draft again; the reader still sees the approved text.
    log_in(page, base, "editor", "vetted-editor")
    page.goto(change_url)
    save_article(page, body_text(["praxis-2025a", "praxis-2025b"]) + f"\n{UNREVIEWED}\n")
    page.context.clear_cookies()
    page.goto(f"{base}/articles/{SLUG}/")
    expect(page.get_by_text(SHARED)).to_be_visible()
    expect(page.get_by_text(UNREVIEWED)).to_have_count(0)
