"""No script from content ever runs: the only scripts are our own files and JSON-LD data."""

import re

import pytest
from django.contrib.auth import get_user_model

from reviews import workflow
from tests import factories
from tests.browser.support import ARTICLE, PUBLIC_PAGES, expect

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# An editor's text that tries every way of running a script; the sanitiser and CSP must stop all.
HOSTILE_TITLE = '</script><script>alert("title")</script> Is this safe?'
HOSTILE_BODY = """\
Calcium matters for bone [@praxis-2025a].

<script>alert("script element")</script>

<img src="missing.png" alt="" onerror="alert('onerror')">

<p onclick="alert('onclick')" style="color: red">A paragraph with handlers.</p>

[A link](javascript:alert('link'))

![An image" onerror="alert('markdown image')](missing.png)

<svg onload="alert('svg')"></svg>

<iframe src="javascript:alert('iframe')"></iframe>
"""

SCRIPTS_AND_HANDLERS = """() => ({
  scripts: [...document.scripts].map(s => ({src: s.src, type: s.type})),
  handlers: [...document.querySelectorAll("*")].flatMap(el =>
    [...el.attributes].filter(a => a.name.startsWith("on")).map(a => `${el.tagName} ${a.name}`)),
  scriptUrls: [...document.querySelectorAll("[href], [src], [action]")]
    .map(el => el.getAttribute("href") ?? el.getAttribute("src") ?? el.getAttribute("action"))
    .filter(url => /^\\s*javascript:/i.test(url)),
})"""


class ScriptWatch:
    """Records what a page would show if a script ran, or if CSP had to stop one."""

    def __init__(self, page):
        self.dialogs, self.console_errors, self.page_errors = [], [], []
        page.on("dialog", self.on_dialog)
        page.on("console", self.on_console)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))

    def on_dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def on_console(self, message):
        if message.type == "error":
            self.console_errors.append(message.text)

    def csp_errors(self):
        return [text for text in self.console_errors if "Content Security Policy" in text]


def publish_hostile_article():
    User = get_user_model()
    editor, reviewer = User.objects.get(username="editor"), User.objects.get(username="aexample")
    article = factories.ArticleFactory(
        created_by=editor, slug="hostile", title=HOSTILE_TITLE, body=HOSTILE_BODY
    )
    review_round = workflow.submit(article, by=editor)
    workflow.start_review(review_round, by=reviewer)
    workflow.approve(review_round, by=reviewer)
    return "/articles/hostile/"


def test_article_page_runs_no_script_and_breaks_no_csp_rule(demo, page):
    watch = ScriptWatch(page)
    page.goto(demo.url + ARTICLE)
    page.get_by_role("radio", name="Clinician").check()
    page.get_by_role("button", name="Show this version").click()
    expect(page).to_have_url(re.compile(r"\?audience=clinician$"))
    page.wait_for_load_state("load")

    assert watch.csp_errors() == []
    assert watch.dialogs == []
    assert watch.page_errors == []


def test_script_in_an_approved_article_never_runs(demo, page):
    path = publish_hostile_article()
    watch = ScriptWatch(page)
    response = page.goto(demo.url + path)
    assert response.status == 200
    page.get_by_text("A paragraph with handlers.").click()
    page.get_by_text("A link", exact=True).click()  # its javascript: address was dropped
    page.wait_for_load_state("load")

    assert watch.dialogs == []
    assert watch.page_errors == []
    # The sanitiser removed them, so CSP had nothing left to block.
    assert watch.csp_errors() == []
    found = page.evaluate(SCRIPTS_AND_HANDLERS)
    assert found["handlers"] == []
    assert found["scriptUrls"] == []
    # JSON-LD data, and our own file that remembers the audience (static/js/audience.js).
    assert [(s["type"], s["src"].rpartition("/")[2]) for s in found["scripts"]] == [
        ("application/ld+json", ""),
        ("", "audience.js"),
    ]
    assert page.get_by_role("heading", level=1).inner_text() == HOSTILE_TITLE


def test_public_pages_have_only_own_scripts_and_json_ld(demo, page):
    problems = []
    for name, path, status in PUBLIC_PAGES:
        response = page.goto(demo.url + path)
        assert response.status == status, f"{name}: {path} answered {response.status}"
        found = page.evaluate(SCRIPTS_AND_HANDLERS)
        for script in found["scripts"]:
            own_file = script["src"].startswith(demo.url + "/")
            if not (own_file or (not script["src"] and script["type"] == "application/ld+json")):
                problems.append(f"{name}: script src={script['src']!r} type={script['type']!r}")
        problems += [f"{name}: event handler {handler}" for handler in found["handlers"]]
        problems += [f"{name}: javascript: URL {url}" for url in found["scriptUrls"]]
    assert problems == []
