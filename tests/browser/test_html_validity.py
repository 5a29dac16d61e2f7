"""The Nu HTML checker finds no error in the public pages, as the server sends them."""

import json
import subprocess

import pytest

from tests.browser.support import PUBLIC_PAGES

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_public_pages_are_valid_html(demo, page, vnu_command, tmp_path):
    # The raw response body, not page.content(), which is the browser's re-serialised DOM. The
    # checker refuses URLs on 127.0.0.1, so it reads saved files: all pages in one run, as each
    # start of the JVM costs seconds.
    files = {}
    for name, path, status in PUBLIC_PAGES:
        response = page.request.get(demo.url + path, fail_on_status_code=False)
        assert response.status == status, f"{name}: {path} answered {response.status}"
        file = tmp_path / f"{name}.html"
        file.write_text(response.text(), encoding="utf-8")
        files[file.name] = path

    result = subprocess.run(
        [*vnu_command, "--errors-only", "--format", "json", *map(str, tmp_path.glob("*.html"))],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    try:
        messages = json.loads(result.stderr or result.stdout)["messages"]
    except (ValueError, KeyError):
        pytest.fail(f"vnu.jar gave no report (exit {result.returncode}):\n{result.stderr}")
    errors = []
    for message in messages:
        if message["type"] == "info":
            continue
        page_path = files.get(message.get("url", "").rsplit("/", 1)[-1], message.get("url"))
        errors.append(
            f"{page_path} line {message.get('lastLine')}: {message['message']}\n"
            f"    {message.get('extract', '').strip()}"
        )
    if errors:
        pytest.fail("The Nu HTML checker found:\n" + "\n".join(errors), pytrace=False)
    assert result.returncode == 0, result.stderr
