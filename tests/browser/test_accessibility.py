"""axe-core finds no accessibility violation on the public pages."""

import pytest

from articles.models import Disclaimer
from tests import factories
from tests.browser.support import ARTICLE, PUBLIC_PAGES

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def describe(violations):
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        lines += [f"    {node['target']}" for node in violation["nodes"]]
    return "\n".join(lines)


@pytest.mark.parametrize(
    ("path", "status"), [p[1:] for p in PUBLIC_PAGES], ids=[p[0] for p in PUBLIC_PAGES]
)
def test_public_page_has_no_accessibility_violations(demo, new_context, axe_script, path, status):
    # The site's CSP forbids injected scripts, axe's included; only this test's browser ignores it.
    page = new_context(bypass_csp=True).new_page()
    response = page.goto(demo.url + path)
    assert response.status == status
    page.add_script_tag(path=axe_script)
    # Every rule runs; only the passes are not itemised node by node, which saves time.
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    assert results["passes"], "axe checked nothing: is axe.min.js the real axe-core?"
    if results["violations"]:
        pytest.fail(f"axe found on {path}:\n{describe(results['violations'])}", pytrace=False)


def test_an_article_with_several_disclaimers_in_each_place_has_no_violations(
    demo, new_context, axe_script
):
    """Two or more disclaimers together must not read as landmarks of the same name."""
    for placement in (Disclaimer.Placement.TOP, Disclaimer.Placement.BOTTOM):
        for number in (1, 2):
            factories.DisclaimerFactory(
                name=f"{placement} {number}",
                placement=placement,
                body=f"Extra notice number {number}, shown at the {placement}.",
            )
    page = new_context(bypass_csp=True).new_page()
    response = page.goto(demo.url + ARTICLE)
    assert response.status == 200
    assert page.locator(".disclaimer").count() >= 4
    page.add_script_tag(path=axe_script)
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    if results["violations"]:
        pytest.fail(f"axe found:\n{describe(results['violations'])}", pytrace=False)
