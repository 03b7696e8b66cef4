"""The proxy's headers become a TransportSecurity only with the shared secret."""

import pytest

from ocpp_bridge.charger.tls_proxy import (
    PLAIN,
    TransportSecurity,
    common_name,
    parse_rfc2253,
    transport_security,
)

SECRET = "s3cret-shared-with-nginx"


def proxied(
    *, secret: str = SECRET, proto: str = "https", verify: str = "SUCCESS", dn: str = "CN=CP-1"
) -> list[tuple[bytes, bytes]]:
    return [
        (b"host", b"csms.example.com"),
        (b"x-forwarded-proto", proto.encode()),
        (b"x-ssl-client-verify", verify.encode()),
        (b"x-ssl-client-s-dn", dn.encode()),
        (b"x-csms-proxy-secret", secret.encode()),
    ]


def test_verified_certificate_through_the_proxy_names_the_station() -> None:
    security = transport_security(proxied(), proxy_secret=SECRET)
    assert security == TransportSecurity(tls=True, client_cert_identity="CP-1")


def test_tls_without_a_certificate_has_no_identity() -> None:
    security = transport_security(proxied(verify="NONE", dn=""), proxy_secret=SECRET)
    assert security == TransportSecurity(tls=True, client_cert_identity=None)


@pytest.mark.parametrize("verify", ["FAILED:unable to get local issuer certificate", "", "success"])
def test_a_certificate_that_failed_verification_has_no_identity(verify: str) -> None:
    security = transport_security(proxied(verify=verify), proxy_secret=SECRET)
    assert security == TransportSecurity(tls=True, client_cert_identity=None)


def test_plain_http_through_the_proxy_is_not_tls() -> None:
    assert transport_security(proxied(proto="http"), proxy_secret=SECRET) == PLAIN


def test_headers_with_a_wrong_secret_are_ignored() -> None:
    assert transport_security(proxied(secret="guess"), proxy_secret=SECRET) == PLAIN


def test_headers_without_the_secret_are_ignored() -> None:
    headers = [h for h in proxied() if h[0] != b"x-csms-proxy-secret"]
    assert transport_security(headers, proxy_secret=SECRET) == PLAIN


def test_without_a_configured_secret_nothing_is_trusted() -> None:
    assert transport_security(proxied(secret=""), proxy_secret="") == PLAIN


def test_a_trusted_header_given_twice_is_ambiguous() -> None:
    headers = [*proxied(dn="CN=CP-1"), (b"x-ssl-client-s-dn", b"CN=CP-2")]
    assert transport_security(headers, proxy_secret=SECRET) == PLAIN


@pytest.mark.parametrize(
    ("dn", "cn"),
    [
        ("CN=CP-1,O=Acme", "CP-1"),
        ("CN=CP-1,OU=Chargers,O=Acme\\, Inc.,C=DE", "CP-1"),
        ("O=Acme\\, Inc. \\+ Sons,CN=CP-1", "CP-1"),
        ("cn=CP-1", "CP-1"),
        ("2.5.4.3=CP-1,O=Acme", "CP-1"),
        ("CN=CP\\,1", "CP,1"),
        ("CN=CP\\2C1", "CP,1"),
        ("CN=Ladestation M\\C3\\BCnchen", "Ladestation München"),
        ("CN=CP-1+serialNumber=42,O=Acme", "CP-1"),
        ("emailAddress=ops@example.com,CN=CP-1", "CP-1"),
        ("/C=DE/O=Acme/CN=CP-1", "CP-1"),
    ],
)
def test_common_name_of_the_dn_formats_nginx_prints(dn: str, cn: str) -> None:
    assert common_name(dn) == cn


@pytest.mark.parametrize(
    "dn",
    [
        "",
        "O=Acme",  # no CN
        "CN=CP-1,CN=CP-2",  # two: which one is the station?
        "CN=CP-1,",  # truncated
        "CN=CP\\1",  # a broken escape
        "CN=\\FF",  # not UTF-8
        "CN=",  # empty
        "/O=Acme/Ops/CN=CP-1",  # legacy form with a '/' in a value: ambiguous
        "garbage",
    ],
)
def test_unreadable_or_ambiguous_dns_name_nobody(dn: str) -> None:
    assert common_name(dn) is None


def test_parse_rfc2253_keeps_multi_valued_rdns_together() -> None:
    assert parse_rfc2253("CN=CP-1+serialNumber=42,O=A\\,B") == [
        [("CN", "CP-1"), ("serialNumber", "42")],
        [("O", "A,B")],
    ]
