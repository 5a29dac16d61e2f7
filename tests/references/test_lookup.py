"""Filling a reference from a DOI or a PubMed ID, against a local server that replays recorded
Crossref and E-utilities answers (tests/fixtures/lookup): found, not found, too slow, broken,
switched off. Nothing here reaches the internet."""

import contextlib
import os
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.urls import reverse

from references import lookup
from references.models import Reference
from tests import factories
from tests.clients import logged_in

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "lookup"
KNOWN_DOI = "10.5555/vetted.k2.2020"
KNOWN_PMID = "31000001"
SLOW = 1.5  # seconds the fake server waits before a "slow" answer
TIMEOUT = 0.4  # the client's timeout in these tests


class FakeServices(BaseHTTPRequestHandler):
    """Crossref's /works/{doi} and E-utilities' /efetch.fcgi, as far as the tests need them."""

    requests = []

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        FakeServices.requests.append((url.path, self.headers.get("User-Agent", "")))
        if url.path.startswith("/crossref/works/"):
            doi = urllib.parse.unquote(url.path.removeprefix("/crossref/works/"))
            if doi == KNOWN_DOI:
                return self.answer(200, "application/json", (FIXTURES / "crossref_work.json"))
            if doi == "10.5555/slow":
                time.sleep(SLOW)
                return self.answer(200, "application/json", (FIXTURES / "crossref_work.json"))
            if doi == "10.5555/broken":
                return self.answer(200, "application/json", b'{"status": "ok", "mess')
            if doi == "10.5555/busy":
                return self.answer(503, "text/plain", b"Service Unavailable")
            return self.answer(404, "text/plain", b"Resource not found.")
        if url.path == "/eutils/efetch.fcgi":
            query = urllib.parse.parse_qs(url.query)
            assert query["db"] == ["pubmed"]
            pmid = query["id"][0]
            if pmid == KNOWN_PMID:
                return self.answer(200, "text/xml", FIXTURES / "pubmed_efetch.xml")
            if pmid == "42":
                time.sleep(SLOW)
                return self.answer(200, "text/xml", FIXTURES / "pubmed_efetch.xml")
            return self.answer(200, "text/xml", FIXTURES / "pubmed_efetch_empty.xml")
        return self.answer(404, "text/plain", b"No such path.")

    def answer(self, status, content_type, body):
        data = body.read_bytes() if isinstance(body, Path) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        # The client may have given up waiting, as the timeout tests intend.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(data)

    def log_message(self, *args):
        pass


# A loopback port for the fake server: VETTED_TEST_PORTS ("33800-33899") keeps test servers in
# a range of their own on a shared machine; without it the system picks a free port.
def fake_server():
    first, _, last = os.environ.get("VETTED_TEST_PORTS", "0-0").partition("-")
    for port in range(int(first), int(last or first) + 1):
        try:
            return ThreadingHTTPServer(("127.0.0.1", port), FakeServices)
        except OSError:
            continue
    raise RuntimeError(f"no free port in VETTED_TEST_PORTS={os.environ['VETTED_TEST_PORTS']}")


@pytest.fixture(scope="module")
def fake_services():
    server = fake_server()
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def services(settings, fake_services):
    settings.REFERENCE_LOOKUP = True
    settings.REFERENCE_LOOKUP_TIMEOUT = TIMEOUT
    settings.REFERENCE_LOOKUP_MAILTO = "desk@example.org"
    settings.CROSSREF_API_URL = f"{fake_services}/crossref"
    settings.EUTILS_URL = f"{fake_services}/eutils"
    FakeServices.requests = []
    return fake_services


def test_a_doi_fills_the_reference_from_crossref(services):
    record = lookup.lookup_doi(f"https://doi.org/{KNOWN_DOI.upper()}")
    assert record.title.startswith("Role of vitamin K2 in bone metabolism")
    assert record.authors == ("Example A", "Sample B")
    assert record.container == "Gynecological Endocrinology"
    assert (record.year, record.volume, record.issue, record.pages) == (2020, "36", "3", "191-196")
    assert record.doi == KNOWN_DOI
    assert record.kind == "research"
    path, agent = FakeServices.requests[-1]
    assert path == "/crossref/works/10.5555%2Fvetted.k2.2020"
    assert "mailto:desk@example.org" in agent


def test_a_pmid_fills_the_reference_from_pubmed(services):
    record = lookup.lookup_pmid(f"PMID: {KNOWN_PMID}")
    assert record.title == "[Vitamin K2]"
    assert record.authors == ("Samplewood K",)
    assert record.container == "Clinical calcium"
    assert record.year == 2008
    assert record.pmid == KNOWN_PMID
    assert record.doi == "10.5555/vetted.clincalcium.2008"
    assert record.kind == "review"


def test_an_unknown_doi_is_a_clear_not_found(services):
    with pytest.raises(lookup.NotFound, match=r"Crossref has no record of DOI 10\.5555/nothing"):
        lookup.lookup_doi("10.5555/nothing")


def test_an_unknown_pmid_is_a_clear_not_found(services):
    with pytest.raises(lookup.NotFound, match="PubMed has no article with PMID 7"):
        lookup.lookup_pmid("7")


@pytest.mark.parametrize(
    ("call", "value", "service"),
    [(lookup.lookup_doi, "10.5555/slow", "Crossref"), (lookup.lookup_pmid, "42", "PubMed")],
)
def test_a_slow_service_times_out_with_a_clear_error(services, call, value, service):
    started = time.monotonic()
    with pytest.raises(lookup.LookupFailed, match=f"{service} did not answer within 0.4 seconds"):
        call(value)
    assert time.monotonic() - started < SLOW


def test_a_broken_answer_or_a_server_error_is_a_clear_failure(services):
    with pytest.raises(lookup.LookupFailed, match="could not be read"):
        lookup.lookup_doi("10.5555/broken")
    with pytest.raises(lookup.LookupFailed, match="Crossref answered 503"):
        lookup.lookup_doi("10.5555/busy")


def test_an_unreachable_service_is_a_clear_failure(services, settings):
    settings.CROSSREF_API_URL = "http://127.0.0.1:9/crossref"  # the discard port: refused
    with pytest.raises(lookup.LookupFailed, match="Crossref could not be reached"):
        lookup.lookup_doi(KNOWN_DOI)


def test_text_that_is_no_identifier_is_refused_before_asking(services):
    with pytest.raises(lookup.ReferenceLookupError, match="DOI"):
        lookup.lookup_doi("not a doi")
    with pytest.raises(lookup.ReferenceLookupError):
        lookup.lookup_pmid("12ab")
    assert FakeServices.requests == []


def test_the_lookup_is_off_unless_switched_on(settings, fake_services):
    settings.REFERENCE_LOOKUP = False
    settings.CROSSREF_API_URL = f"{fake_services}/crossref"
    FakeServices.requests = []
    with pytest.raises(lookup.LookupDisabled, match="switched off"):
        lookup.lookup_doi(KNOWN_DOI)
    assert FakeServices.requests == []


# The admin page that uses it


def lookup_url():
    return reverse("admin:references_reference_lookup")


@pytest.mark.django_db
def test_the_admin_opens_the_add_form_filled_from_a_doi(client, editor, services):
    logged_in(client, editor)
    response = client.post(lookup_url(), {"identifier": f"doi:{KNOWN_DOI}"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:references_reference_add") + "?")
    form = client.get(response.url).context["adminform"].form
    assert form["title"].value().startswith("Role of vitamin K2 in bone metabolism")
    assert form["authors"].value() == "Example A\nSample B"
    assert form["year"].value() == "2020"
    assert form["doi"].value() == KNOWN_DOI
    assert not Reference.objects.exists()  # nothing is saved until the editor saves


@pytest.mark.django_db
def test_the_admin_fills_from_a_pmid(client, editor, services):
    logged_in(client, editor)
    response = client.post(lookup_url(), {"identifier": f"PMID {KNOWN_PMID}"})
    form = client.get(response.url).context["adminform"].form
    assert form["pmid"].value() == KNOWN_PMID
    assert form["kind"].value() == "review"


@pytest.mark.django_db
def test_the_admin_shows_not_found_and_keeps_the_identifier(client, editor, services):
    logged_in(client, editor)
    response = client.post(lookup_url(), {"identifier": "10.5555/nothing"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Crossref has no record of DOI 10.5555/nothing." in page
    assert 'value="10.5555/nothing"' in page


@pytest.mark.django_db
def test_the_admin_refuses_a_reference_the_library_holds(client, editor, services):
    factories.ReferenceFactory(key="k2-2020", doi=KNOWN_DOI)
    logged_in(client, editor)
    response = client.post(lookup_url(), {"identifier": KNOWN_DOI})
    assert "already holds this reference as [@k2-2020]" in response.content.decode()


@pytest.mark.django_db
def test_the_admin_says_when_the_lookup_is_off(client, editor, settings):
    settings.REFERENCE_LOOKUP = False
    logged_in(client, editor)
    assert "switched off" in client.get(lookup_url()).content.decode()
    response = client.post(lookup_url(), {"identifier": KNOWN_DOI})
    assert "switched off" in response.content.decode()


@pytest.mark.django_db
def test_the_admin_lookup_needs_add_permission(client, services):
    logged_in(client, factories.UserFactory(is_staff=True, username="staffer"))
    assert client.post(lookup_url(), {"identifier": KNOWN_DOI}).status_code == 403
    assert FakeServices.requests == []
