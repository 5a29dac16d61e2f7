"""Reference data as CSL-JSON, the format reference managers and citation processors share."""

from references.identifiers import doi_url

CSL_TYPES = {
    "guideline": "report",
    "systematic_review": "article-journal",
    "meta_analysis": "article-journal",
    "randomised_trial": "article-journal",
    "cohort_study": "article-journal",
    "review": "article-journal",
    "research": "article-journal",
    "textbook": "book",
    "website": "webpage",
}


def to_csl(data):
    """One reference's data (as frozen in a snapshot) as a CSL-JSON item."""
    item = {
        "id": data["key"],
        "type": CSL_TYPES.get(data.get("kind"), "article"),
        "title": data.get("title", ""),
    }
    # CSL types cannot tell a trial from a review; the genre keeps Vetted's kind for a re-import.
    if data.get("kind_label"):
        item["genre"] = data["kind_label"]
    authors = [_csl_name(name) for name in data.get("authors", [])]
    if authors:
        item["author"] = authors
    if data.get("container"):
        item["container-title"] = data["container"]
    if data.get("year"):
        item["issued"] = {"date-parts": [[data["year"]]]}
    for field, csl_field in (("volume", "volume"), ("issue", "issue"), ("pages", "page")):
        if data.get(field):
            item[csl_field] = data[field]
    for field, csl_field in (("doi", "DOI"), ("pmid", "PMID"), ("url", "URL")):
        if data.get(field):
            item[csl_field] = data[field]
    if data.get("retracted") is True:
        # CSL's publication status names "retracted" among its values; the notice goes in the
        # note, which citation processors print or keep as it is.
        item["status"] = "retracted"
        try:
            notice = doi_url(data.get("retraction_doi"))
        except ValueError:  # not a DOI: the word alone
            notice = ""
        item["note"] = f"Retracted. Retraction notice: {notice}" if notice else "Retracted."
    return item


SUFFIXES = {"Jr", "Sr", "II", "III", "IV"}


def _csl_name(name):
    """'Bateman ED' -> family "Bateman", given "E. D."; 'Smith JA Jr' keeps "Jr" as the
    suffix; a body's name ("World Health Organization") stays one literal name.

    The initials are written with full stops and spaces, as CSL processors expect: they read
    "ED" as one given name and print only its first letter.
    """
    words = name.split()
    suffix = words.pop() if len(words) > 2 and words[-1] in SUFFIXES else ""
    if len(words) >= 2 and _is_initials(words[-1]):
        item = {"family": " ".join(words[:-1]), "given": " ".join(f"{i}." for i in words[-1])}
        if suffix:
            item["suffix"] = suffix
        return item
    return {"literal": name}


def _is_initials(word):
    return word.isalpha() and word.isupper() and len(word) <= 3
