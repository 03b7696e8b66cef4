"""The HTTP client of webhook deliveries: it connects only to addresses webhooks.addresses
allows, and to the very address it checked.

Checking a name's address and then letting the HTTP library resolve it again would leave a
window (DNS rebinding: a public answer for the check, 127.0.0.1 for the connect). So the name is
resolved here, once per connection, each address checked, and the socket opened to that
address; TLS still verifies the certificate against the name. No proxy from the environment
(it would make the connect elsewhere) and no redirects.
"""

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Iterable

import httpcore
import httpx
from httpcore._backends.auto import AutoBackend

from webhooks.addresses import UrlRefusedError, address_allowed


class AddressNotAllowedError(Exception):
    """The host resolved to an address webhooks may not go to."""


class NameNotResolvedError(Exception):
    """The host's name has no address."""


class PublicOnlyAsyncBackend(AutoBackend):
    """The same wall for the asyncio sender: the name is resolved in a thread (getaddrinfo
    blocks), every address checked, and only the checked addresses connected to."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        candidates = await asyncio.to_thread(_resolve, host, port)
        last_error: httpcore.ConnectError | None = None
        for address in _allowed(host, candidates):
            try:
                return await super().connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as error:
                last_error = error
        assert last_error is not None
        raise last_error


def _allowed(
    host: str, candidates: list[ipaddress.IPv4Address | ipaddress.IPv6Address]
) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    allowed = [address for address in candidates if address_allowed(address)]
    if not allowed or len(allowed) != len(candidates):
        # Any refused address refuses the name: a name that answers both public and
        # private addresses is a rebinding attempt, not a receiver.
        raise AddressNotAllowedError(host)
    return allowed


def _resolve(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(host.split("%", 1)[0])]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise NameNotResolvedError(host) from None
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    return list(dict.fromkeys(addresses))


class PublicOnlyAsyncTransport(httpx.AsyncHTTPTransport):
    def __init__(self, limits: httpx.Limits) -> None:
        super().__init__(trust_env=False, limits=limits)
        # httpx takes no network backend; its pool is rebuilt with the same settings and ours
        # (tests/webhooks/test_address_wall_delivery.py fails if a new httpx stops using it).
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),  # SSL_CERT_FILE still names a CA
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=PublicOnlyAsyncBackend(),
        )


def async_public_only_client(limits: httpx.Limits) -> httpx.AsyncClient:
    """Only a 2xx counts: a redirect is the receiver's error, never followed."""
    return httpx.AsyncClient(
        transport=PublicOnlyAsyncTransport(limits), follow_redirects=False, trust_env=False
    )


def failure_class(error: Exception) -> str:
    """What a subscriber needs to know of a failed connect or exchange, in a few fixed words:
    the raw exception text would name hosts and ports (a port scanner for the client)."""
    if isinstance(error, UrlRefusedError):
        return "https required" if error.code == "webhook_url_not_https" else "address not allowed"
    if isinstance(error, AddressNotAllowedError):
        return "address not allowed"
    if isinstance(error, NameNotResolvedError):
        return "name not resolved"
    if isinstance(error, httpx.TimeoutException):
        return "timeout"
    causes = _causes(error)
    if any(isinstance(cause, ConnectionRefusedError) for cause in causes):
        return "connection refused"
    if any(isinstance(cause, ssl.SSLError) for cause in causes):
        return "TLS error"
    if isinstance(error, httpx.ConnectError):
        return "connection failed"
    if isinstance(error, httpx.RemoteProtocolError | httpx.DecodingError):
        return "invalid HTTP answer"
    if isinstance(error, httpx.InvalidURL):
        return "invalid URL"
    return "connection error"


def _causes(error: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and len(chain) < 10:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain
