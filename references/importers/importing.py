"""Importing parsed records into the reference library: checks, deduplication and the report.

`import_references` is the one write operation; the admin upload and `manage.py
import_references` both call it. Every file is all or nothing: one bad record and nothing from
that file is saved. A record that is already in the library is never changed, only reported.
"""

import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from enum import StrEnum

import reversion
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction

from references.identifiers import normalise_doi, normalise_pmid
from references.importers import ImportFormatError, Record, detect_format
from references.importers.records import suggest_key
from references.models import KEY_PATTERN, Reference

# The fields compared to decide between "unchanged" and "conflicting" (the key too, when the
# file gives one).
COMPARED_FIELDS = (
    "kind",
    "title",
    "authors",
    "et_al",
    "container",
    "year",
    "volume",
    "issue",
    "pages",
    "doi",
    "pmid",
    "url",
)
TEXT_FIELDS = ("title", "container", "volume", "issue", "pages", "doi", "pmid", "url")
# SQLite versions before 3.32 allow 999 parameters a query.
QUERY_CHUNK = 500
MAX_KEY_LENGTH = Reference._meta.get_field("key").max_length
MAX_ALIAS_LENGTH = Reference._meta.get_field("alias").max_length
IDENTIFIERS = ("doi", "pmid", "key", "alias")


class Status(StrEnum):
    CREATED = "created"
    UNCHANGED = "unchanged"
    CONFLICTING = "conflicting"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Outcome:
    """What happened to one record: its status, the reference key it maps to, and why.

    `warnings` are what the parser could not read fully (say, LaTeX it kept as written); they
    are also appended to `message`, which is the one text the admin's report shows.
    """

    status: Status
    source_label: str
    key: str = ""
    message: str = ""
    warnings: tuple[str, ...] = ()

    def warned(self, warnings: tuple[str, ...]) -> "Outcome":
        """This outcome with `warnings` added, to the list and to the message."""
        if not warnings:
            return self
        text = "; ".join(f"warning: {warning}" for warning in warnings)
        message = f"{self.message}; {text}" if self.message else text
        return replace(self, message=message, warnings=self.warnings + warnings)


@dataclass
class FileReport:
    """One file's outcomes. `error` is set when the file imported nothing, and says why."""

    name: str
    format_label: str = ""
    outcomes: list[Outcome] = field(default_factory=list)
    error: str = ""

    @property
    def failed(self) -> bool:
        return bool(self.error)

    def with_status(self, status: Status) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.status == status]

    def counts(self) -> dict[Status, int]:
        return {status: len(self.with_status(status)) for status in Status}


@dataclass
class ImportReport:
    """The outcome of an import, file by file; `lines()` is its plain-text form."""

    files: list[FileReport]
    dry_run: bool = False

    @property
    def failed(self) -> bool:
        return any(file.failed for file in self.files)

    @property
    def failed_files(self) -> list[FileReport]:
        return [file for file in self.files if file.failed]

    def counts(self) -> dict[Status, int]:
        return {status: sum(file.counts()[status] for file in self.files) for status in Status}

    def lines(self) -> list[str]:
        """The report as text: a line per file with its counts, then one line per conflicting
        or rejected record (or the reason a file failed), then the totals."""
        lines = []
        if self.dry_run:
            lines.append("Dry run: nothing was saved; 'created' counts what would be created.")
        for file in self.files:
            name = f"{file.name} ({file.format_label})" if file.format_label else file.name
            if file.failed:
                lines.append(f"{name}: FAILED, nothing imported.")
                rejected = file.with_status(Status.REJECTED)
                lines += [f"  rejected: {o.source_label}: {o.message}" for o in rejected]
                if not rejected:
                    lines.append(f"  {file.error}")
            else:
                lines.append(f"{name}: {_count_text(file.counts())}.")
                for outcome in file.outcomes:
                    if outcome.status == Status.CONFLICTING:
                        lines.append(f"  conflicting: {outcome.source_label}: {outcome.message}")
                    elif outcome.status == Status.REJECTED:
                        # Only --skip-invalid imports a file with rejected records.
                        lines.append(f"  skipped: {outcome.source_label}: {outcome.message}")
                    else:
                        lines += [
                            f"  warning: {outcome.source_label}: {warning}"
                            for warning in outcome.warnings
                        ]
        failed = len(self.failed_files)
        totals = _count_text(self.counts())
        if failed:
            totals += (
                f"; {failed} of {len(self.files)} file{'s' if len(self.files) > 1 else ''} failed"
            )
        lines.append(f"Total: {totals}.")
        return lines


class InvalidRecord(ValueError):
    """A record that breaks the library's rules; the message says which and how."""


def import_references(
    files: Iterable[tuple[str, bytes]],
    *,
    user=None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import reference files, each as one all-or-nothing transaction and one revision.

    `files` are (name, bytes) pairs; every file is parsed before anything is saved. A record is
    *created*, *unchanged* (the library already has it with the same data), *conflicting* (same
    DOI, PMID or key as a reference in the library or an earlier record of the file, with
    different data — nothing is overwritten) or *rejected* (it breaks a rule; then nothing from
    its file is saved, unless `skip_invalid`: then the file's valid records are imported and each
    rejected one is reported as skipped; a file none of whose records is valid still fails).
    A file that cannot be parsed fails whatever `skip_invalid` says. Deduplication looks at
    the normalised DOI, then the PMID, then the key.
    Each file that creates references is saved as one django-reversion revision by `user`
    (None: no user) with the comment "Imported from <name>". With `dry_run` nothing is written.
    `progress(done, total)` is called after each record.

    Never raises for a bad file: the report says which file failed and why. Database errors
    other than a concurrent duplicate propagate.
    """
    parsed = [_parse(name, data) for name, data in files]
    total = sum(len(records) for _, records in parsed)
    ticks = itertools.count(1)

    def tick():
        if progress is not None:
            progress(next(ticks), total)

    for report, records in parsed:
        if report.failed:
            continue
        validated, rejected = _validate_all(records)
        if rejected and not (skip_invalid and validated):
            report.outcomes = rejected
            report.error = f"{len(rejected)} of {len(records)} records rejected."
            for _ in records:
                tick()
            continue
        try:
            saved = _save(report.name, validated, user=user, dry_run=dry_run, tick=tick)
            for _ in rejected:
                tick()
            order = {record.source_label: number for number, record in enumerate(records)}
            report.outcomes = sorted(
                [*saved, *rejected], key=lambda outcome: order[outcome.source_label]
            )
        except IntegrityError:
            # Someone saved the same DOI, PMID or key while this file was being imported.
            report.outcomes = []
            report.error = (
                "another change to the library saved a reference with the same DOI, PMID or key "
                "during the import; nothing from this file was saved. Import it again."
            )
    return ImportReport(files=[report for report, _ in parsed], dry_run=dry_run)


def _parse(name: str, data: bytes) -> tuple[FileReport, list[Record]]:
    report = FileReport(name=name)
    try:
        file_format = detect_format(name, data)
        report.format_label = file_format.label
        records = file_format.parse(data)
    except ImportFormatError as error:
        report.error = str(error)
        if error.record_number is not None:
            report.outcomes = [Outcome(Status.REJECTED, error.label, message=error.message)]
        return report, []
    return report, records


def _validate_all(records: list[Record]) -> tuple[list[Record], list[Outcome]]:
    validated, rejected = [], []
    for record in records:
        try:
            validated.append(validate_record(record))
        except InvalidRecord as error:
            outcome = Outcome(Status.REJECTED, record.source_label, message=str(error))
            rejected.append(outcome.warned(record.warnings))
    return validated, rejected


def validate_record(record: Record) -> Record:
    """Return the record with its DOI, PMID and URL in canonical form.

    A key the file gives that cannot be cited (DBLP's "DBLP:ms/Hoffmann2008") is replaced by a
    generated one and kept as the record's alias, with a warning. Raises InvalidRecord listing
    every rule it breaks: no title, a DOI or PMID that is not one, a key longer than an alias
    may be, a value too long for its field, a URL that is not one, a control character, an
    impossible year. Uses no database.
    """
    problems = []
    if not record.title.strip():
        problems.append("has no title")
    changes = {}
    for name, normalise in (("doi", normalise_doi), ("pmid", normalise_pmid)):
        try:
            changes[name] = normalise(getattr(record, name))
        except ValueError as error:
            problems.append(str(error).rstrip("."))
    url = record.url
    if url and "://" not in url:
        url = f"https://{url}"  # as the admin form assumes for a URL typed without a scheme
    changes["url"] = url
    record = replace(record, **changes)

    if not record.key_generated and not (
        len(record.key) <= MAX_KEY_LENGTH and re.fullmatch(KEY_PATTERN, record.key)
    ):
        if len(record.key) > MAX_ALIAS_LENGTH:
            problems.append(f"the key is longer than {MAX_ALIAS_LENGTH} characters")
        else:
            # DBLP's "DBLP:ms/Hoffmann2008" or a DOI used as a key: cited by a generated key,
            # and the original kept as the alias that finds the reference again.
            record = replace(
                record,
                key=suggest_key(record.authors, record.year, record.title),
                key_generated=True,
                alias=record.key,
                warnings=(
                    *record.warnings,
                    f"the key {record.key!r} cannot be cited as written (letters, digits and "
                    "_ - : . only): a key was generated and the original kept as its alias",
                ),
            )
    for name in TEXT_FIELDS:
        value = getattr(record, name)
        limit = Reference._meta.get_field(name).max_length
        if len(value) > limit:
            problems.append(f"the {name} is {len(value)} characters long (at most {limit})")
    for name in ("title", "container", "volume", "issue", "pages", "key"):
        problems += _control_character_problems(name, getattr(record, name))
    problems += _control_character_problems("key", record.alias)  # the key as the file gave it
    for author in record.authors:
        problems += _control_character_problems("author", author)
    url_problems = _control_character_problems("URL", record.url)
    problems += url_problems
    if record.url and not url_problems:
        try:
            URLValidator(schemes=["http", "https"])(record.url)
        except ValidationError:
            problems.append(f"the URL {record.url!r} is not an http(s) web address")
    if record.year is not None and not 1000 <= record.year <= 2999:
        problems.append(f"the year {record.year} is not a plausible year")
    if record.kind not in Reference.Kind.values:
        problems.append(f"the kind {record.kind!r} is not one Vetted knows")
    if problems:
        raise InvalidRecord("; ".join(problems) + ".")
    return record


def _control_character_problems(name: str, value: str) -> list[str]:
    bad = next((char for char in value if ord(char) < 32 or 127 <= ord(char) < 160), None)
    return [f"the {name} contains the control character U+{ord(bad):04X}"] if bad else []


@dataclass
class _Seen:
    """A record already handled in this file, and the key of the reference it stands for."""

    record: Record
    key: str


def _save(name, records, *, user, dry_run, tick) -> list[Outcome]:
    """Classify every record against the library and the file, and create the new ones."""
    revision = nullcontext() if dry_run else reversion.create_revision()
    with transaction.atomic(), revision:
        if not dry_run:
            if user is not None:
                reversion.set_user(user)
            reversion.set_comment(f"Imported from {name}")
        library = _Library(records)
        seen = {identifier: {} for identifier in (*IDENTIFIERS, "generated")}
        outcomes = []
        for record in records:
            outcome = _match(record, library, seen)
            if outcome is None:
                key = library.unique_key(record.key) if record.key_generated else record.key
                if not dry_run:
                    Reference(key=key, **record.reference_fields()).save()
                library.keys_used.add(key)
                outcome = Outcome(Status.CREATED, record.source_label, key=key)
            outcome = outcome.warned(record.warnings)
            earlier = _Seen(record, outcome.key)
            for identifier in ("doi", "pmid", "alias"):
                if value := getattr(record, identifier):
                    seen[identifier].setdefault(value, earlier)
            seen["key"].setdefault(outcome.key, earlier)
            if record.key_generated:
                seen["generated"].setdefault((record.key, _fingerprint(_data(record))), earlier)
            outcomes.append(outcome)
            tick()
        return outcomes


def _identifier(record: Record, name: str) -> str:
    """The record's DOI, PMID, key or alias as a deduplication key (a generated key never
    counts)."""
    if name == "key":
        return "" if record.key_generated else record.key
    return getattr(record, name)


IDENTIFIER_LABELS = {"doi": "DOI", "pmid": "PMID", "key": "key", "alias": "original key"}


def _match(record: Record, library: "_Library", seen: dict) -> Outcome | None:
    """The outcome for a record that duplicates one in the library or earlier in the file,
    or None for a new record.

    Checked by DOI, then PMID, then the key the file gives, then the uncitable key it gave (the
    alias). A record with none of these (and
    so a generated key) matches only an identical reference whose key is the generated one,
    perhaps with a letter added: the same author and year with other data is another work.
    """
    for identifier in IDENTIFIERS:
        value = _identifier(record, identifier)
        if not value:
            continue
        what = f"same {IDENTIFIER_LABELS[identifier]} {value} as"
        existing = library.by[identifier].get(value)
        if existing is not None:
            return _compare_with_library(record, existing, what)
        if (earlier := seen[identifier].get(value)) is not None:
            return _compare_with_earlier(record, earlier, what)
    if record.key_generated:
        fingerprint = _fingerprint(_data(record))
        if (existing := library.generated_family(record.key).get(fingerprint)) is not None:
            return _compare_with_library(record, existing, "")
        if (earlier := seen["generated"].get((record.key, fingerprint))) is not None:
            return _compare_with_earlier(record, earlier, "")
    return None


def _compare_with_library(record: Record, existing: Reference, what: str) -> Outcome:
    differences = _differences(record, existing.as_data(), existing.key)
    if not differences:
        message = f"already in the library as [@{existing.key}]"
        return Outcome(Status.UNCHANGED, record.source_label, existing.key, message)
    message = (
        f"{what} [@{existing.key}] in the library, which differs in {', '.join(differences)}; "
        "nothing was changed"
    )
    return Outcome(Status.CONFLICTING, record.source_label, existing.key, message)


def _compare_with_earlier(record: Record, earlier: _Seen, what: str) -> Outcome:
    differences = _differences(record, _data(earlier.record), earlier.key)
    if not differences:
        message = f"repeats {earlier.record.source_label}"
        return Outcome(Status.UNCHANGED, record.source_label, earlier.key, message)
    message = (
        f"{what} {earlier.record.source_label} earlier in this file, which differs in "
        f"{', '.join(differences)}; only the first was used"
    )
    return Outcome(Status.CONFLICTING, record.source_label, earlier.key, message)


def _data(record: Record) -> dict:
    """A record's values in the shape of Reference.as_data()."""
    return {**record.reference_fields(), "authors": list(record.authors)}


def _fingerprint(data: dict) -> tuple:
    """The compared fields of a reference's data, hashable: equal data, equal fingerprint."""
    return tuple(tuple(data[name]) if name == "authors" else data[name] for name in COMPARED_FIELDS)


def _differences(record: Record, data: dict, existing_key: str) -> list[str]:
    """The fields in which `record` differs from a reference's data (as Reference.as_data())."""
    mine = _data(record)
    differences = [name for name in COMPARED_FIELDS if mine[name] != data[name]]
    if not record.key_generated and record.key != existing_key:
        differences.insert(0, "key")
    return differences


class _Library:
    """The references that the file's DOIs, PMIDs and keys already name, fetched in bulk."""

    def __init__(self, records: list[Record]):
        self.by = {
            identifier: self._fetch(
                identifier, {_identifier(record, identifier) for record in records} - {""}
            )
            for identifier in IDENTIFIERS
        }
        # Keys the file gives are reserved first, so a generated key never takes one of them.
        self.keys_used = {record.key for record in records if not record.key_generated}
        generated = {record.key for record in records if record.key_generated}
        self.generated_keys_taken = set(self._fetch("key", generated))
        self.families: dict[str, dict[tuple, Reference]] = {}
        self.suffixes: dict[str, Iterator[str]] = {}

    @staticmethod
    def _fetch(identifier: str, values: set[str]) -> dict[str, Reference]:
        found = {}
        values = sorted(values)
        for start in range(0, len(values), QUERY_CHUNK):
            chunk = values[start : start + QUERY_CHUNK]
            for reference in Reference.objects.filter(**{f"{identifier}__in": chunk}):
                found[getattr(reference, identifier)] = reference
        return found

    def generated_family(self, base: str) -> dict[tuple, Reference]:
        """The references keyed `base` or `base` plus letters (as unique_key makes them), by
        the fingerprint of their data."""
        if base not in self.generated_keys_taken:
            return {}  # answered by the bulk fetch, without a query
        if base not in self.families:
            pattern = re.compile(re.escape(base) + "[a-z]*")
            self.families[base] = {
                _fingerprint(reference.as_data()): reference
                for reference in Reference.objects.filter(key__startswith=base).order_by("-key")
                if pattern.fullmatch(reference.key)
            }
        return self.families[base]

    def unique_key(self, base: str) -> str:
        """`base`, or `base` + a, b, … z, aa, … when the library or this file already uses it."""
        base = base[: MAX_KEY_LENGTH - 4]
        if base not in self.generated_keys_taken and base not in self.keys_used:
            return base  # the common case, answered by the bulk fetch without a query
        if base not in self.suffixes:
            # One query and one walk through the suffixes per base, however many records share
            # it: keys are only ever added, so a suffix found taken stays taken.
            self.keys_used |= set(
                Reference.objects.filter(key__startswith=base).values_list("key", flat=True)
            )
            self.suffixes[base] = _candidates(base)
        return next(key for key in self.suffixes[base] if key not in self.keys_used)


def _candidates(base: str) -> Iterator[str]:
    yield base
    letters = "abcdefghijklmnopqrstuvwxyz"
    for length in itertools.count(1):
        for suffix in itertools.product(letters, repeat=length):
            yield base + "".join(suffix)


def _count_text(counts: dict[Status, int]) -> str:
    return ", ".join(f"{counts[status]} {status}" for status in Status)
