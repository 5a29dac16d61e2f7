"""The personalise panel changes the phrasing, remembers the choice, and needs no JavaScript."""

import re

import pytest

from tests.browser.support import ARTICLE, expect

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# From articles/demo/vitamin-d-and-k2-for-osteoporosis.md: the first sentence is only in the
# patient/caregiver block, the second only in the student/clinician one.
PATIENT_SENTENCE = "Bones need calcium to stay strong."
CLINICIAN_SENTENCE = "Cholecalciferol increases intestinal calcium absorption"


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_choosing_clinician_shows_clinician_phrasing_and_is_remembered(
    demo, new_context, javascript
):
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

    # The bare address again: the cookie brings the clinician version back.
    page.goto(demo.url + ARTICLE)
    expect(picker.get_by_role("radio", name="Clinician")).to_be_checked()
    expect(page.get_by_text(CLINICIAN_SENTENCE)).to_be_visible()
    expect(page.get_by_text(PATIENT_SENTENCE)).to_be_hidden()
