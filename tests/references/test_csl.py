"""CSL-JSON export (references.csl): names in the shape citation processors read, checked by
rendering the export with citeproc-py, and read back by Vetted's own CSL-JSON importer."""

import json

import pytest
from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON

from references.csl import to_csl
from references.importers import csl_json
from references.importers.importing import Status, import_references
from references.models import Reference
from tests.references.test_importers import import_fixtures


def render_with_citeproc(items):
    """The bibliography citeproc-py prints for CSL-JSON items, in the Harvard style it ships."""
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)
    bibliography = CitationStylesBibliography(style, CiteProcJSON(items), formatter.plain)
    for item in items:
        bibliography.register(Citation([CitationItem(item["id"])]))
    return [str(entry) for entry in bibliography.bibliography()]


@pytest.mark.parametrize(
    ("name", "csl_name"),
    [
        ("Bateman ED", {"family": "Bateman", "given": "E. D."}),
        ("Smith J", {"family": "Smith", "given": "J."}),
        ("van der Berg AB", {"family": "van der Berg", "given": "A. B."}),
        ("Smith JA Jr", {"family": "Smith", "given": "J. A.", "suffix": "Jr"}),
        ("Ødegård KM", {"family": "Ødegård", "given": "K. M."}),
        ("World Health Organization", {"literal": "World Health Organization"}),
        ("Smith", {"literal": "Smith"}),
    ],
)
def test_csl_names_write_each_initial_with_its_full_stop(name, csl_name):
    item = to_csl({"key": "k", "title": "T", "authors": [name]})

    assert item["author"] == [csl_name]


def test_citeproc_prints_every_initial_of_the_exported_names():
    item = to_csl({"key": "k", "title": "T", "authors": ["Bateman ED", "Reddel HK"], "year": 2019})

    assert render_with_citeproc([item]) == ["Bateman, E.D. and Reddel, H.K. (2019) “T”."]


def test_citeproc_would_lose_middle_initials_written_run_together():
    # Why the export spells initials out: this is what a processor makes of "ED".
    item = {"id": "k", "type": "article-journal", "title": "T", "issued": {"date-parts": [[2019]]}}
    item["author"] = [{"family": "Bateman", "given": "ED"}]

    assert render_with_citeproc([item]) == ["Bateman, E. (2019) “T”."]


@pytest.mark.django_db
def test_bibtex_import_then_csl_export_then_citeproc_keeps_middle_initials():
    import_fixtures("asthma-and-others.bib")
    reference = Reference.objects.get(key="bateman2019asthma")

    exported = to_csl(reference.as_data())
    [entry] = render_with_citeproc([exported])

    assert exported["author"][0] == {"family": "Bateman", "given": "E. D."}
    assert entry.startswith("Bateman, E.D. and Reddel, H.K. (2019)")


@pytest.mark.django_db
def test_exported_initials_import_back_as_the_same_authors():
    import_fixtures("asthma-and-others.bib")
    exported = [to_csl(reference.as_data()) for reference in Reference.objects.all()]

    parsed = csl_json.parse(json.dumps(exported).encode())

    assert parsed[0].authors == ("Bateman ED", "Reddel HK")


@pytest.mark.django_db
def test_exported_library_with_suffixes_imports_back_unchanged():
    Reference.objects.create(
        key="smith2020", title="T", authors="Smith JA Jr\nvan der Berg AB", doi="10.5555/smith"
    )
    exported = [to_csl(Reference.objects.get().as_data())]

    report = import_references([("export.json", json.dumps(exported).encode())], user=None)

    assert report.counts()[Status.UNCHANGED] == 1, report.lines()
