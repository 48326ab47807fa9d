"""The client's address behind reverse proxies: the one rule, with no Django in it.

A request's peer is whoever opened the TCP connection. Only when that peer is
one of the trusted proxies (TRUSTED_PROXIES, CIDRs) is X-Forwarded-For
believed, and then only as far as it was written by trusted proxies: the list
is walked from the right (each proxy appends the address it saw) and the first
hop that is not a trusted proxy is the client. Anything a client put in the
header itself stands to the left of that and is ignored. A malformed hop ends
the walk at the last address a trusted proxy vouched for.
"""

import ipaddress
from collections.abc import Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """CIDRs (or single addresses) to networks; raises ValueError for a malformed one."""
    return tuple(ipaddress.ip_network(value.strip(), strict=False) for value in values if value.strip())


def _address(text: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address as proxies write it: bare, or "[v6]:port" / "v4:port"; None if it is not one."""
    if not text:
        return None
    text = text.strip()
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address, networks: tuple[Network, ...]) -> bool:
    return any(address.version == network.version and address in network for network in networks)


def client_address(
    *, peer: str | None, forwarded_for: str | None, trusted: tuple[Network, ...]
) -> str | None:
    """The client's address as a string, or None when even the peer is unknown."""
    current = _address(peer)
    if current is None:
        return None
    if not forwarded_for or not _trusted(current, trusted):
        return str(current)
    for hop in reversed(forwarded_for.split(",")):
        address = _address(hop)
        if address is None:
            break
        current = address
        if not _trusted(address, trusted):
            break
    return str(current)


def peer_is_trusted(*, peer: str | None, trusted: tuple[Network, ...]) -> bool:
    address = _address(peer)
    return address is not None and _trusted(address, trusted)
