"""Take the README's two screenshots of the editor's desk with Playwright and Chromium.

Run against a server holding the demo content (`python manage.py load_demo`), for example:

    python scripts/desk_screenshots.py http://127.0.0.1:8000 --out docs/images

It logs in as the demo editor, opens the demo article's change page at 1366×768, types a
sentence (so the preview and the gutter show the text as typed) and saves two PNGs:
desk-source-and-preview.png, and desk-citing.png with the citation picker open.
"""

import argparse
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TYPED = "\n\nTODO: a sentence for caregivers [@no-such-key]."


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", help="the server's address, e.g. http://127.0.0.1:8000")
    parser.add_argument("--out", default="docs/images", help="where to write the PNGs")
    parser.add_argument("--username", default="editor")
    parser.add_argument("--password", default="vetted-editor")
    options = parser.parse_args(argv)
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.goto(f"{options.base}/admin/login/")
        page.get_by_label("Username").fill(options.username)
        page.get_by_label("Password").fill(options.password)
        page.get_by_role("button", name="Log in").click()
        page.goto(f"{options.base}/admin/articles/article/")
        page.locator("#result_list tbody th a").first.click()
        body = page.locator("#id_body")
        body.click()
        body.press("Control+End")
        body.type(TYPED)
        page.wait_for_selector("#desk-preview-status:has-text('as typed')")
        page.wait_for_selector(".desk-marked-error")
        page.screenshot(path=out / "desk-source-and-preview.png")
        page.locator("#cite-picker summary").click()
        page.locator("#cite-search").fill("vitamin k2 2020")
        page.screenshot(path=out / "desk-citing.png")
        browser.close()
    print(f"Wrote {out / 'desk-source-and-preview.png'} and {out / 'desk-citing.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
