"""`manage.py import_references FILE...`: RIS, BibTeX, CSL-JSON and PubMed XML into the library.

Prints the report (counts per file, one line per conflicting or rejected record). Exits non-zero
with one line, not a traceback, when a file is missing, unreadable or failed to import.
"""

import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from references.importers.importing import import_references


class Command(BaseCommand):
    help = (
        "Import references from RIS (.ris), BibTeX (.bib), CSL-JSON (.json), PubMed XML "
        "(.xml) or PubMed text (.nbib) files. Each file imports completely or not at all, "
        "unless --skip-invalid; "
        "duplicates (by DOI, PMID, then key) are reported, never overwritten."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE", help="files to import")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="read and check the files and print the report, but save nothing",
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="import the valid records of each file and report every invalid one as "
            "skipped, instead of importing nothing from a file with an invalid record",
        )
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help="record the import in the history as done by this user (default: no user)",
        )

    def handle(self, *args, files, dry_run, skip_invalid, user, **options):
        # Read every file before importing any, so a typo in the last name imports nothing.
        inputs = [(Path(name).name, self.read(Path(name))) for name in files]
        progress = TerminalProgress(self.stderr)
        try:
            importer = self.find_user(user) if user else None
            report = import_references(
                inputs,
                user=importer,
                dry_run=dry_run,
                skip_invalid=skip_invalid,
                progress=progress.update,
            )
        except DatabaseError as error:
            # Drivers spread one failure over several lines; the command prints one.
            reason = " ".join(str(error).split())
            raise CommandError(
                f"The database is not ready: {reason}. Is it running and migrated?"
            ) from error
        finally:
            progress.close()
        for line in report.lines():
            self.stdout.write(line)
        if report.failed:
            names = ", ".join(file.name for file in report.failed_files)
            count = len(report.failed_files)
            raise CommandError(
                f"{count} file{'s' if count > 1 else ''} imported nothing: {names}. "
                "The report above says which record and why."
            )

    def read(self, path: Path) -> bytes:
        try:
            return path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}.") from error

    def find_user(self, username: str):
        User = get_user_model()
        try:
            return User.objects.get(**{User.USERNAME_FIELD: username})
        except User.DoesNotExist:
            raise CommandError(f"There is no user {username!r}.") from None


class TerminalProgress:
    """A one-line progress bar on a terminal, and nothing at all anywhere else.

    It draws only when the stream is a TTY and the import is long (more than MIN_TOTAL
    records), so logs, pipes and tests see just the report. Redraws at most every 0.1 s.
    """

    MIN_TOTAL = 50
    WIDTH = 30
    INTERVAL = 0.1

    def __init__(self, stream):
        self.stream = stream
        self.enabled = stream.isatty()
        self.drawn = False
        self.last_draw = 0.0

    def update(self, done: int, total: int) -> None:
        if not self.enabled or total <= self.MIN_TOTAL:
            return
        now = time.monotonic()
        if done < total and now - self.last_draw < self.INTERVAL:
            return
        self.last_draw = now
        filled = self.WIDTH * done // total
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        self.write(f"\rImporting [{bar}] {done}/{total} records")
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.write("\n")
            self.drawn = False

    def write(self, text: str) -> None:
        # Django's OutputWrapper colours stderr and adds a newline; a bar needs neither.
        self.stream.write(text, style_func=str, ending="")
        self.stream.flush()
