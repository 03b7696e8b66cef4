"""Each security profile's rules, given what the proxy vouched for."""

import base64
import logging

import pytest

from assets.models import SecurityProfile
from assets.selectors import station_authenticate
from ocpp_bridge.charger.tls_proxy import PLAIN, TransportSecurity
from tests.conftest import STATION_PASSWORD

pytestmark = pytest.mark.django_db

TLS = TransportSecurity(tls=True)


def basic(user: str, password: str = STATION_PASSWORD) -> bytes:
    return b"Basic " + base64.b64encode(f"{user}:{password}".encode())


def cert_of(identity: str) -> TransportSecurity:
    return TransportSecurity(tls=True, client_cert_identity=identity)


def test_profile_1_accepts_basic_auth_with_or_without_tls(make_station) -> None:
    make_station("CP-1")
    for transport in (PLAIN, TLS, cert_of("CP-1")):
        assert station_authenticate(
            identity="CP-1", authorization=basic("CP-1"), transport=transport
        )


def test_profile_1_still_needs_the_password_over_tls(make_station) -> None:
    make_station("CP-1")
    auth = basic("CP-1", "wrong-password-123")
    assert station_authenticate(identity="CP-1", authorization=auth, transport=TLS) is None


def test_profile_2_needs_tls(make_station) -> None:
    make_station("CP-2", security_profile=SecurityProfile.TLS_BASIC_AUTH)
    assert station_authenticate(identity="CP-2", authorization=basic("CP-2")) is None
    assert station_authenticate(identity="CP-2", authorization=basic("CP-2"), transport=TLS)


def test_profile_2_needs_the_password_even_with_a_certificate(make_station) -> None:
    make_station("CP-2", security_profile=SecurityProfile.TLS_BASIC_AUTH)
    for authorization in (None, basic("CP-2", "wrong-password-123"), basic("CP-X")):
        refused = station_authenticate(
            identity="CP-2", authorization=authorization, transport=cert_of("CP-2")
        )
        assert refused is None


def test_profile_3_accepts_its_own_certificate_and_ignores_basic_auth(make_station) -> None:
    make_station("CP-3", security_profile=SecurityProfile.TLS_CLIENT_CERT)
    for authorization in (None, basic("CP-3"), basic("CP-3", "stale-password-1234")):
        accepted = station_authenticate(
            identity="CP-3", authorization=authorization, transport=cert_of("CP-3")
        )
        assert accepted is not None and accepted.identity == "CP-3"


@pytest.mark.parametrize(
    "transport",
    [
        PLAIN,
        TLS,
        cert_of("CP-OTHER"),
        cert_of("cp-3"),
        TransportSecurity(client_cert_identity="CP-3"),
    ],
    ids=["plain", "tls-no-cert", "other-identity", "other-case", "cert-without-tls"],
)
def test_profile_3_refuses_anything_but_its_own_certificate(make_station, transport) -> None:
    make_station("CP-3", security_profile=SecurityProfile.TLS_CLIENT_CERT)
    assert (
        station_authenticate(identity="CP-3", authorization=basic("CP-3"), transport=transport)
        is None
    )


def test_refusals_are_logged_with_the_reason_and_no_secret(make_station, caplog) -> None:
    make_station("CP-2", security_profile=SecurityProfile.TLS_BASIC_AUTH)
    make_station("CP-3", security_profile=SecurityProfile.TLS_CLIENT_CERT)
    caplog.set_level(logging.INFO, logger="assets.selectors")
    station_authenticate(identity="CP-2", authorization=basic("CP-2"))
    station_authenticate(
        identity="CP-2", authorization=basic("CP-2", "wrong-password-123"), transport=TLS
    )
    station_authenticate(identity="CP-3", authorization=None, transport=cert_of("CP-OTHER"))
    station_authenticate(identity="CP-9", authorization=None)
    messages = [record.getMessage() for record in caplog.records]
    assert messages == [
        "Refused station 'CP-2': security profile 2 needs TLS through the proxy",
        "Refused station 'CP-2': wrong password",
        "Refused station 'CP-3': client certificate is for 'CP-OTHER'",
        "Refused station 'CP-9': unknown identity",
    ]
    assert not any("wrong-password" in message for message in messages)
