"""Citation numbers jump to their reference, and the reference's back-link jumps back."""

import re

import pytest

from tests.browser.support import ARTICLE, expect

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def target_id(page):
    return page.evaluate("document.querySelector(':target')?.id ?? null")


def test_first_citation_jumps_to_its_reference_and_back(demo, page):
    page.goto(demo.url + ARTICLE)
    citation = page.locator(".article-body sup.cite a").first
    expect(citation).to_have_text("1")
    expect(citation).to_have_attribute("id", "cite-1-1")

    citation.click()

    expect(page).to_have_url(re.compile(r"#ref-1$"))
    reference = page.locator("#ref-1")
    expect(reference).to_be_in_viewport()
    assert target_id(page) == "ref-1"
    expect(page.locator("#cite-1-1")).not_to_be_in_viewport()  # it really scrolled

    back = reference.locator('a[href="#cite-1-1"]')
    expect(back).to_have_text("↩")
    back.click()

    expect(page).to_have_url(re.compile(r"#cite-1-1$"))
    expect(page.locator("#cite-1-1")).to_be_in_viewport()
    assert target_id(page) == "cite-1-1"
