"""A backup restored is the site as it was: every article, review round, review event and revision.

Two round trips, the two that docs/operations.md tells operators to use:
- any database: `dumpdata --natural-foreign` → `flush` → `loaddata`;
- PostgreSQL: `pg_dump -Fc` of the test database → `pg_restore` into a database made for it,
  then every table compared row for row with the original.

Not `--natural-primary`: it drops users' primary keys, so a restore renumbers them, while
django-reversion's stored versions still name users by their old keys (see test_natural_primary_…).
"""

import datetime
import json
import os
import shutil
import subprocess
from io import StringIO
from pathlib import Path

import pytest
import reversion
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from reversion.models import Revision, Version

from articles.models import Article
from reviews import workflow
from reviews.models import ReviewEvent, ReviewRound, State
from reviews.snapshots import snapshot_digest

DEMO_SLUG = "vitamin-d-and-k2-for-osteoporosis"


@pytest.fixture(autouse=True)
def _fresh_content_type_cache():
    # `flush` recreates content types under new keys, and the test teardown restores the old
    # ones; ContentType's process-wide cache must not carry either into the next test.
    ContentType.objects.clear_cache()
    yield
    ContentType.objects.clear_cache()


def build_site():
    """The demo (one approved round), then a second round the board sent back for changes.

    A user deleted first leaves a gap in the users' keys, as real sites have.
    """
    users = get_user_model().objects
    users.create(username="left-early")
    call_command("load_demo", public_demo_passwords=True, stdout=StringIO())
    users.filter(username="left-early").delete()
    editor, reviewer = users.get(username="editor"), users.get(username="rsample")
    article = Article.objects.get(slug=DEMO_SLUG)
    with reversion.create_revision():
        reversion.set_user(editor)
        reversion.set_comment("Added a sentence on sunlight.")
        article.body += "\n\nSunlight on the skin also makes vitamin D.\n"
        article.save()
    second = workflow.submit(article, by=editor, note="Sunlight.")
    workflow.start_review(second, by=reviewer)
    workflow.request_changes(second, by=reviewer, note="Cite a source for the sunlight claim.")


def site_state():
    """Everything a restore must bring back, in a form that compares across databases.

    Rows are compared whole, with their primary keys: a revision's serialized data and a round's
    snapshot refer to other rows by key, so keys that moved would silently change history.
    Content types are compared by name, since `flush` recreates them with new keys.
    """
    return {
        "users": list(get_user_model().objects.order_by("pk").values("pk", "username")),
        "articles": list(Article.objects.order_by("pk").values()),
        "rounds": list(ReviewRound.objects.order_by("pk").values()),
        "events": list(ReviewEvent.objects.order_by("pk").values()),
        "event_order": list(ReviewEvent.objects.values_list("pk", flat=True)),
        "revisions": list(Revision.objects.order_by("pk").values()),
        "versions": list(
            Version.objects.order_by("pk").values(
                "pk",
                "revision_id",
                "object_id",
                "content_type__app_label",
                "content_type__model",
                "db",
                "format",
                "serialized_data",
                "object_repr",
            )
        ),
    }


def assert_site_is_whole(state):
    assert len(state["articles"]) == 1
    assert [r["state"] for r in state["rounds"]] == [State.APPROVED, State.CHANGES_REQUESTED]
    assert len(state["events"]) == 6  # submit, start, approve; submit, start, request changes
    assert len(state["revisions"]) >= 4
    assert len(state["versions"]) >= len(state["revisions"])
    for review_round in ReviewRound.objects.all():
        assert snapshot_digest(review_round.snapshot) == review_round.snapshot_sha256


def version_author(state):
    """The username that the first stored version of the article names as its creator."""
    version = next(v for v in state["versions"] if v["content_type__model"] == "article")
    [row] = json.loads(version["serialized_data"])
    usernames = {user["pk"]: user["username"] for user in state["users"]}
    return usernames.get(row["fields"]["created_by"])


def to_milliseconds(value):
    """`value` with every datetime cut to the millisecond, as Django's JSON dumps keep them."""
    if isinstance(value, datetime.datetime):
        return value.replace(microsecond=value.microsecond // 1000 * 1000)
    if isinstance(value, dict):
        return {key: to_milliseconds(item) for key, item in value.items()}
    if isinstance(value, list):
        return [to_milliseconds(item) for item in value]
    return value


def dump_flush_load(backup, *flags):
    call_command(
        "dumpdata",
        *flags,
        "--exclude=contenttypes",
        "--exclude=auth.permission",
        f"--output={backup}",
        verbosity=0,
    )
    call_command("flush", "--noinput", verbosity=0)
    assert not Article.objects.exists()
    assert not ReviewEvent.objects.exists()
    # loaddata saves with Model.save_base(raw=True), past ReviewEvent.save()'s append-only guard.
    call_command("loaddata", str(backup), verbosity=0)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_dumpdata_flush_loaddata_brings_back_every_article_round_event_and_revision(tmp_path):
    build_site()
    before = site_state()
    assert_site_is_whole(before)

    dump_flush_load(tmp_path / "vetted.json", "--natural-foreign")

    after = site_state()
    # Every row and key comes back; timestamps to the millisecond (DjangoJSONEncoder's format).
    assert to_milliseconds(after) == to_milliseconds(before)
    assert after["event_order"] == before["event_order"]
    assert_site_is_whole(after)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_review_events_stay_append_only_after_a_restore(tmp_path):
    build_site()
    dump_flush_load(tmp_path / "vetted.json", "--natural-foreign")

    event = ReviewEvent.objects.first()
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_natural_primary_keys_would_renumber_users_that_stored_revisions_name_by_key(tmp_path):
    # Why docs/operations.md says not to add --natural-primary for this site.
    build_site()
    before = site_state()

    dump_flush_load(tmp_path / "vetted.json", "--natural-foreign", "--natural-primary")

    after = site_state()
    assert [u["username"] for u in after["users"]] == [u["username"] for u in before["users"]]
    # The versions' serialized data is restored unchanged, `created_by` a raw key in it...
    assert after["versions"] == before["versions"]
    # ...but that key now belongs to somebody else: history would name the wrong author.
    assert version_author(before) == "editor"
    assert version_author(after) != "editor"


def postgres_tool(name):
    """A PostgreSQL client program: the newest server version's, else the one on PATH."""
    versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: p.parts)
    found = str(versions[-1]) if versions else shutil.which(name)
    if found is None:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"REQUIRE_POSTGRES=1 but {name} is not installed.")
        pytest.skip(f"{name} is not installed (apt-get install postgresql-client).")
    return found


def table_digests(conninfo):
    """{table: (row count, md5 of its rows)} and {sequence: last value} for one database."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(conninfo) as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1"
        )
        tables = [name for (name,) in cursor.fetchall()]
        digests = {}
        for table in tables:
            cursor.execute(
                sql.SQL(
                    "SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text),"
                    " '')) FROM {} AS t"
                ).format(sql.Identifier(table))
            )
            digests[table] = cursor.fetchone()
        cursor.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
        )
        sequences = dict(cursor.fetchall())
        cursor.execute("SELECT snapshot, snapshot_sha256 FROM reviews_reviewround ORDER BY id")
        snapshots = cursor.fetchall()
    return digests, sequences, snapshots


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_pg_dump_restored_into_a_new_database_has_every_row_of_the_original(tmp_path):
    import psycopg
    from psycopg import sql

    pg_dump, pg_restore = postgres_tool("pg_dump"), postgres_tool("pg_restore")
    build_site()
    assert_site_is_whole(site_state())

    settings = connection.settings_dict
    params = {
        "host": settings["HOST"] or "127.0.0.1",
        "port": str(settings["PORT"] or 5432),
        "user": settings["USER"] or "postgres",
        "password": settings["PASSWORD"] or "",
    }
    source, restored = settings["NAME"], f"{settings['NAME']}_restore_{os.getpid()}"

    def conninfo(dbname):
        return psycopg.conninfo.make_conninfo(dbname=dbname, **params)

    env = {**os.environ, "PGPASSWORD": params["password"]}
    backup = tmp_path / "vetted.dump"
    admin = psycopg.connect(conninfo("postgres"), autocommit=True)
    try:
        subprocess.run(
            [pg_dump, "-Fc", "--no-owner", "-f", str(backup), "-d", conninfo(source)],
            env=env,
            check=True,
            timeout=120,
        )
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(restored)))
        subprocess.run(
            [pg_restore, "--no-owner", "--exit-on-error", "-d", conninfo(restored), str(backup)],
            env=env,
            check=True,
            timeout=120,
        )

        original, copy = table_digests(conninfo(source)), table_digests(conninfo(restored))
    finally:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(restored))
        )
        admin.close()

    tables, sequences, snapshots = copy
    assert copy == original
    for table in (
        "articles_article",
        "reviews_reviewround",
        "reviews_reviewevent",
        "reversion_revision",
        "reversion_version",
    ):
        assert tables[table][0] > 0, table
    assert tables["reviews_reviewevent"][0] == 6
    assert sequences  # the next id after a restore continues from the original's
    for snapshot, digest in snapshots:
        assert snapshot_digest(snapshot) == digest
