"""What the TLS-terminating proxy vouches for about a station's connection (no Django here).

nginx terminates TLS in front of daphne and overwrites, on every request, the headers below
with what it saw: the scheme, the outcome of client-certificate verification and the
certificate's subject DN. Anyone who reaches daphne directly can send the same headers, so
they count only when the request also carries the proxy's shared secret; otherwise the
connection is plain and has no client certificate, whatever the headers claim.
"""

import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass

PROXY_SECRET_HEADER = b"x-csms-proxy-secret"
PROTO_HEADER = b"x-forwarded-proto"
CLIENT_VERIFY_HEADER = b"x-ssl-client-verify"
CLIENT_DN_HEADER = b"x-ssl-client-s-dn"
TRUSTED_HEADERS = (PROXY_SECRET_HEADER, PROTO_HEADER, CLIENT_VERIFY_HEADER, CLIENT_DN_HEADER)


@dataclass(frozen=True)
class TransportSecurity:
    """`tls`: the station reached the proxy over TLS. `client_cert_identity`: the subject
    common name of a client certificate the proxy verified against the station CA."""

    tls: bool = False
    client_cert_identity: str | None = None


PLAIN = TransportSecurity()


def transport_security(
    headers: Iterable[tuple[bytes, bytes]], *, proxy_secret: str
) -> TransportSecurity:
    """The transport of a handshake from its ASGI headers (lower-case names).

    Trusted only with the configured `proxy_secret` (compared in constant time); a header
    given twice is ambiguous, so the connection then counts as plain too.
    """
    seen: dict[bytes, list[bytes]] = {}
    for name, value in headers:
        if name in TRUSTED_HEADERS:
            seen.setdefault(name, []).append(value)
    if any(len(values) > 1 for values in seen.values()):
        return PLAIN
    found = {name: values[0] for name, values in seen.items()}
    given_secret = found.get(PROXY_SECRET_HEADER)
    if not proxy_secret or given_secret is None:
        return PLAIN
    if not hmac.compare_digest(given_secret, proxy_secret.encode()):
        return PLAIN
    if found.get(PROTO_HEADER, b"").strip().lower() != b"https":
        return PLAIN
    identity = None
    if found.get(CLIENT_VERIFY_HEADER, b"").strip() == b"SUCCESS":
        identity = common_name(found.get(CLIENT_DN_HEADER, b"").decode("utf-8", "replace"))
    return TransportSecurity(tls=True, client_cert_identity=identity)


def common_name(dn: str) -> str | None:
    """The subject CN of a DN as nginx prints it: RFC 2253 (`CN=CP-1,O=Acme`, nginx 1.11.6+)
    or the legacy `/O=Acme/CN=CP-1`. None when there is no CN, more than one, or the DN
    cannot be read without guessing."""
    try:
        rdns = parse_legacy_dn(dn) if dn.startswith("/") else parse_rfc2253(dn)
    except ValueError:
        return None
    names = [value for rdn in rdns for key, value in rdn if key.upper() in ("CN", "2.5.4.3")]
    return names[0] if len(names) == 1 and names[0] else None


Rdn = list[tuple[str, str]]

_HEX = re.compile(r"[0-9A-Fa-f]{2}")
_SPECIAL = ',+"\\<>;= #'
_LEGACY_PART = re.compile(r"^([A-Za-z][A-Za-z0-9.-]*)=(.*)$", re.DOTALL)


def parse_rfc2253(dn: str) -> list[Rdn]:
    """RDNs of an RFC 2253 / 4514 string: `,` between RDNs, `+` inside multi-valued ones,
    `\\,`-style and `\\2C`-style (UTF-8 bytes) escapes. Raises ValueError when malformed."""
    rdns: list[Rdn] = []
    rdn: Rdn = []
    position = 0
    while True:
        key, position = _read_key(dn, position)
        value, position = _read_value(dn, position)
        rdn.append((key, value))
        if position == len(dn):
            rdns.append(rdn)
            return rdns
        separator = dn[position]
        position += 1
        if separator == ",":
            rdns.append(rdn)
            rdn = []


def _read_key(dn: str, position: int) -> tuple[str, int]:
    equals = dn.find("=", position)
    key = dn[position:equals].strip() if equals >= 0 else ""
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9-]*|\d+(\.\d+)*", key):
        raise ValueError(f"no attribute type at {position} in {dn!r}")
    return key, equals + 1


def _read_value(dn: str, position: int) -> tuple[str, int]:
    """The unescaped value from `position` to the next unescaped `,` or `+`."""
    raw = bytearray()
    while position < len(dn) and dn[position] not in ",+":
        char = dn[position]
        if char != "\\":
            raw += char.encode()
            position += 1
        elif _HEX.fullmatch(dn[position + 1 : position + 3]):
            raw.append(int(dn[position + 1 : position + 3], 16))
            position += 3
        elif position + 1 < len(dn) and dn[position + 1] in _SPECIAL:
            raw += dn[position + 1].encode()
            position += 2
        else:
            raise ValueError(f"bad escape at {position} in {dn!r}")
    return raw.decode("utf-8"), position


def parse_legacy_dn(dn: str) -> list[Rdn]:
    """RDNs of OpenSSL's legacy one-line form. A `/` inside a value cannot be told from a
    separator, so any part that is not `type=value` makes the whole DN unreadable."""
    rdns: list[Rdn] = []
    for part in dn[1:].split("/"):
        match = _LEGACY_PART.match(part)
        if match is None:
            raise ValueError(f"ambiguous legacy DN {dn!r}")
        rdns.append([(match.group(1), match.group(2))])
    return rdns
