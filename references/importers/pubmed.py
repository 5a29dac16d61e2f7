"""PubMed XML: what PubMed's "Save → PubMed XML" and E-utilities' efetch (rettype=xml) return.

The root is <PubmedArticleSet>, holding <PubmedArticle> (journal articles) and
<PubmedBookArticle> (NCBI Bookshelf chapters, such as StatPearls). The XML is read with
defusedxml, which refuses entity declarations: an entity "bomb" (billion laughs) or an external
entity (a file or URL pulled into the document) is refused before it is expanded.
"""

import re
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree
from defusedxml import DefusedXmlException, EntitiesForbidden

from references.importers import records
from references.importers.records import ImportFormatError, Record

ARTICLE_TAGS = ("PubmedArticle", "PubmedBookArticle")
# An article number: a few letters at most, then digits ("e42692", "e0123456", "102345").
_ARTICLE_NUMBER_RE = re.compile(r"[A-Za-z]{0,3}[0-9]{1,9}")
_ARTICLE_START_RE = re.compile(r"<(?:PubmedArticle|PubmedBookArticle)[\s>]")


def parse(data: bytes) -> list[Record]:
    """Return the articles of a PubMed XML file as records, in file order.

    Each record's key is "pmid<PMID>" (generated: made unique on import if another reference
    holds it). The kind comes from the PublicationType list. Raises ImportFormatError for bytes
    that are not UTF-8, XML that is not well formed (naming the record around the error), XML
    that declares entities, or a root other than <PubmedArticleSet>.
    """
    text = records.decode_utf8(data)
    try:
        root = defusedxml.ElementTree.fromstring(data)
    except EntitiesForbidden as error:
        where = "an external entity" if error.sysid or error.pubid else "an entity"
        raise ImportFormatError(
            None,
            f"the XML declares {where} (<!ENTITY {error.name} …>), which is refused: entities "
            "can expand into gigabytes (an entity bomb) or read other files. PubMed XML "
            "never declares entities.",
        ) from None
    except DefusedXmlException as error:
        raise ImportFormatError(None, f"the XML is refused: {error}.") from None
    except ParseError as error:
        line, column = error.position
        offset = _offset(text, line)
        number = len(_ARTICLE_START_RE.findall(text, 0, offset)) or None
        raise ImportFormatError(
            number,
            f"not well-formed XML at line {line}, column {column + 1}: {str(error).split(':')[0]}.",
        ) from None
    if root.tag != "PubmedArticleSet":
        raise ImportFormatError(
            None,
            f"not PubMed XML: the document is <{root.tag}>, expected <PubmedArticleSet>.",
        )
    articles = [child for child in root if child.tag in ARTICLE_TAGS]
    if not articles:
        raise ImportFormatError(None, "the file has no <PubmedArticle> records.")
    return [_record(number, article) for number, article in enumerate(articles, start=1)]


def _record(number: int, article: Element) -> Record:
    if article.tag == "PubmedBookArticle":
        return _book_record(number, article)
    citation = article.find("MedlineCitation")
    journal_article = citation.find("Article") if citation is not None else None
    if journal_article is None:
        raise ImportFormatError(number, "has no <MedlineCitation><Article>.")
    pmid = _text(citation.find("PMID"))
    journal = journal_article.find("Journal")
    issue = journal.find("JournalIssue") if journal is not None else None
    title = _title(journal_article)
    author_list = journal_article.find("AuthorList")
    authors = _authors(author_list)
    year = _year(issue.find("PubDate") if issue is not None else None) or _year(
        journal_article.find("ArticleDate")
    )
    doi = _article_id(article.find("PubmedData/ArticleIdList"), "doi") or next(
        (
            _text(location)
            for location in journal_article.findall("ELocationID")
            if location.get("EIdType") == "doi"
        ),
        "",
    )
    return Record(
        source_label=f"record {number} (PMID {pmid})" if pmid else f"record {number}",
        key=f"pmid{pmid}" if pmid else records.suggest_key(authors, year, title),
        key_generated=True,
        kind=records.refine_kind(records.RESEARCH, _publication_types(journal_article)),
        title=title,
        authors=authors,
        et_al=_incomplete(author_list),
        container=_text(journal.find("Title")) if journal is not None else "",
        year=year,
        volume=_text(issue.find("Volume")) if issue is not None else "",
        issue=_text(issue.find("Issue")) if issue is not None else "",
        pages=_pages(journal_article.find("Pagination")) or _article_number(journal_article),
        doi=doi,
        pmid=pmid,
    )


def _book_record(number: int, article: Element) -> Record:
    """A Bookshelf record: a chapter (with its own ArticleTitle and authors, the book as its
    source) or a whole book (titled by its BookTitle, its authors in Book/AuthorList, and its
    publisher as its source)."""
    document = article.find("BookDocument")
    if document is None:
        raise ImportFormatError(number, "has no <BookDocument>.")
    pmid = _text(document.find("PMID"))
    book = document.find("Book")
    if book is None:
        book = Element("Book")
    book_title = _text(book.find("BookTitle"))
    publisher = _text(book.find("Publisher/PublisherName"))
    chapter_title = _title(document)
    if chapter_title and chapter_title != book_title:
        title, container = chapter_title, book_title or publisher
    else:
        title, container = book_title, publisher
    # Chapter authors first; a whole book's are the book's (its editors are not its authors).
    author_lists = [*document.findall("AuthorList"), *book.findall("AuthorList")]
    author_list = next(
        (found for found in author_lists if found.get("Type", "authors") == "authors"), None
    )
    authors = _authors(author_list)
    if not authors and (collective := _text(book.find("CollectiveName"))):
        authors = (collective,)
    year = _year(book.find("PubDate"))
    return Record(
        source_label=f"record {number} (PMID {pmid})" if pmid else f"record {number}",
        key=f"pmid{pmid}" if pmid else records.suggest_key(authors, year, title),
        key_generated=True,
        kind=records.refine_kind(records.TEXTBOOK, _publication_types(document)),
        title=title,
        authors=authors,
        et_al=_incomplete(author_list),
        container=container,
        year=year,
        doi=_article_id(document.find("ArticleIdList"), "doi")
        or _article_id(article.find("PubmedBookData/ArticleIdList"), "doi"),
        pmid=pmid,
    )


def _title(parent: Element) -> str:
    """ArticleTitle (VernacularTitle when PubMed has no English one), without MEDLINE's final
    full stop: PubMed ends every title with one, the journal's title has none."""
    title = _text(parent.find("ArticleTitle")) or _text(parent.find("VernacularTitle"))
    return title[:-1] if title.endswith(".") and not title.endswith("..") else title


def _authors(author_list: Element | None) -> tuple[str, ...]:
    if author_list is None:
        return ()
    names = []
    for author in author_list.findall("Author"):
        if author.get("ValidYN", "Y") != "Y":
            continue  # PubMed keeps wrongly listed authors, marked invalid
        collective = _text(author.find("CollectiveName"))
        family = _text(author.find("LastName"))
        if family:
            given = _text(author.find("Initials")) or _text(author.find("ForeName"))
            names.append(records.author_name(family, given, _text(author.find("Suffix"))))
        elif collective:
            names.append(collective)
    return tuple(names)


def _incomplete(author_list: Element | None) -> bool:
    """PubMed marks an author list it cut short (older MEDLINE records) CompleteYN="N"."""
    return author_list is not None and author_list.get("CompleteYN") == "N"


def _year(date: Element | None) -> int | None:
    if date is None:
        return None
    return records.find_year(_text(date.find("Year")) or _text(date.find("MedlineDate")))


def _pages(pagination: Element | None) -> str:
    """First and last page in full ("1123-1130"), from StartPage/EndPage or MedlinePgn."""
    if pagination is None:
        return ""
    start, end = _text(pagination.find("StartPage")), _text(pagination.find("EndPage"))
    if start:
        return records.normalise_pages(f"{start}-{end}" if end else start)
    return records.normalise_pages(_text(pagination.find("MedlinePgn")))  # "1123-30" in full


def _article_number(journal_article: Element) -> str:
    """An online journal's article number ("e42692"), which stands in for pages: PubMed gives
    it as an ELocationID of type "pii". Longer piis ("S0140-6736(20)30183-5") are publisher
    ids, not article numbers, and are ignored."""
    return next(
        (
            value
            for location in journal_article.findall("ELocationID")
            if location.get("EIdType") == "pii"
            and _ARTICLE_NUMBER_RE.fullmatch(value := _text(location))
        ),
        "",
    )


def _publication_types(parent: Element) -> list[str]:
    return [_text(element) for element in parent.iter("PublicationType")]


def _article_id(id_list: Element | None, id_type: str) -> str:
    # Only the article's own ids: a <ReferenceList> deeper down holds the ids of papers it cites.
    if id_list is None:
        return ""
    return next(
        (_text(item) for item in id_list.findall("ArticleId") if item.get("IdType") == id_type),
        "",
    )


def _text(element: Element | None) -> str:
    """All the text inside an element (titles may hold <i>, <sup> and <sub>), one line."""
    return records.clean_text("".join(element.itertext())) if element is not None else ""


def _offset(text: str, line: int) -> int:
    """The character offset where `line` (1-based) starts."""
    offset = 0
    for _ in range(line - 1):
        offset = text.find("\n", offset) + 1
        if offset == 0:
            return len(text)
    return offset
