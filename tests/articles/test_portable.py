"""Portable articles: the front-matter format, `export_article` and `import_article`."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from reversion.models import Version

from articles.models import Article
from articles.portable import PortableFormatError, dump_article, parse_article
from tests import factories

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEMO_SLUG = "vitamin-d-and-k2-for-osteoporosis"

TRICKY = {
    "slug": "tricky",
    "title": 'A "quoted" title: with a colon?',
    "summary": "  Leading spaces, a tab\there, and unicode — µg, \u2028 and ✓.",
    "evidence_note": "Line one.\n\n---\nkey: not a header\n  indented\n",
    "topics": ["bone-health"],
    "allow_pending_publication": True,
    "review_interval_months": 6,
    "body": "\n\n---\nCalcium [@a; @b].\n\n::: audience patient\nAsk.\n:::\n\n\n",
}


def export(slug):
    out = StringIO()
    call_command("export_article", slug, stdout=out)
    return out.getvalue()


def import_file(path, username="ed", *args):
    out = StringIO()
    call_command("import_article", str(path), "--user", username, *args, stdout=out)
    return out.getvalue()


def revisions_of(article):
    return Version.objects.get_for_object(article).select_related("revision__user")


# The format, without a database.


def test_dump_then_parse_gives_back_the_same_data_however_tricky_the_text():
    assert parse_article(dump_article(TRICKY)) == TRICKY


def test_parse_then_dump_gives_back_the_same_bytes():
    text = dump_article(TRICKY)

    assert dump_article(parse_article(text)) == text


def test_the_header_is_one_json_value_per_line_and_the_body_follows_verbatim():
    text = dump_article({"slug": "s", "title": "T?", "body": "Body.\n"})

    assert text == '---\nslug: "s"\ntitle: "T?"\n---\nBody.\n'


def test_an_empty_body_and_a_body_without_a_final_newline_survive():
    for body in ["", "No newline at the end"]:
        data = {"slug": "s", "title": "T", "body": body}
        assert parse_article(dump_article(data)) == data


@pytest.mark.parametrize(
    "text, line, fragment",
    [
        ("slug: 's'\n", 1, "must start with a '---' line"),
        ('---\nslug: "s"\ntitle: "T"\n', 4, "not closed"),
        ('---\nslug: "s"\ntitle: Unquoted\n---\n', 3, "not valid JSON"),
        ('---\nslug: "s"\ntitle: "T"\ncolour: "red"\n---\n', 4, "unknown key 'colour'"),
        ('---\nslug: "s"\nslug: "t"\ntitle: "T"\n---\n', 3, "given twice"),
        ('---\nslug: "s"\ntitle: "T"\ntopics: "bones"\n---\n', 4, "list of topic slugs"),
        ('---\nslug: "s"\ntitle: "T"\nreview_interval_months: true\n---\n', 4, "a number"),
        ('---\nslug: "s"\ntitle: "T"\nallow_pending_publication: 1\n---\n', 4, "true or false"),
        ('---\nslug: "s"\njust words\n---\n', 3, "expected 'key: value'"),
        ('---\nslug: "s"\n---\n', 3, "lacks title"),
    ],
)
def test_a_bad_header_is_refused_naming_the_line(text, line, fragment):
    with pytest.raises(PortableFormatError) as caught:
        parse_article(text)

    assert caught.value.line == line
    assert fragment in str(caught.value)


# The commands.


@pytest.mark.django_db
def test_the_demo_article_round_trips_byte_for_byte(tmp_path):
    call_command("load_demo", public_demo_passwords=True, stdout=StringIO())
    exported = tmp_path / "demo.md"
    call_command("export_article", DEMO_SLUG, "-o", str(exported))
    original = exported.read_bytes()
    article = Article.objects.get(slug=DEMO_SLUG)
    # Import it as a new article too, so the round trip runs through a real save.
    copy = tmp_path / "copy.md"
    copy.write_bytes(original.replace(DEMO_SLUG.encode(), b"demo-copy", 1))

    import_file(exported, "editor")
    import_file(copy, "editor")

    assert export(DEMO_SLUG).encode() == original
    assert export("demo-copy").encode() == copy.read_bytes()
    assert Article.objects.get(slug="demo-copy").body == article.body


@pytest.mark.django_db
def test_a_tricky_article_round_trips_byte_for_byte(tmp_path, editor):
    factories.TopicFactory(slug="bone-health")
    path = tmp_path / "tricky.md"
    path.write_text(dump_article(TRICKY), encoding="utf-8", newline="")

    import_file(path)

    assert export("tricky") == dump_article(TRICKY)


@pytest.mark.django_db
def test_a_file_with_windows_or_old_mac_line_ends_is_stored_with_lf(tmp_path, editor):
    """Saved by Notepad (CRLF) or an old Mac tool (CR): the draft holds LF line ends like a
    draft saved in the admin, so the comparison with what readers see shows no phantom
    changes."""
    factories.TopicFactory(slug="bone-health")
    lf = dump_article(TRICKY)
    path = tmp_path / "windows.md"
    path.write_bytes(lf.replace("\n", "\r\n").encode())
    import_file(path)
    article = Article.objects.get(slug="tricky")
    assert "\r" not in article.body + article.evidence_note + article.summary
    assert export("tricky") == lf
    # The same text with other line ends is the same draft: nothing new to save.
    assert "no new revision" in import_file(path)

    old_mac = tmp_path / "old-mac.md"
    edited = lf.replace("Calcium [@a; @b].", "Calcium and vitamin D [@a; @b].")
    old_mac.write_bytes(edited.replace("\n", "\r").encode())
    import_file(old_mac)
    assert export("tricky") == edited


@pytest.mark.django_db
def test_importing_a_new_slug_creates_a_draft_saved_by_the_editor(tmp_path, editor):
    factories.TopicFactory(slug="bone-health")
    path = tmp_path / "new.md"
    path.write_text(dump_article(TRICKY), encoding="utf-8")

    output = import_file(path)

    article = Article.objects.get(slug="tricky")
    assert "created" in output
    assert article.created_by == editor
    assert [topic.slug for topic in article.topics.all()] == ["bone-health"]
    assert not article.review_rounds.exists()
    [version] = revisions_of(article)
    assert version.revision.user == editor
    assert version.revision.get_comment() == "Imported from new.md"


@pytest.mark.django_db
def test_importing_an_existing_slug_saves_a_new_revision_by_that_editor(
    tmp_path, editor, other_editor
):
    article = factories.ArticleFactory(slug="bones", created_by=editor)
    path = tmp_path / "bones.md"
    text = export("bones").replace("Calcium matters for bone.", "Calcium and vitamin D matter.")
    path.write_text(text, encoding="utf-8")

    import_file(path, "ed2")

    article.refresh_from_db()
    assert article.body == "Calcium and vitamin D matter.\n"
    assert article.created_by == editor
    # An editor who opened the change form before the import gets a conflict, not an overwrite.
    assert article.edit_version == 2
    newest, _created = revisions_of(article)
    assert newest.revision.user == other_editor
    assert newest.revision.get_comment() == "Imported from bones.md"
    assert newest.field_dict["body"] == "Calcium and vitamin D matter.\n"


@pytest.mark.django_db
def test_importing_an_unchanged_file_adds_no_revision(tmp_path, editor):
    article = factories.ArticleFactory(slug="bones", created_by=editor)
    path = tmp_path / "bones.md"
    path.write_text(export("bones"), encoding="utf-8")

    output = import_file(path)

    assert "no new revision" in output
    assert revisions_of(article).count() == 1


@pytest.mark.django_db
def test_header_keys_a_file_leaves_out_keep_their_values_on_update(tmp_path, editor):
    article = factories.ArticleFactory(slug="bones", created_by=editor, review_interval_months=6)
    path = tmp_path / "bones.md"
    path.write_text('---\nslug: "bones"\ntitle: "New title?"\n---\nNew body.\n')

    import_file(path)

    article.refresh_from_db()
    assert (article.title, article.body) == ("New title?", "New body.\n")
    assert (article.summary, article.review_interval_months) == (
        "Usually yes, for most adults, with some caveats.",
        6,
    )


def write(tmp_path, **changes):
    path = tmp_path / "article.md"
    path.write_text(dump_article({**TRICKY, "topics": [], **changes}), encoding="utf-8")
    return path


@pytest.mark.django_db
@pytest.mark.parametrize(
    "changes, message",
    [
        ({"topics": ["no-such-topic"]}, "unknown topic 'no-such-topic'"),
        ({"slug": "not a slug"}, "slug: Enter a valid"),
        ({"title": ""}, "title: This field cannot be blank"),
        ({"summary": ""}, "summary: This field cannot be blank"),
        ({"title": "x" * 301}, "title: Ensure this value has at most 300 characters"),
        ({"review_interval_months": 0}, "review_interval_months must be 1 to 60, not 0"),
        ({"body": "nul\x00"}, "body: contains a NUL character"),
    ],
)
def test_an_invalid_field_is_refused_and_nothing_is_written(tmp_path, editor, changes, message):
    path = write(tmp_path, **changes)

    with pytest.raises(CommandError, match="Nothing was imported") as caught:
        import_file(path)

    assert message in str(caught.value)
    assert not Article.objects.exists()
    assert not Version.objects.exists()


@pytest.mark.django_db
def test_new_refuses_a_slug_that_already_exists(tmp_path, editor):
    factories.ArticleFactory(slug="tricky", created_by=editor, title="Kept?")

    with pytest.raises(CommandError, match="'tricky' already exists"):
        import_file(write(tmp_path), "ed", "--new")

    assert Article.objects.get(slug="tricky").title == "Kept?"


@pytest.mark.django_db
def test_an_unknown_user_is_refused(tmp_path):
    with pytest.raises(CommandError, match="There is no user 'nobody'"):
        import_file(write(tmp_path), "nobody")


@pytest.mark.django_db
def test_a_board_member_who_is_not_an_editor_is_refused(tmp_path, board_member):
    with pytest.raises(CommandError, match="'bea' is not an editor"):
        import_file(write(tmp_path), "bea")

    assert not Article.objects.exists()


@pytest.mark.django_db
def test_a_missing_file_and_a_non_utf8_file_are_refused(tmp_path, editor):
    with pytest.raises(CommandError, match=r"Cannot read .*missing\.md"):
        import_file(tmp_path / "missing.md")
    latin1 = tmp_path / "latin1.md"
    latin1.write_bytes('---\nslug: "s"\ntitle: "Caf\xe9?"\n---\n'.encode("latin-1"))
    with pytest.raises(CommandError, match="not UTF-8"):
        import_file(latin1)


@pytest.mark.django_db
def test_exporting_an_unknown_slug_is_refused_and_writes_no_file(tmp_path):
    target = tmp_path / "out.md"

    with pytest.raises(CommandError, match="no article with the slug 'nope'"):
        call_command("export_article", "nope", "-o", str(target))

    assert not target.exists()


def test_a_bad_file_ends_the_command_with_one_line_and_no_traceback(tmp_path):
    path = tmp_path / "bad.md"
    path.write_text('---\nslug: "s"\ntitle: unquoted\n---\n')
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"SECRET_KEY", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env |= {"DEBUG": "1", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}

    result = subprocess.run(
        [sys.executable, "manage.py", "import_article", str(path), "--user", "ed"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "bad.md: line 3: the value of 'title' is not valid JSON" in lines[0]
