"""Where Kaizala may send a connector's events: servers on the public internet, never the ones beside it.

A callback URL is a request the portal makes on someone's say-so. Pointed at 127.0.0.1:6379, a cloud's
metadata service or a 10.x address, it would make the portal reach what only the portal can reach.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# NAT64's well-known prefix (RFC 6052): the last 32 bits are the IPv4 address a translator goes to.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

_FULL_URL_NEEDED = (
    "Write the callback URL in full, starting with https:// and the host, as in https://crm.example.com/kaizala."
)
_OUTSIDE_ONLY = "callbacks go only to servers on the public internet."


class RefusedDestination(ValidationError):
    """The URL may not be called; the message says why, in words for the person who typed it."""

    def __str__(self):
        return self.message


def refuse_internal(url: str) -> None:
    """Raise ``RefusedDestination`` unless ``url`` is http(s) and every address its host resolves to is public.

    Give it the URL as typed: a form's URLField quietly turns ``127.0.0.1:6379`` into ``https://127.0.0.1:6379``.

    Checked when a connector is saved. Delivery, when it exists, must call this again just before each
    request and connect to an address it checked: a name's addresses can change after the save (DNS rebinding).
    """
    parts = urlsplit(url.strip())
    if not parts.scheme or not parts.hostname:
        raise RefusedDestination(_FULL_URL_NEEDED)
    if parts.scheme.lower() not in ("https", "http"):
        raise RefusedDestination("A callback URL starts with https:// (or http://): events are delivered over HTTP.")
    host = parts.hostname
    for address in _addresses_of(host):
        # An IPv6 address can carry an IPv4 one inside it, and the IPv4 one is where the packets go.
        judged = _embedded_ipv4(address) or address
        kind = _why_not_public(judged)
        if kind is None:
            continue
        if host == str(address) == str(judged):
            raise RefusedDestination(f"The callback URL's host {host} is {kind}: {_OUTSIDE_ONLY}")
        raise RefusedDestination(f"The callback URL's host {host} points to {judged}, {kind}: {_OUTSIDE_ONLY}")


def _addresses_of(host: str) -> list[IPAddress]:
    # getaddrinfo also reads the spellings inet_aton accepts (2130706433, 0x7f.1, 0177.0.0.1),
    # which is how a connection would read them too.
    try:
        found = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise RefusedDestination(
            f"The callback URL's host {host} does not resolve to an address; check the spelling."
        ) from None
    # sockaddr[0] is the address; an IPv6 scope travels separately, in sockaddr[3].
    return list(dict.fromkeys(ipaddress.ip_address(sockaddr[0]) for *_, sockaddr in found))


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    if address.version == 4:
        return None
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.ipv4_mapped or address.sixtofour


def _why_not_public(address: IPAddress) -> str | None:
    """What kind of address this is, when it is not one to call; None for a public one."""
    if address.is_unspecified:
        return "the unspecified address (this very server)"
    if address.is_loopback:
        return "a loopback address (this very server)"
    if address.is_link_local:
        return "a link-local address (where cloud metadata services live)"
    # Checked before is_global: some multicast ranges count as global.
    if address.is_multicast:
        return "a multicast address"
    # Before is_private, which also covers the reserved ranges in some Python versions.
    if address.is_reserved:
        return "a reserved address"
    if address.is_private:
        return "a private network address"
    if not address.is_global:
        return "not a public internet address"
    return None
