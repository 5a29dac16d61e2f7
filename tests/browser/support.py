"""What the browser tests share: where the tools are, and which public pages to visit."""

import os
from pathlib import Path

try:
    from playwright.sync_api import expect
except ImportError:  # conftest.py skips the browser tests then, or stops a REQUIRE_BROWSER=1 run
    expect = None

BROWSER_TESTS = Path(__file__).resolve().parent
ROOT = BROWSER_TESTS.parents[1]
CHROMIUM = os.environ.get("VETTED_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps trying to reach hosts it cannot reach.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

ARTICLE = "/articles/vitamin-d-and-k2-for-osteoporosis/"
# The public pages every browser check visits: (name, path, expected status).
PUBLIC_PAGES = [
    ("home", "/", 200),
    ("article", ARTICLE, 200),
    ("article-clinician", f"{ARTICLE}?audience=clinician", 200),
    ("search", "/search/?q=calcium", 200),
    ("advisory-board", "/advisory-board/", 200),
    ("editorial-policy", "/editorial-policy/", 200),
    ("not-found", "/no-such-page/", 404),
]
