import os

import pytest
from django.core.cache import cache
from django.db import connection

from tests import factories


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests skip elsewhere; with REQUIRE_POSTGRES=1 (CI) the run stops instead."""
    if connection.vendor == "postgresql":
        return
    marked = [item for item in items if "postgres" in item.keywords]
    if marked and os.environ.get("REQUIRE_POSTGRES") == "1":
        raise pytest.UsageError(
            f"REQUIRE_POSTGRES=1 but DATABASE_URL is not PostgreSQL ({len(marked)} tests need it)."
        )
    for item in marked:
        item.add_marker(
            pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://...")
        )


@pytest.fixture(autouse=True)
def _fast_and_static_free(settings):
    # Hashing passwords slowly is the point in production and pure cost in tests; and tests
    # render templates without running collectstatic first.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Cached pages and rate-limit counters must not leak from one test into the next.
    cache.clear()


@pytest.fixture
def editor(db):
    return factories.EditorFactory(username="ed")


@pytest.fixture
def other_editor(db):
    return factories.EditorFactory(username="ed2")


@pytest.fixture
def board_member(db):
    return factories.BoardMemberFactory(user__username="bea").user


@pytest.fixture
def second_board_member(db):
    return factories.BoardMemberFactory(user__username="bob").user


@pytest.fixture
def audiences(db):
    return factories.standard_audiences()


@pytest.fixture
def approved(article, editor, board_member):
    """The test's `article` (each test module makes its own), submitted and approved."""
    return factories.approve(article, editor=editor, board_member=board_member)
