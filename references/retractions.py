"""Retraction notices from the Retraction Watch database, and marking the references they name.

Crossref publishes the database as one CSV file, a row per notice. The columns used here are
OriginalPaperDOI and OriginalPaperPubMedID (the paper), RetractionDOI and RetractionDate (the
notice) and RetractionNature ("Retraction", "Correction", "Expression of concern",
"Reinstatement"): only retractions mark a reference. Column names are matched ignoring case,
spaces and punctuation, and other columns are ignored.
"""

import csv
import datetime
import io
import re
from contextlib import nullcontext
from dataclasses import dataclass

import reversion
from django.db import transaction

from references.identifiers import normalise_doi, normalise_pmid
from references.models import Reference

# The database writes "unavailable" (or nothing) where it has no DOI, and 0 for no PMID.
MISSING_VALUES = {"", "unavailable", "not available", "na", "n/a", "none", "null", "0"}
# The database writes US dates ("3/21/2023 0:00"); ISO dates are read too.
DATE_FORMATS = ("%m/%d/%Y %H:%M", "%m/%d/%Y", "%Y-%m-%d", "%Y-%m-%d %H:%M:%S")
PAPER_COLUMNS = ("originalpaperdoi", "originalpaperpubmedid")
QUERY_CHUNK = 500


class RetractionFileError(ValueError):
    """A file that is not a readable Retraction Watch CSV; the message is one line saying why."""


@dataclass(frozen=True)
class RetractionNotice:
    """One retraction: the paper it retracts (DOI and/or PMID, normalised) and the notice."""

    row: int
    paper_doi: str
    paper_pmid: str
    notice_doi: str
    date: datetime.date | None


@dataclass(frozen=True)
class RetractionNotices:
    """The retractions a file holds, and how many of its rows were something else."""

    notices: list[RetractionNotice]
    rows: int
    other_kinds: int


@dataclass(frozen=True)
class Marked:
    """A reference a notice names: newly marked retracted, or already marked (`changed` False)."""

    key: str
    notice: RetractionNotice
    matched_by: str
    changed: bool


def parse_retraction_watch(data: bytes) -> RetractionNotices:
    """Read the Retraction Watch CSV (UTF-8, else Latin-1) into retraction notices.

    Rows of another nature (corrections, expressions of concern, reinstatements) and rows that
    name neither a DOI nor a PMID of the paper are counted, not returned. Raises
    RetractionFileError for a file without the paper columns, CSV that cannot be read, or a
    row whose DOI, PMID or date is not one (naming the row, counting the header as row 1).
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Only DOIs, PMIDs, dates and the nature are read, all ASCII: any decoding serves.
        text = data.decode("latin-1")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise RetractionFileError("the file is empty: expected the Retraction Watch CSV.")
        columns = {_column_name(name): index for index, name in enumerate(header)}
        if not any(name in columns for name in PAPER_COLUMNS):
            raise RetractionFileError(
                "not the Retraction Watch CSV: it has no OriginalPaperDOI or "
                f"OriginalPaperPubMedID column (its first line is {','.join(header)[:120]!r})."
            )
        notices, rows, other_kinds = [], 0, 0
        for row_number, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            rows += 1

            def cell(name, row=row):
                index = columns.get(name)
                return row[index].strip() if index is not None and index < len(row) else ""

            nature = cell("retractionnature").lower()
            if nature and nature != "retraction":
                other_kinds += 1
                continue
            notice = _notice(row_number, cell)
            if notice.paper_doi or notice.paper_pmid:
                notices.append(notice)
    except csv.Error as error:
        raise RetractionFileError(
            f"the CSV cannot be read at line {reader.line_num}: {error}."
        ) from None
    return RetractionNotices(notices=notices, rows=rows, other_kinds=other_kinds)


def _column_name(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _notice(row: int, cell) -> RetractionNotice:
    values = {}
    for field, column, normalise in (
        ("paper_doi", "originalpaperdoi", normalise_doi),
        ("paper_pmid", "originalpaperpubmedid", normalise_pmid),
        ("notice_doi", "retractiondoi", normalise_doi),
    ):
        value = cell(column)
        try:
            values[field] = "" if value.lower() in MISSING_VALUES else normalise(value)
        except ValueError as error:
            raise RetractionFileError(f"row {row}: {str(error).rstrip('.')}.") from None
    return RetractionNotice(row=row, date=_date(row, cell("retractiondate")), **values)


def _date(row: int, value: str) -> datetime.date | None:
    if value.lower() in MISSING_VALUES:
        return None
    for date_format in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(value, date_format).date()
        except ValueError:
            continue
    raise RetractionFileError(
        f"row {row}: the RetractionDate {value!r} is not a date (expected like 3/21/2023 0:00)."
    )


def references_mark_retracted(
    *, notices: list[RetractionNotice], source: str, user=None, dry_run: bool = False
) -> list[Marked]:
    """Mark every reference a notice names (by DOI, else PMID) retracted, with the notice's
    DOI and date, in one transaction and one revision ("Retractions from <source>").

    A paper with several notices takes the latest. A reference already marked with the same
    notice is reported unchanged; nothing is ever unmarked. With `dry_run` nothing is written.
    Returns one Marked per reference named, in key order. Database errors propagate, and then
    nothing is saved.
    """
    by_doi, by_pmid = {}, {}
    for notice in sorted(notices, key=lambda notice: notice.date or datetime.date.min):
        if notice.paper_doi:
            by_doi[notice.paper_doi] = notice
        if notice.paper_pmid:
            by_pmid[notice.paper_pmid] = notice
    references = {}
    for field, values in (("doi", by_doi), ("pmid", by_pmid)):
        ordered = sorted(values)
        for start in range(0, len(ordered), QUERY_CHUNK):
            chunk = ordered[start : start + QUERY_CHUNK]
            for reference in Reference.objects.filter(**{f"{field}__in": chunk}):
                references.setdefault(reference.pk, reference)

    marked = []
    revision = nullcontext() if dry_run else reversion.create_revision()
    with transaction.atomic(), revision:
        if not dry_run:
            reversion.set_comment(f"Retractions from {source}")
            if user is not None:
                reversion.set_user(user)
        for reference in sorted(references.values(), key=lambda reference: reference.key):
            if reference.doi in by_doi:
                notice, matched_by = by_doi[reference.doi], f"DOI {reference.doi}"
            else:
                notice, matched_by = by_pmid[reference.pmid], f"PMID {reference.pmid}"
            changed = (
                reference.retracted,
                reference.retraction_doi,
                reference.retraction_date,
            ) != (
                True,
                notice.notice_doi,
                notice.date,
            )
            if changed and not dry_run:
                reference.retracted = True
                reference.retraction_doi = notice.notice_doi
                reference.retraction_date = notice.date
                reference.save()
            marked.append(Marked(reference.key, notice, matched_by, changed))
    return marked
