"""Management commands end bad input with one clear line and a non-zero exit, never a traceback."""

import re

import pytest

from tests.processes import run_manage


@pytest.fixture
def manage(tmp_path):
    """Run manage.py in a fresh process on an empty SQLite file of its own."""

    def run(*args, database_url=f"sqlite:///{tmp_path / 'commands.sqlite3'}"):
        return run_manage(*args, DEBUG="1", DATABASE_URL=database_url)

    return run


def error_lines(result):
    return [line for line in result.stderr.splitlines() if line.strip()]


def test_an_unknown_option_to_load_demo_is_one_clear_line(manage):
    result = manage("load_demo", "--no-such-option")

    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "unrecognized arguments: --no-such-option" in error_lines(result)[-1]


def test_an_unknown_command_is_one_clear_line(manage):
    result = manage("nosuchcommand")

    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert error_lines(result)[0] == "Unknown command: 'nosuchcommand'"


def test_load_demo_on_an_unmigrated_database_says_to_migrate_first(manage):
    result = manage("load_demo")

    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert len(error_lines(result)) == 1
    assert re.fullmatch(
        r"CommandError: The database lacks \d+ migration\(s\): "
        r"run `manage.py migrate` first, then load_demo\.",
        error_lines(result)[0],
    )


def test_load_demo_with_the_database_down_is_one_clear_line(manage):
    # Nothing listens on port 1, so the connection is refused at once.
    result = manage("load_demo", database_url="postgres://vetted@127.0.0.1:1/vetted")

    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert len(error_lines(result)) == 1
    assert error_lines(result)[0].startswith("CommandError: Cannot reach the database:")


def production(*args, tmp_path):
    return run_manage(
        *args,
        DEBUG="0",
        SECRET_KEY="a-long-enough-key-for-this-test-only-not-a-real-secret-0123456789",
        ALLOWED_HOSTS="vetted.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'production.sqlite3'}",
    )


def test_a_production_manage_py_lists_no_seeding_command(tmp_path):
    result = production("help", "--commands", tmp_path=tmp_path)

    assert result.returncode == 0, result.stderr
    commands = result.stdout.split()
    assert "load_demo" in commands  # the list is the real one
    assert "seed_bulk" not in commands


def test_load_demo_refuses_public_passwords_with_debug_off(tmp_path):
    assert production("migrate", "--noinput", tmp_path=tmp_path).returncode == 0

    result = production("load_demo", tmp_path=tmp_path)

    assert result.returncode != 0
    assert error_lines(result) == [
        "CommandError: DEBUG is off: load_demo would create accounts whose passwords are "
        "public. Pass --public-demo-passwords to do it anyway, never on a public site."
    ]
    users = production(
        "shell",
        "--no-imports",
        "-c",
        "from django.contrib.auth.models import User; print(User.objects.count())",
        tmp_path=tmp_path,
    )
    assert users.stdout.strip() == "0"


def test_load_demo_with_debug_off_creates_the_accounts_when_asked_explicitly(tmp_path):
    assert production("migrate", "--noinput", tmp_path=tmp_path).returncode == 0

    result = production("load_demo", "--public-demo-passwords", tmp_path=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "vetted-editor" in result.stdout
