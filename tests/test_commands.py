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
