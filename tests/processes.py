"""Running the project in a fresh Python process, as an operator or a server would."""

import os
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
# Variables that configure Vetted: none leaks from the test run into the child process.
SETTINGS_VARIABLES = ("DJANGO_", "SECURE_", "DEBUG", "SECRET_KEY", "DATABASE_URL")


def run_python(*args, timeout=120, **settings):
    """`python *args` in the project directory, configured by `settings` alone."""
    env = {
        name: value for name, value in os.environ.items() if not name.startswith(SETTINGS_VARIABLES)
    }
    env |= settings
    return subprocess.run(
        [sys.executable, *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_manage(*args, **settings):
    """manage.py with `args` in a fresh process, configured by `settings` alone."""
    return run_python("manage.py", *args, **settings)
