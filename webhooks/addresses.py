"""Where webhooks may go: public addresses, and the on-premises networks the operator allows.

An API client chooses the URL, so without this wall it could make the CSMS POST to its own
network (10.x, 169.254.169.254, loopback) and read the answers back. The URL is checked when an
endpoint is saved (a literal address, the scheme) and the resolved address at every connect
(webhooks.transport), since a name can point anywhere, and elsewhere tomorrow.
"""

import ipaddress
from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# 64:ff9b::/96 (NAT64) is global itself but carries the IPv4 address it is translated to.
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class UrlRefusedError(Exception):
    """A URL the CSMS does not send webhooks to; `code` names why (the API's error code)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@lru_cache(maxsize=8)
def _networks(cidrs: tuple[str, ...]) -> tuple[IpNetwork, ...]:
    return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)


def allowed_networks() -> tuple[IpNetwork, ...]:
    return _networks(tuple(settings.WEBHOOK_ALLOWED_NETWORKS))


def embedded_ipv4(address: IpAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped, 6to4, NAT64), which is where a
    connection to it ends up."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_allowed(address: IpAddress) -> bool:
    """Public (globally reachable, not multicast), or inside an allowed network."""
    inner = embedded_ipv4(address)
    allowed = allowed_networks()
    if any(address in network or (inner and inner in network) for network in allowed):
        return True
    target = inner or address
    return address.is_global and target.is_global and not target.is_multicast


def url_check(url: str) -> None:
    """Refuse a scheme other than https (http only where settings allow it) and a host that is
    a literal address outside what address_allowed accepts. Names are checked when sent."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "https" and not (
        parts.scheme.lower() == "http" and settings.WEBHOOK_ALLOW_HTTP
    ):
        raise UrlRefusedError(
            "webhook_url_not_https", "url: webhooks go to https:// URLs only on this server."
        )
    host = (parts.hostname or "").split("%", 1)[0]  # an IPv6 zone names no other address
    if host == "localhost" or host.endswith(".localhost"):
        host = "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return
    if not address_allowed(address):
        raise UrlRefusedError(
            "webhook_url_not_public",
            "url: the host is a private, loopback, link-local or reserved address.",
        )
