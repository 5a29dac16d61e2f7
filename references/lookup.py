"""Fill a reference from its DOI (Crossref's REST API) or its PubMed ID (NCBI E-utilities).

Two small HTTP clients on the standard library, each with a timeout and errors that say what
went wrong in words an editor can act on. The answers are read by the importers Vetted already
has: a Crossref work is CSL-JSON in all but a few fields (references.importers.csl_json), and
efetch returns PubMed XML (references.importers.pubmed).

Off unless settings.REFERENCE_LOOKUP is on; CROSSREF_API_URL and EUTILS_URL say where to ask.
"""

import json
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings

from references.identifiers import normalise_doi, normalise_pmid
from references.importers import csl_json, pubmed
from references.importers.importing import InvalidRecord, validate_record
from references.importers.records import ImportFormatError, Record

# Crossref's work types that CSL names differently (the rest are the same word, or research).
CROSSREF_TYPES = {
    "journal-article": "article-journal",
    "proceedings-article": "paper-conference",
    "book-chapter": "chapter",
    "posted-content": "article",
    "report": "report",
    "book": "book",
    "monograph": "book",
    "dissertation": "thesis",
    "standard": "standard",
    "dataset": "dataset",
}
# An answer larger than this is not a single work's record.
MAX_ANSWER_BYTES = 2_000_000


class ReferenceLookupError(Exception):
    """Base of every error a lookup raises; its message is for the editor."""


class LookupDisabled(ReferenceLookupError):
    """Looking references up is switched off (settings.REFERENCE_LOOKUP)."""


class NotFound(ReferenceLookupError):
    """The service has no record of that identifier."""


class LookupFailed(ReferenceLookupError):
    """The service could not be reached, took too long, or answered with something unusable."""


def lookup_doi(value):
    """The Record Crossref holds for the DOI `value` (bare, "doi:…" or a doi.org URL).

    Raises LookupDisabled, ReferenceLookupError for text that is not a DOI, NotFound when
    Crossref has no such work, LookupFailed for a timeout, a network error or an answer that
    cannot be read.
    """
    doi = _identifier(normalise_doi, value, "a DOI (10.xxxx/…)")
    url = f"{settings.CROSSREF_API_URL.rstrip('/')}/works/{urllib.parse.quote(doi, safe='')}"
    if settings.REFERENCE_LOOKUP_MAILTO:
        url += "?" + urllib.parse.urlencode({"mailto": settings.REFERENCE_LOOKUP_MAILTO})
    answer = _get(url, service="Crossref", what=f"DOI {doi}")
    try:
        work = json.loads(answer)["message"]
        item = crossref_item(work)
    except (ValueError, KeyError, TypeError) as error:
        raise LookupFailed(
            f"Crossref's answer for DOI {doi} could not be read ({error})."
        ) from None
    return _checked(csl_json.parse(json.dumps([item]).encode()), service="Crossref")


def crossref_item(work):
    """A Crossref work (the "message" of /works/{doi}) as a CSL-JSON item."""
    item = {key: value for key, value in work.items() if key in csl_json.TEXT_FIELDS}
    for field in ("title", "container-title"):
        value = work.get(field)
        item[field] = (value[0] if value else "") if isinstance(value, list) else value or ""
    item["type"] = CROSSREF_TYPES.get(work.get("type", ""), "article")
    item["DOI"] = work.get("DOI", "")
    item["author"] = [
        {key: name[key] for key in ("family", "given", "literal") if key in name}
        for name in work.get("author", [])
        if isinstance(name, dict)
    ]
    issued = work.get("issued") or work.get("published-print") or work.get("published-online")
    if issued:
        item["issued"] = issued
    return item


def lookup_pmid(value):
    """The Record PubMed holds for the PubMed ID `value`.

    Raises LookupDisabled, ReferenceLookupError for text that is not a PMID, NotFound when
    PubMed has no such article, LookupFailed for a timeout, a network error or an answer that
    cannot be read.
    """
    pmid = _identifier(normalise_pmid, value, "a PubMed ID (digits)")
    query = urllib.parse.urlencode({"db": "pubmed", "id": pmid, "retmode": "xml"})
    answer = _get(
        f"{settings.EUTILS_URL.rstrip('/')}/efetch.fcgi?{query}",
        service="PubMed",
        what=f"PMID {pmid}",
    )
    try:
        found = pubmed.parse(answer)
    except ImportFormatError as error:
        if "no <PubmedArticle> records" in str(error):
            raise NotFound(f"PubMed has no article with PMID {pmid}.") from None
        raise LookupFailed(f"PubMed's answer for PMID {pmid} could not be read: {error}") from None
    return _checked(found, service="PubMed")


def _identifier(normalise, value, shape):
    if not settings.REFERENCE_LOOKUP:
        raise LookupDisabled(
            "Looking references up is switched off on this site (REFERENCE_LOOKUP); "
            "fill the fields by hand or import a file."
        )
    try:
        identifier = normalise(value)
    except ValueError as error:
        raise ReferenceLookupError(str(error)) from None
    if not identifier:
        raise ReferenceLookupError(f"Type {shape}.")
    return identifier


def _get(url, *, service, what):
    """The body of a GET of `url`, or the ReferenceLookupError that says why not."""
    request = urllib.request.Request(
        url, headers={"Accept": "application/json, application/xml", "User-Agent": _agent()}
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.REFERENCE_LOOKUP_TIMEOUT) as answer:
            body = answer.read(MAX_ANSWER_BYTES + 1)
    except urllib.error.HTTPError as error:
        if error.code == 404:
            raise NotFound(f"{service} has no record of {what}.") from None
        raise LookupFailed(
            f"{service} answered {error.code} {error.reason} for {what}; try again later."
        ) from None
    except TimeoutError:
        raise LookupFailed(
            f"{service} did not answer within {settings.REFERENCE_LOOKUP_TIMEOUT:g} seconds; "
            "try again later."
        ) from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            raise LookupFailed(
                f"{service} did not answer within {settings.REFERENCE_LOOKUP_TIMEOUT:g} "
                "seconds; try again later."
            ) from None
        raise LookupFailed(f"{service} could not be reached ({error.reason}).") from None
    if len(body) > MAX_ANSWER_BYTES:
        raise LookupFailed(f"{service}'s answer for {what} is too large to be one record.")
    return body


def _agent():
    mailto = settings.REFERENCE_LOOKUP_MAILTO
    return f"Vetted reference lookup{f' (mailto:{mailto})' if mailto else ''}"


def _checked(found: list[Record], *, service) -> Record:
    try:
        return validate_record(found[0])
    except InvalidRecord as error:
        raise LookupFailed(f"{service}'s record cannot be used: {error}") from None
