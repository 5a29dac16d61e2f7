"""config.clients.client_address: X-Forwarded-For is believed only as far as our proxies wrote
it."""

import pytest
from django.test import RequestFactory

from config.clients import client_address, parse_networks

PROXY = "10.0.0.2"  # nginx on the app server's network


@pytest.fixture
def trust(settings):
    def trust(text):
        settings.TRUSTED_PROXIES = parse_networks(text)

    return trust


def address_of(peer, forwarded=None):
    headers = {} if forwarded is None else {"HTTP_X_FORWARDED_FOR": forwarded}
    return client_address(RequestFactory().get("/", REMOTE_ADDR=peer, **headers))


def test_with_no_trusted_proxy_the_peer_is_the_client_whatever_it_forwards(trust):
    trust("")

    assert address_of("203.0.113.7") == "203.0.113.7"
    assert address_of("203.0.113.7", "198.51.100.1") == "203.0.113.7"


def test_behind_a_trusted_proxy_the_client_is_the_address_it_forwarded(trust):
    trust(PROXY)

    assert address_of(PROXY, "203.0.113.7") == "203.0.113.7"
    assert address_of(PROXY, "198.51.100.9") == "198.51.100.9"


def test_a_client_cannot_choose_its_address_by_sending_the_header_itself(trust):
    trust(PROXY)

    # nginx appends the address it saw to what the client sent: the left part is the client's.
    assert address_of(PROXY, "1.2.3.4, 203.0.113.7") == "203.0.113.7"
    # A client that reaches gunicorn directly is its own address, even naming our proxy.
    assert address_of("203.0.113.7", f"1.2.3.4, {PROXY}") == "203.0.113.7"


def test_every_trusted_hop_is_skipped_from_the_right(trust):
    trust("10.0.0.0/8, 192.0.2.10")

    # CDN edge 192.0.2.10 -> load balancer 10.1.2.3 -> nginx 10.0.0.2 -> gunicorn.
    assert address_of(PROXY, "1.2.3.4, 203.0.113.7, 192.0.2.10, 10.1.2.3") == "203.0.113.7"


def test_a_request_that_began_at_a_trusted_machine_is_its_first_hop(trust):
    trust("10.0.0.0/8")

    assert address_of(PROXY, "10.9.9.9, 10.1.2.3") == "10.9.9.9"
    assert address_of(PROXY) == PROXY


def test_ports_brackets_and_ipv6_are_read_as_proxies_write_them(trust):
    trust(f"{PROXY}, 2001:db8::/32")

    assert address_of(PROXY, "203.0.113.7:51234") == "203.0.113.7"
    assert address_of(PROXY, "[2001:db9::1]:443") == "2001:db9::1"
    assert address_of("2001:db8::2", "198.51.100.4") == "198.51.100.4"
    # A dual-stack socket reports an IPv4 proxy as ::ffff:10.0.0.2; it is still trusted.
    assert address_of(f"::ffff:{PROXY}", "198.51.100.4") == "198.51.100.4"


def test_a_forwarded_value_that_is_not_an_address_gives_no_address(trust):
    trust(PROXY)

    assert address_of(PROXY, "unknown") is None
    assert address_of("", "203.0.113.7") is None
