"""Security profiles over real sockets: stations reach daphne through nginx terminating TLS
with the production template, and the test certificates."""

import asyncio
import base64
import ssl

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from assets.models import SecurityProfile
from ocpp_bridge.models import ChargerConnection
from tests.conftest import STATION_PASSWORD
from tests.e2e.raw_station import RawStation
from tests.security.certs import Issued, client_context
from tests.security.conftest import PROXY_SECRET, Stack

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("settled"),
]

PROTOCOL = "ocpp2.0.1"
BOOT = {"reason": "PowerUp", "chargingStation": {"model": "TLS", "vendorName": "Acme"}}
WRONG_PASSWORD = "not-the-password-at-all"


async def handshake(
    url: str,
    identity: str,
    *,
    password: str | None = STATION_PASSWORD,
    context: ssl.SSLContext | None = None,
    headers: dict[str, str] | None = None,
) -> int:
    """101 when the handshake succeeds (then closes), else the HTTP status of the refusal."""
    extra = dict(headers or {})
    if password is not None:
        token = base64.b64encode(f"{identity}:{password}".encode()).decode()
        extra["Authorization"] = f"Basic {token}"
    try:
        async with connect(
            f"{url}/ocpp/{identity}", subprotocols=[PROTOCOL], additional_headers=extra, ssl=context
        ):
            return 101
    except InvalidStatus as refused:
        return refused.response.status_code


def wss(stack: Stack) -> str:
    return f"wss://{stack.proxy.https}"


def tls(stack: Stack, cert: Issued | None = None) -> ssl.SSLContext:
    return client_context(stack.pki.ca, cert)


def nothing_recorded(identity: str) -> bool:
    return not ChargerConnection.objects.filter(asset__identity=identity).exists()


async def boots(stack: Stack, address: str, identity: str, context: ssl.SSLContext | None) -> None:
    async with RawStation(address, identity, PROTOCOL, ssl=context) as station:
        answer = await station.call("BootNotification", BOOT)
    assert answer[0] == 3 and answer[2]["status"] == "Accepted"


# --- Profile 2: TLS + Basic auth -------------------------------------------------------------


async def test_profile_2_over_wss_with_its_password_boots(stack: Stack, make_station) -> None:
    await asyncio.to_thread(
        make_station, "CP-2", protocol=PROTOCOL, security_profile=SecurityProfile.TLS_BASIC_AUTH
    )
    await boots(stack, stack.proxy.https, "CP-2", tls(stack))


async def test_profile_2_over_wss_with_a_wrong_password_gets_401(
    stack: Stack, make_station
) -> None:
    await asyncio.to_thread(make_station, "CP-2", security_profile=SecurityProfile.TLS_BASIC_AUTH)
    assert await handshake(wss(stack), "CP-2", password=WRONG_PASSWORD, context=tls(stack)) == 401
    assert await asyncio.to_thread(nothing_recorded, "CP-2")


async def test_profile_2_over_plain_websockets_is_refused(stack: Stack, make_station) -> None:
    await asyncio.to_thread(make_station, "CP-2", security_profile=SecurityProfile.TLS_BASIC_AUTH)
    assert await handshake(f"ws://{stack.daphne}", "CP-2") == 401
    assert await handshake(f"ws://{stack.proxy.http}", "CP-2") == 401
    assert await asyncio.to_thread(nothing_recorded, "CP-2")


# --- Profile 3: TLS client certificate -------------------------------------------------------


async def test_profile_3_with_its_own_certificate_boots(stack: Stack, make_station) -> None:
    await asyncio.to_thread(
        make_station, "CP-3", protocol=PROTOCOL, security_profile=SecurityProfile.TLS_CLIENT_CERT
    )
    await boots(stack, stack.proxy.https, "CP-3", tls(stack, stack.pki.own))


async def test_profile_3_subject_with_escaped_punctuation_connects(
    stack: Stack, make_station
) -> None:
    await asyncio.to_thread(make_station, "CP-3B", security_profile=SecurityProfile.TLS_CLIENT_CERT)
    context = tls(stack, stack.pki.punctuated)
    assert await handshake(wss(stack), "CP-3B", password=None, context=context) == 101


async def test_profile_3_with_another_stations_certificate_gets_403(
    stack: Stack, make_station
) -> None:
    await asyncio.to_thread(make_station, "CP-3", security_profile=SecurityProfile.TLS_CLIENT_CERT)
    context = tls(stack, stack.pki.other)
    assert await handshake(wss(stack), "CP-3", context=context) == 403
    assert await asyncio.to_thread(nothing_recorded, "CP-3")


async def test_profile_3_without_a_certificate_gets_403(stack: Stack, make_station) -> None:
    await asyncio.to_thread(make_station, "CP-3", security_profile=SecurityProfile.TLS_CLIENT_CERT)
    assert await handshake(wss(stack), "CP-3", context=tls(stack)) == 403
    assert await asyncio.to_thread(nothing_recorded, "CP-3")


async def test_profile_3_with_a_certificate_of_an_untrusted_ca_is_refused(
    stack: Stack, make_station
) -> None:
    await asyncio.to_thread(make_station, "CP-3", security_profile=SecurityProfile.TLS_CLIENT_CERT)
    context = tls(stack, stack.pki.untrusted)
    # nginx answers 400 itself (`ssl_verify_client optional`): daphne never sees the request.
    assert await handshake(wss(stack), "CP-3", context=context) in (400, 403)
    assert await asyncio.to_thread(nothing_recorded, "CP-3")


# --- Forged proxy headers --------------------------------------------------------------------


def forged(secret: str | None, identity: str = "CP-3") -> dict[str, str]:
    headers = {
        "X-Forwarded-Proto": "https",
        "X-SSL-Client-Verify": "SUCCESS",
        "X-SSL-Client-S-DN": f"CN={identity}",
    }
    if secret is not None:
        headers["X-CSMS-Proxy-Secret"] = secret
    return headers


@pytest.mark.parametrize("secret", [None, "", "a-guessed-secret"], ids=["none", "empty", "wrong"])
async def test_forged_tls_headers_straight_to_daphne_are_ignored(
    stack: Stack, make_station, secret: str | None
) -> None:
    await asyncio.to_thread(make_station, "CP-3", security_profile=SecurityProfile.TLS_CLIENT_CERT)
    await asyncio.to_thread(make_station, "CP-2", security_profile=SecurityProfile.TLS_BASIC_AUTH)
    direct = f"ws://{stack.daphne}"
    assert await handshake(direct, "CP-3", headers=forged(secret)) == 403
    assert await handshake(direct, "CP-2", headers=forged(secret, "CP-2")) == 401
    assert await asyncio.to_thread(nothing_recorded, "CP-3") and await asyncio.to_thread(
        nothing_recorded, "CP-2"
    )


async def test_the_same_headers_with_the_secret_are_trusted(stack: Stack, make_station) -> None:
    # The control for the test above: only the secret made the difference.
    await asyncio.to_thread(make_station, "CP-3", security_profile=SecurityProfile.TLS_CLIENT_CERT)
    assert await handshake(f"ws://{stack.daphne}", "CP-3", headers=forged(PROXY_SECRET)) == 101


async def test_nginx_overwrites_tls_headers_sent_by_a_client(stack: Stack, make_station) -> None:
    await asyncio.to_thread(make_station, "CP-3", security_profile=SecurityProfile.TLS_CLIENT_CERT)
    # Even a client that knows the secret cannot claim a certificate it did not present.
    headers = forged(PROXY_SECRET)
    assert await handshake(f"ws://{stack.proxy.http}", "CP-3", headers=headers) == 403
    assert await handshake(wss(stack), "CP-3", context=tls(stack), headers=headers) == 403
    other = tls(stack, stack.pki.other)
    assert await handshake(wss(stack), "CP-3", context=other, headers=headers) == 403
    assert await asyncio.to_thread(nothing_recorded, "CP-3")


# --- Profile 1 is unchanged ------------------------------------------------------------------


async def test_profile_1_works_through_the_proxy_and_directly(stack: Stack, make_station) -> None:
    await asyncio.to_thread(make_station, "CP-1", protocol=PROTOCOL)
    await boots(stack, stack.proxy.https, "CP-1", tls(stack))
    await boots(stack, stack.proxy.http, "CP-1", None)
    await boots(stack, stack.daphne, "CP-1", None)
    assert await handshake(wss(stack), "CP-1", password=WRONG_PASSWORD, context=tls(stack)) == 401
