import pytest

from references.identifiers import doi_url, normalise_doi, normalise_pmid, pubmed_url


@pytest.mark.parametrize(
    "value",
    [
        "10.1000/ABC.def",
        "  10.1000/abc.DEF \n",
        "doi:10.1000/abc.def",
        "DOI: 10.1000/abc.def",
        "https://doi.org/10.1000/abc.def",
        "http://doi.org/10.1000/abc.def",
        "http://dx.doi.org/10.1000/ABC.DEF",
        "https://DX.DOI.ORG/10.1000/abc.def",
        "doi.org/10.1000/abc.def",
    ],
)
def test_doi_prefixes_are_stripped_and_the_doi_lowercased(value):
    assert normalise_doi(value) == "10.1000/abc.def"


def test_doi_from_a_resolver_url_is_percent_decoded():
    assert normalise_doi("https://doi.org/10.1002/%28SICI%291097") == "10.1002/(sici)1097"


@pytest.mark.parametrize("value", ["", "   ", None])
def test_empty_doi_normalises_to_empty_string(value):
    assert normalise_doi(value) == ""


@pytest.mark.parametrize(
    "value",
    [
        "not a doi",
        "11.1000/abc",
        "10.100/abc",  # registrant code needs at least four digits
        "10.1000/",
        "10.1000",
        "10.1000/abc def",
        "10.1000/abc\x00",
        "javascript:alert(1)",
        "https://example.com/10.1000/abc",
        "10.١٠٠٠/abc",  # non-ASCII digits
    ],
)
def test_invalid_doi_raises_value_error_naming_the_value(value):
    with pytest.raises(ValueError, match="is not a DOI"):
        normalise_doi(value)


@pytest.mark.parametrize(
    "value",
    ["123", " 123 ", "PMID: 00123", "pmid:123", "PMID 123", "PMID123", 123, "000123"],
)
def test_pmid_is_digits_without_prefix_or_leading_zeros(value):
    assert normalise_pmid(value) == "123"


@pytest.mark.parametrize("value", ["", "  ", None])
def test_empty_pmid_normalises_to_empty_string(value):
    assert normalise_pmid(value) == ""


@pytest.mark.parametrize(
    "value", ["abc", "12a3", "PMID:", "0", "000", "-5", "1.5", "１２３", "PMC123", "12 34"]
)
def test_junk_pmid_raises_value_error(value):
    with pytest.raises(ValueError, match="is not a PubMed ID"):
        normalise_pmid(value)


def test_doi_url_keeps_slashes_and_percent_quotes_the_rest():
    assert doi_url("10.1000/abc/def") == "https://doi.org/10.1000/abc/def"
    assert doi_url("10.1002/(SICI)1097<x>#?\"'") == (
        "https://doi.org/10.1002/%28sici%291097%3Cx%3E%23%3F%22%27"
    )


def test_doi_url_normalises_first_and_is_empty_without_a_doi():
    assert doi_url("doi:10.1000/XYZ") == "https://doi.org/10.1000/xyz"
    assert doi_url("") == ""
    with pytest.raises(ValueError):
        doi_url("nope")


def test_pubmed_url_points_at_the_pubmed_page():
    assert pubmed_url("PMID: 0042") == "https://pubmed.ncbi.nlm.nih.gov/42/"
    assert pubmed_url("") == ""
    with pytest.raises(ValueError):
        pubmed_url("x")
