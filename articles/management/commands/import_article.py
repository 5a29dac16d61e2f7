"""`manage.py import_article FILE --user USERNAME`: create or update a draft from a portable
Markdown file (see docs/article-format.md), as one new revision saved by that editor.

Bad input ends with one line and a non-zero exit, and writes nothing.
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from articles.portable import ImportRefused, PortableFormatError, article_import, parse_article

# Who counts as an editor: someone who may change articles or submit them for review.
EDITOR_PERMISSIONS = ("articles.change_article", "reviews.submit_round")


class Command(BaseCommand):
    help = (
        "Create or update an article's draft from a Markdown file with a front-matter header "
        "(as written by export_article), saved as a new revision by --user."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE", help="the Markdown file to import")
        parser.add_argument(
            "--user", required=True, metavar="USERNAME", help="the editor the revision is saved by"
        )
        parser.add_argument(
            "--new",
            action="store_true",
            help="only create: refuse when an article with the file's slug already exists",
        )

    def handle(self, *args, file, user, new, **options):
        path = Path(file)
        data = self.read(path)
        try:
            editor = self.find_editor(user)
            article, outcome = article_import(
                data=data, by=editor, comment=f"Imported from {path.name}", create_only=new
            )
        except ImportRefused as error:
            raise CommandError(f"{path}: {error}. Nothing was imported.") from None
        except DatabaseError as error:
            reason = " ".join(str(error).split())
            raise CommandError(
                f"The database is not ready: {reason}. Is it running and migrated?"
            ) from error
        if outcome == "unchanged":
            self.stdout.write(f"{article.slug}: the draft already matches {path}; no new revision.")
        else:
            self.stdout.write(f"{article.slug}: {outcome} from {path} as a revision by {user}.")

    def read(self, path):
        try:
            with path.open(encoding="utf-8", newline="") as handle:
                text = handle.read()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}.") from None
        except UnicodeDecodeError as error:
            raise CommandError(
                f"{path} is not UTF-8 text (byte {error.start}): save it as UTF-8."
            ) from None
        try:
            return parse_article(text)
        except PortableFormatError as error:
            raise CommandError(f"{path}: {error}. Nothing was imported.") from None

    def find_editor(self, username):
        User = get_user_model()
        try:
            user = User.objects.get(**{User.USERNAME_FIELD: username})
        except User.DoesNotExist:
            raise CommandError(f"There is no user {username!r}.") from None
        if not user.is_active or not any(user.has_perm(perm) for perm in EDITOR_PERMISSIONS):
            raise CommandError(
                f"{username!r} is not an editor: only users who may change articles or "
                "submit them for review can import one."
            )
        return user
