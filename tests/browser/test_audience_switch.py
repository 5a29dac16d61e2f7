"""The personalise panel changes the phrasing, remembers the choice in the browser (not in a
cookie: the address alone decides what a page shows), and needs no JavaScript."""

import re

import pytest

from tests.browser.support import ARTICLE, expect

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# From articles/demo/vitamin-d-and-k2-for-osteoporosis.md: the first sentence is only in the
# patient/caregiver block, the second only in the student/clinician one.
PATIENT_SENTENCE = "Bones need calcium to stay strong."
CLINICIAN_SENTENCE = "Cholecalciferol increases intestinal calcium absorption"


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_choosing_clinician_shows_clinician_phrasing(demo, new_context, javascript):
    page = new_context(java_script_enabled=javascript).new_page()
    page.goto(demo.url + ARTICLE)
    picker = page.get_by_role("group", name="Which best describes you?")
    expect(picker.get_by_role("radio", name="Patient")).to_be_checked()
    expect(page.get_by_text(PATIENT_SENTENCE)).to_be_visible()
    expect(page.get_by_text(CLINICIAN_SENTENCE)).to_be_hidden()

    picker.get_by_role("radio", name="Clinician").check()
    picker.get_by_role("button", name="Show this version").click()

    expect(page).to_have_url(re.compile(r"\?audience=clinician$"))
    expect(page.get_by_text(CLINICIAN_SENTENCE)).to_be_visible()
    expect(page.get_by_text(PATIENT_SENTENCE)).to_be_hidden()

    page.goto(demo.url + ARTICLE)
    if javascript:
        # The choice is remembered in this browser (localStorage): the bare address sends the
        # reader on to the clinician address, and no cookie was needed for it.
        expect(page).to_have_url(re.compile(r"\?audience=clinician$"))
        expect(picker.get_by_role("radio", name="Clinician")).to_be_checked()
        expect(page.get_by_text(CLINICIAN_SENTENCE)).to_be_visible()
        assert page.context.cookies() == []
    else:
        # Without scripts the address alone decides: the bare address is the default version.
        expect(picker.get_by_role("radio", name="Patient")).to_be_checked()
        expect(page.get_by_text(PATIENT_SENTENCE)).to_be_visible()


def test_choosing_the_default_again_is_remembered_too(demo, new_context):
    page = new_context().new_page()
    page.goto(demo.url + ARTICLE + "?audience=clinician")
    picker = page.get_by_role("group", name="Which best describes you?")
    picker.get_by_role("radio", name="Patient").check()
    picker.get_by_role("button", name="Show this version").click()
    expect(page).to_have_url(re.compile(r"\?audience=patient$"))

    page.goto(demo.url + ARTICLE)
    expect(page).to_have_url(demo.url + ARTICLE)  # the default's page is the bare address
    expect(page.get_by_text(PATIENT_SENTENCE)).to_be_visible()
