"""POST a webhook with the standard library; no Django here.

Redirects are not followed (a 3xx is a failed attempt), so a receiver cannot
bounce a delivery to an address the checks below would refuse. With
`allow_private=False` every address the host name resolves to must be
global, and the socket connects to exactly the address that was checked, so
DNS answers that change between the check and the connect (rebinding) do not
get through.
"""

import http.client
import ipaddress
import socket
from urllib.parse import urlsplit

SCHEMES = ("http", "https")
# Enough to see the status line; receivers' bodies are never stored or logged.
MAX_RESPONSE_BYTES = 64 * 1024


class UnsupportedURL(ValueError):
    """Not an http(s) URL with a host name, or one with credentials in it."""


class AddressRefused(ConnectionError):
    """The host resolves to a loopback, private, link-local or otherwise non-public address."""


def url_check(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise UnsupportedURL("Only http and https URLs with a host name can receive webhooks.")
    if parts.username is not None or parts.password is not None:
        raise UnsupportedURL("Put no credentials in the URL; verify the signature instead.")
    try:
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as exc:
        raise UnsupportedURL("The port is not valid.") from exc


_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052: the last 32 bits are an IPv4 address
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215, local use


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries and routes to (mapped, compatible, NAT64, 6to4, Teredo)."""
    found = []
    if ip.ipv4_mapped is not None:
        found.append(ip.ipv4_mapped)
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)  # (server, client)
    if ip in _NAT64 or (ip.packed[:12] == bytes(12) and int(ip) > 1):  # NAT64, "::a.b.c.d"
        found.append(ipaddress.IPv4Address(ip.packed[12:]))
    return found


def is_public_address(address: str) -> bool:
    """Global unicast only; an IPv6 address that embeds an IPv4 one is judged by that one too."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.is_site_local or ip in _NAT64_LOCAL:  # fec0::/10 is deprecated but still routed
            return False
        embedded = _embedded_ipv4(ip)
        if embedded:
            return all(v4.is_global and not v4.is_multicast for v4 in embedded)
    return ip.is_global and not ip.is_multicast


def resolve(host: str, port: int, *, allow_private: bool) -> list[tuple]:
    """getaddrinfo for a TCP connection; refuses the host if any address is not public."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    if not allow_private and not all(is_public_address(info[4][0]) for info in infos):
        raise AddressRefused("The webhook host resolves to a non-public address.")
    return infos


def _connect(infos: list[tuple], timeout: float | None) -> socket.socket:
    last_error: OSError | None = None
    for family, type_, proto, _, sockaddr in infos:
        sock = socket.socket(family, type_, proto)
        try:
            sock.settimeout(timeout)
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            sock.close()
            last_error = exc
    raise last_error or OSError("The host name resolved to no address.")


def post(url: str, *, body: bytes, headers: dict[str, str], timeout: float, allow_private: bool) -> int:
    """POST `body` to `url` and return the response status code.

    Raises UnsupportedURL, AddressRefused, OSError (connection, TLS, timeout)
    or http.client.HTTPException (a broken response).
    """
    url_check(url)
    parts = urlsplit(url)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.hostname, parts.port, timeout=timeout)

    def create_connection(address, timeout=None, source_address=None):
        return _connect(resolve(address[0], address[1], allow_private=allow_private), timeout)

    # Trap: http.client opens its socket through this instance attribute (HTTPS wraps it in
    # TLS afterwards, with the host name for SNI and certificate checks), so replacing it is
    # the one place where the checked address is also the connected one.
    connection._create_connection = create_connection  # type: ignore[attr-defined]
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(MAX_RESPONSE_BYTES)
        return response.status
    finally:
        connection.close()
