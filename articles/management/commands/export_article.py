"""`manage.py export_article SLUG [-o FILE]`: an article's draft as a portable Markdown file.

The format (a front-matter header, then the body) is in docs/article-format.md; importing the
file with `import_article` and exporting again gives the same bytes.
"""

import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from articles.models import Article
from articles.portable import article_data, dump_article


class Command(BaseCommand):
    help = "Write an article's draft as Markdown with a front-matter header (to stdout or -o FILE)."

    def add_arguments(self, parser):
        parser.add_argument("slug", metavar="SLUG", help="the article's slug")
        parser.add_argument(
            "-o", "--output", metavar="FILE", help="write to FILE instead of standard output"
        )

    def handle(self, *args, slug, output, **options):
        try:
            article = Article.objects.filter(slug=slug).first()
            text = dump_article(article_data(article)) if article else None
        except DatabaseError as error:
            reason = " ".join(str(error).split())
            raise CommandError(f"Cannot read the database: {reason}") from error
        if text is None:
            raise CommandError(f"There is no article with the slug {slug!r}.")
        if output:
            write_atomically(Path(output), text)
        else:
            # BaseCommand's stdout adds a newline only when the text lacks one; write raw so
            # the bytes are exactly the export.
            self.stdout.write(text, ending="")


def write_atomically(path, text):
    """Write `text` to `path` through a temporary file, so a failure leaves no half file."""
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError as error:
        raise CommandError(f"Cannot write {path}: {error.strerror or error}.") from error
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
            file.write(text)
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise CommandError(f"Cannot write {path}: {error.strerror or error}.") from error
