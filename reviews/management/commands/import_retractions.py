"""`manage.py import_retractions FILE`: mark references retracted from the Retraction Watch CSV.

Prints a line per reference a notice names, a line per published article that now needs
re-review (the board is e-mailed once per article: reviews.retractions), then a summary. Exits
non-zero with one line, not a traceback, when the file is missing, unreadable or not the
Retraction Watch CSV; then nothing is written.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from references.retractions import RetractionFileError, parse_retraction_watch
from reviews.retractions import retractions_mark


class Command(BaseCommand):
    help = (
        "Mark the references that the Retraction Watch CSV (as Crossref publishes it) names, "
        "by DOI or PMID, as retracted, with the notice's DOI and date. Nothing is unmarked."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE", help="the Retraction Watch CSV file")
        parser.add_argument(
            "--dry-run", action="store_true", help="report what would be marked; save nothing"
        )

    def handle(self, *args, file, dry_run, **options):
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}.") from error
        try:
            parsed = parse_retraction_watch(data)
        except RetractionFileError as error:
            raise CommandError(f"{path.name}: {error}") from None
        try:
            marked, alerted = retractions_mark(
                notices=parsed.notices, source=path.name, dry_run=dry_run
            )
        except DatabaseError as error:
            reason = " ".join(str(error).split())
            raise CommandError(f"The database refused the change: {reason}.") from error

        if dry_run:
            self.stdout.write("Dry run: nothing was saved; 'marked' counts what would be marked.")
        for item in marked:
            notice = item.notice
            what = "marked retracted" if item.changed else "already marked"
            details = ", ".join(
                part
                for part in (
                    f"notice {notice.notice_doi}" if notice.notice_doi else "",
                    f"on {notice.date.isoformat()}" if notice.date else "",
                    f"matched by {item.matched_by}",
                )
                if part
            )
            self.stdout.write(f"[@{item.key}] {what}: {details}")
        for item in alerted:
            keys = ", ".join(f"[@{citation.key}]" for citation in item.references)
            self.stdout.write(
                f"needs re-review: “{item.title}” (/articles/{item.slug}/) cites {keys}; "
                "the board was e-mailed."
            )
        newly = sum(item.changed for item in marked)
        self.stdout.write(
            f"{path.name}: {len(parsed.notices)} retractions read ({parsed.other_kinds} other "
            f"notices ignored); {newly} references marked retracted, "
            f"{len(marked) - newly} already marked."
        )
