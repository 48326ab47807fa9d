"""How much of a visitor's IP address is stored: the site's `ip_handling` decides.

- off: nothing (the default).
- anonymised: the network part only, as Matomo does: an IPv4 address loses
  its last octet (203.0.113.77 -> 203.0.113.0), an IPv6 address its last 80
  bits (2001:db8:85a3:8d3:1319:8a2e:370:7348 -> 2001:db8:85a3::). An
  IPv4-mapped IPv6 address (::ffff:203.0.113.77) is treated as the IPv4
  address it carries.
- full: the whole address, normalised (IPv4-mapped shown as IPv4, IPv6
  compressed, zone id dropped).

Anything that is not an IP address stores nothing. Never log the address.
"""

import ipaddress

from accounts.models import Site

IPV4_KEPT_BITS = 24
IPV6_KEPT_BITS = 48


def ip_for_storage(*, site: Site, ip: str | None) -> str | None:
    """The value to store in `Visitor.ip_address` for a client at `ip`, or None."""
    if site.ip_handling not in (Site.IpHandling.ANONYMISED, Site.IpHandling.FULL) or not ip:
        return None
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        # Drops a zone id ("fe80::1%eth0"): it names the server's interface, not the client.
        address = address.ipv4_mapped or ipaddress.IPv6Address(int(address))
    if site.ip_handling == Site.IpHandling.FULL:
        return str(address)
    kept = IPV4_KEPT_BITS if address.version == 4 else IPV6_KEPT_BITS
    return str(ipaddress.ip_network((address, kept), strict=False).network_address)
