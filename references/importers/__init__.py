"""Reading the files reference managers export: RIS, BibTeX, CSL-JSON and PubMed (XML or text).

One pure parser module per format, each with `parse(data: bytes) -> list[Record]` raising
`ImportFormatError` for anything malformed. `detect_format` picks the parser for a file; saving
the records into the library is `references.importers.importing.import_references`.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath

from references.importers import bibtex, csl_json, medline, pubmed, ris
from references.importers.records import ImportFormatError, Record

__all__ = ["FORMATS", "Format", "ImportFormatError", "Record", "detect_format"]


@dataclass(frozen=True)
class Format:
    name: str
    label: str
    extensions: tuple[str, ...]
    parse: Callable[[bytes], list[Record]]


FORMATS = {
    "ris": Format("ris", "RIS", (".ris",), ris.parse),
    "bibtex": Format("bibtex", "BibTeX", (".bib", ".bibtex"), bibtex.parse),
    "csl_json": Format("csl_json", "CSL-JSON", (".json",), csl_json.parse),
    "pubmed": Format("pubmed", "PubMed XML", (".xml",), pubmed.parse),
    "medline": Format("medline", "PubMed text", (".nbib", ".medline"), medline.parse),
}

# What each format's first meaningful line looks like, for files without a telling extension.
_SNIFFERS = (
    ("ris", re.compile(rb"^(?:[0-9]+\.\s*)?TY {1,2}- ", re.MULTILINE)),
    ("pubmed", re.compile(rb"\A\s*<")),
    # PubMed's "Save → PubMed format" names its file .txt: every record starts "PMID- 123".
    ("medline", re.compile(rb"\A\s*PMID- ?[0-9]")),
    ("csl_json", re.compile(rb"\A\s*[\[{]")),
    ("bibtex", re.compile(rb"^\s*@\s*[A-Za-z]+\s*[{(]", re.MULTILINE)),
)
SNIFF_BYTES = 64 * 1024


def detect_format(filename: str, data: bytes) -> Format:
    """The format of a file: by its extension (.ris, .bib, .json, .xml), else by its content.

    Raises ImportFormatError when neither tells.
    """
    extension = PurePath(filename).suffix.lower()
    for file_format in FORMATS.values():
        if extension in file_format.extensions:
            return file_format
    head = data[:SNIFF_BYTES].removeprefix(b"\xef\xbb\xbf")
    for name, pattern in _SNIFFERS:
        if pattern.search(head):
            return FORMATS[name]
    raise ImportFormatError(
        None,
        "cannot tell the format: name the file .ris (RIS), .bib (BibTeX), .json (CSL-JSON), "
        ".xml (PubMed XML) or .nbib (PubMed text).",
    )
