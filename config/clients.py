"""Who is asking: the client's address, believing X-Forwarded-For only from trusted proxies.

Behind nginx or a load balancer every request reaches gunicorn from the proxy's address, so
REMOTE_ADDR alone makes all readers one client. X-Forwarded-For names the real client, but
anyone can send that header, so it is believed only as far as our own proxies wrote it:

- when the peer (REMOTE_ADDR) is not in TRUSTED_PROXIES, the client is the peer, whatever
  headers it sent;
- when it is, the header is read from the right (each proxy appends the address it saw), past
  every trusted proxy, and the first address that is not one of ours is the client. Addresses
  further left were written by that client and are ignored.

Both the sign-in lockout (django-axes, AXES_CLIENT_IP_CALLABLE) and the readers' question
limit (publishing.views) key on client_address(), so they cannot disagree about who a client is.

django-ipware was considered and not used: it matches its trusted list against the trailing
entries of the header, never against the peer, so a client that reaches gunicorn directly
could name any address by sending the header itself.
"""

import ipaddress

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def parse_networks(text, name="TRUSTED_PROXIES"):
    """Comma-separated addresses or CIDR ranges as a tuple of ip_network.

    Raises ImproperlyConfigured naming the first entry that is not an address or a network
    (including one with host bits set, such as 10.0.0.5/24, which is ambiguous), and refuses a
    range of every address (0.0.0.0/0, ::/0), which would let any client choose its address.
    """
    networks = []
    for entry in (part.strip() for part in (text or "").split(",")):
        if not entry:
            continue
        try:
            network = ipaddress.ip_network(entry, strict=True)
        except ValueError as error:
            raise ImproperlyConfigured(
                f"{name}: {entry!r} is not an IP address or CIDR range ({error})."
            ) from None
        if network.prefixlen == 0:
            raise ImproperlyConfigured(
                f"{name}: {entry!r} would trust every address, so any client could choose "
                "its own; list your proxies' addresses or ranges."
            )
        networks.append(network)
    return tuple(networks)


def _address(text):
    """An address as the proxy wrote it (maybe with a port, or IPv6 in brackets), or None."""
    text = text.strip().strip('"')
    if text.startswith("["):  # [2001:db8::1]:4711
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:  # 203.0.113.7:4711
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    # A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d; compare them as IPv4.
    return getattr(address, "ipv4_mapped", None) or address


def _trusted(address, networks):
    return address is not None and any(address in network for network in networks)


def client_address(request):
    """The address of the client that sent `request`, as a string; None when it has none.

    None means the peer has no IP address (a Unix socket) or a trusted proxy forwarded
    something that is not an address; callers treat every such request as one client.
    """
    peer = _address(request.META.get("REMOTE_ADDR") or "")
    networks = settings.TRUSTED_PROXIES
    if not _trusted(peer, networks):
        return str(peer) if peer else None
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    client = peer
    for hop in reversed(hops):
        client = _address(hop)
        if not _trusted(client, networks):
            break
    # Every hop trusted: the request began at one of our own machines, the left-most.
    return str(client) if client else None
