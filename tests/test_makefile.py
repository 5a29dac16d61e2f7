"""`make run`: what the server it starts is configured with (without installing or serving)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent

# Stands in for the virtualenv's python: for each manage.py command `make run` gives, it prints
# the command and the SITE_URL that config.settings reads in that environment.
FAKE_PYTHON = f"""#!{sys.executable}
import sys
sys.path.insert(0, {str(PROJECT_DIR)!r})
import config.settings
print(" ".join(sys.argv[1:]), "->", config.settings.SITE_URL)
"""


@pytest.fixture
def make_run(tmp_path):
    if shutil.which("make") is None:
        pytest.fail("make is not installed; the README's commands need it.")
    fake = tmp_path / "python"
    fake.write_text(FAKE_PYTHON)
    fake.chmod(0o755)
    venv = tmp_path / "venv"

    def make_run(*variables, **environment):
        env = {k: v for k, v in os.environ.items() if k not in {"SITE_URL", "PORT", "DEBUG"}}
        # -o: take the virtualenv as installed, so nothing is installed.
        command = ["make", "-s", "-o", f"{venv}/.stamp-run", "run", f"VENV={venv}", f"PY={fake}"]
        result = subprocess.run(
            [*command, *variables],
            cwd=PROJECT_DIR,
            env=env | environment,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.splitlines()

    return make_run


def test_make_run_on_another_port_links_e_mails_to_that_port(make_run):
    lines = make_run("PORT=9000")

    assert lines == [
        "manage.py migrate --noinput -> http://127.0.0.1:9000",
        "manage.py load_demo -> http://127.0.0.1:9000",
        "manage.py runserver 127.0.0.1:9000 -> http://127.0.0.1:9000",
    ]


def test_make_run_links_to_port_8000_by_default(make_run):
    assert make_run()[-1] == "manage.py runserver 127.0.0.1:8000 -> http://127.0.0.1:8000"


def test_make_run_keeps_a_site_url_that_is_set(make_run):
    from_environment = make_run("PORT=9000", SITE_URL="https://vetted.example.org")
    on_the_command_line = make_run("PORT=9000", "SITE_URL=https://vetted.example.org")

    for lines in (from_environment, on_the_command_line):
        assert lines[-1] == "manage.py runserver 127.0.0.1:9000 -> https://vetted.example.org"
