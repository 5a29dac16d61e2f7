"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

They need the playwright package (requirements-dev.txt) and Chromium at $VETTED_CHROMIUM
(default /usr/bin/chromium; `apt-get install chromium`). Without either they skip and say
why, except under REQUIRE_BROWSER=1 (CI), where the run stops at collection instead: CI must
never pass by skipping them. Playwright cannot download a browser of its own here.
"""

import io
import os
import shutil

# Sync Playwright runs an event loop in the test thread; Django would then refuse the ORM there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connections

from tests.browser.support import AXE_SCRIPT, BROWSER_TESTS, CHROMIUM, CHROMIUM_ARGS, VNU_JAR


def browser_required():
    return os.environ.get("REQUIRE_BROWSER") == "1"


def missing_browser():
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -r requirements-dev.txt)"
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium, or set VETTED_CHROMIUM)"
    return None


def pytest_collection_modifyitems(config, items):
    ours = [item for item in items if BROWSER_TESTS in item.path.parents]
    for item in ours:
        item.add_marker(pytest.mark.browser)
    reason = missing_browser()
    if not ours or reason is None:
        return
    if browser_required():
        raise pytest.UsageError(
            f"REQUIRE_BROWSER=1 but {reason}: {len(ours)} browser tests cannot run."
        )
    for item in ours:
        item.add_marker(pytest.mark.skip(reason=f"browser tests skipped: {reason}"))


def tool_missing(reason):
    """Skip the test for want of a tool, or fail it under REQUIRE_BROWSER=1."""
    if browser_required():
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session", autouse=True)
def _django_keeps_its_connections_under_playwright(request, django_db_setup):
    """Start Playwright only after the test databases, and keep Django on the same connections.

    Between calls, sync Playwright marks its event loop as running in this thread. From then on
    Django's connection handler (an asgiref Local) reads a separate, empty storage for "async"
    code: every later test, browser or not, would get fresh connections, without the copy of
    the database that serialized_rollback restores, and with a second connection held open to
    the test database. So the connections the databases were set up with go into that storage.
    """
    originals = {alias: connections[alias] for alias in connections}
    request.getfixturevalue("playwright")
    for alias, connection in originals.items():
        connections[alias] = connection


@pytest.fixture(scope="session")
def base_url():
    # The tests address the live server by its own URL. Defining base_url here also replaces
    # pytest-playwright's fallback fixture, which pytest 9 warns about.
    return None


@pytest.fixture(autouse=True)
def _fresh_page_cache():
    # The article page is cached across requests (and across tests: the live server shares
    # this process's cache), so each test starts and ends with an empty one.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def demo(live_server):
    """The live server with the demo content loaded, approved through the real workflow."""
    call_command("load_demo", public_demo_passwords=True, stdout=io.StringIO())
    return live_server


@pytest.fixture
def axe_script():
    if not AXE_SCRIPT.is_file():
        tool_missing(f"axe-core is not installed at {AXE_SCRIPT} (run `npm ci`)")
    return AXE_SCRIPT


@pytest.fixture
def vnu_command():
    java = shutil.which("java")
    if java is None:
        tool_missing("java is not installed (apt-get install default-jre-headless)")
    if not VNU_JAR.is_file():
        tool_missing(f"the Nu HTML checker is not installed at {VNU_JAR} (run `npm ci`)")
    return [java, "-jar", str(VNU_JAR)]
