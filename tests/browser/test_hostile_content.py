"""Every page showing hostile text, in Chromium: no dialog opens and no payload script runs.

The payloads (tests/security/payloads.py) all try to set `window.__xss` and open an alert;
tests/security/hostile.py publishes them in every typed field through the real workflow.
"""

import pytest

from tests.security.hostile import HostileSite

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CANARY = "() => typeof window.__xss"


def visit_all(page, base_url, paths):
    """Load each path, nudge the page the way a reader would, and report what ran."""
    dialogs, ran = [], []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    for name, path in paths:
        response = page.goto(base_url + path)
        assert response.status < 400, (name, response.status)
        page.mouse.move(5, 5)
        page.mouse.move(200, 300)
        page.keyboard.press("Tab")
        page.wait_for_load_state("load")
        if page.evaluate(CANARY) != "undefined":
            ran.append(name)
    return dialogs, ran


def test_no_public_page_with_hostile_content_runs_a_script(live_server, page):
    site = HostileSite()
    paths = [*site.public_pages(), *[(f"api-{i}", f"/api/articles/hostile-{i}/") for i in (0, 1)]]

    dialogs, ran = visit_all(page, live_server.url, paths)

    assert dialogs == []
    assert ran == []


def test_no_admin_page_with_hostile_content_runs_a_script(live_server, page, context):
    site = HostileSite()
    context.add_cookies(
        [{"name": "sessionid", "value": session_for(site.superuser), "url": live_server.url}]
    )
    paths = [(name, path) for name, path, _ in site.admin_pages()]

    dialogs, ran = visit_all(page, live_server.url, paths)

    assert dialogs == []
    assert ran == []


def session_for(user):
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return store.session_key
