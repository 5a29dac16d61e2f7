"""DOI and PubMed identifiers: one canonical spelling each, and the links built from it.

Importers, forms and the reference list all go through these functions, so two spellings of the
same identifier ("doi:10.1000/ABC", "https://doi.org/10.1000/abc") dedupe to one reference.
"""

import re
import unicodedata
from urllib.parse import quote, unquote

# [0-9], not \d: \d would also accept other scripts' digits in the prefix.
DOI_RE = re.compile(r"^10\.[0-9]{4,9}/\S+$")

# "doi:" or any doi.org resolver URL, as copied from a journal page or a citation manager.
_DOI_URL_PREFIX_RE = re.compile(r"^(?:https?://)?(?:dx\.|www\.)?doi\.org/", re.IGNORECASE)
_DOI_LABEL_PREFIX_RE = re.compile(r"^doi:\s*", re.IGNORECASE)
_PMID_PREFIX_RE = re.compile(r"^pmid\s*:?\s*", re.IGNORECASE)


def normalise_doi(value: str | None) -> str:
    """Return the canonical form of a DOI: bare ("10.1000/xyz"), lowercased.

    Accepts a bare DOI, "doi:…" or a doi.org / dx.doi.org URL (percent-escapes in a URL are
    decoded). DOIs are case-insensitive, so lowercasing makes equal DOIs compare equal.
    Returns "" for empty or blank input. Raises ValueError if what remains is not a DOI.
    """
    if value is None:
        return ""
    text = str(value).strip()
    if not text:
        return ""
    if _DOI_URL_PREFIX_RE.match(text):
        # Resolver URLs carry the DOI percent-encoded; the DOI itself is the decoded form.
        text = unquote(_DOI_URL_PREFIX_RE.sub("", text, count=1))
    else:
        text = _DOI_LABEL_PREFIX_RE.sub("", text, count=1)
    doi = text.strip().lower()
    if not DOI_RE.fullmatch(doi) or any(unicodedata.category(char) == "Cc" for char in doi):
        raise ValueError(f"{value!r} is not a DOI (expected something like 10.1000/xyz).")
    return doi


def normalise_pmid(value: str | int | None) -> str:
    """Return a PubMed ID as digits without leading zeros ("PMID: 00123" -> "123").

    Accepts an int, or a string of ASCII digits optionally prefixed by "PMID" / "PMID:".
    Returns "" for empty or blank input. Raises ValueError for anything else, including zero.
    """
    if value is None:
        return ""
    text = str(value).strip()
    if not text:
        return ""
    digits = _PMID_PREFIX_RE.sub("", text, count=1)
    # fullmatch on [0-9], not str.isdigit(): isdigit() also accepts other scripts' digits.
    if not re.fullmatch(r"[0-9]+", digits) or not digits.lstrip("0"):
        raise ValueError(f"{value!r} is not a PubMed ID (expected digits, like 12345678).")
    return digits.lstrip("0")


def doi_url(doi: str | None) -> str:
    """Return the https://doi.org/ link for a DOI, or "" when there is no DOI.

    The DOI is normalised first and percent-quoted (keeping "/"), so characters such as
    "#", "?", "<" or quotes cannot change the meaning of the URL.
    Raises ValueError if the value is not a DOI.
    """
    normalised = normalise_doi(doi)
    if not normalised:
        return ""
    return "https://doi.org/" + quote(normalised, safe="/")


def pubmed_url(pmid: str | int | None) -> str:
    """Return the PubMed page for a PMID, or "" when there is none.

    Raises ValueError if the value is not a PubMed ID.
    """
    normalised = normalise_pmid(pmid)
    if not normalised:
        return ""
    return f"https://pubmed.ncbi.nlm.nih.gov/{normalised}/"
