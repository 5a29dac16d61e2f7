"""Reference data as CSL-JSON, the format reference managers and citation processors share."""

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
    return item


def _csl_name(name):
    """'Smith JA' → family/given; a corporate author stays one literal name."""
    family, _, given = name.rpartition(" ")
    if family and given.isupper() and len(given) <= 3:
        return {"family": family, "given": given}
    return {"literal": name}
