"""Failed station handshakes are counted per address and per station from that address; at the
limit the CSMS refuses that source without checking the password until the window ends, and
the station from any other address still gets in. The service with its clock
moved, `station_authenticate` with every kind of refusal, and a real daphne."""

import asyncio
import base64
import logging
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pytest
import redis
from django.conf import settings
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from assets.hashers import StationPasswordHasher
from assets.models import SecurityProfile
from assets.selectors import station_authenticate
from csms.redis_client import redis_client
from ocpp_bridge.charger.handshake_guard import (
    FailureStore,
    HandshakeGuard,
    MemoryFailureStore,
    RedisFailureStore,
    source,
)
from ocpp_bridge.charger.tls_proxy import TransportSecurity
from tests.conftest import STATION_PASSWORD
from tests.servers import daphne_process, free_port, unavailable

WINDOW = 300
STATION_LIMIT = 3
ADDRESS_LIMIT = 6
WRONG = "not-the-password-at-all"


def basic(user: str, password: str = STATION_PASSWORD) -> bytes:
    return b"Basic " + base64.b64encode(f"{user}:{password}".encode())


def new_address() -> str:
    """An address of an IPv6 /64 no earlier run used (Redis keeps counters across runs for two
    windows); the guard counts a /64 as one source."""
    return f"2001:db8:{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}::1"


@dataclass
class Clock:
    """Time for the guard, moved by the tests; starts at the beginning of a window."""

    now: float = field(default_factory=lambda: random.randrange(10**6) * WINDOW)

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest) -> FailureStore:
    if request.param == "memory":
        return MemoryFailureStore()
    if not settings.REDIS_URL:
        unavailable("the Redis store needs REDIS_URL")
    return RedisFailureStore(redis_client())


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def guard(store: FailureStore, clock: Clock) -> HandshakeGuard:
    return HandshakeGuard(
        store=store,
        max_station_failures=STATION_LIMIT,
        max_address_failures=ADDRESS_LIMIT,
        window=WINDOW,
        clock=clock,
    )


# --- The service -----------------------------------------------------------------------------


def test_a_station_is_locked_from_the_failing_address_at_its_limit_and_not_before(
    guard: HandshakeGuard,
) -> None:
    asset_id, address = uuid.uuid4(), new_address()
    for _ in range(STATION_LIMIT - 1):
        guard.record_failure(asset_id=asset_id, address=address)
    assert not guard.station_locked(asset_id, address)
    guard.record_failure(asset_id=asset_id, address=address)
    assert guard.station_locked(asset_id, address)
    assert not guard.station_locked(asset_id, new_address())
    assert not guard.station_locked(uuid.uuid4(), address)


def test_the_addresses_of_one_ipv6_64_are_one_source(guard: HandshakeGuard) -> None:
    asset_id, network = uuid.uuid4(), new_address().removesuffix("::1")
    for n in range(STATION_LIMIT):
        guard.record_failure(asset_id=asset_id, address=f"{network}:{n + 1:x}::{n + 7:x}")
    assert guard.station_locked(asset_id, f"{network}:ffff::1")
    assert not guard.station_locked(asset_id, new_address())


def test_failures_spread_over_addresses_never_lock_the_station(guard: HandshakeGuard) -> None:
    asset_id = uuid.uuid4()
    for _ in range(10 * STATION_LIMIT):
        guard.record_failure(asset_id=asset_id, address=new_address())
    assert not guard.station_locked(asset_id, new_address())


def test_an_address_is_locked_at_its_limit_whatever_the_stations(guard: HandshakeGuard) -> None:
    address = new_address()
    for _ in range(ADDRESS_LIMIT - 1):
        guard.record_failure(asset_id=uuid.uuid4(), address=address)
    guard.record_failure(asset_id=None, address=address)
    assert guard.address_locked(address)
    assert not guard.address_locked(new_address())


def test_a_locked_address_lets_in_a_station_that_got_in_from_it_and_no_other(
    store: FailureStore, clock: Clock
) -> None:
    """Carrier NAT: one address for many stations. A neighbour (here a station deleted from
    the CSMS that keeps retrying) locks the address; the stations seen there keep getting in."""
    guard = HandshakeGuard(store, STATION_LIMIT, ADDRESS_LIMIT, WINDOW, clock, known_for=86400)
    shared, identity = new_address(), f"CP-{uuid.uuid4().hex[:8]}"
    guard.record_success(identity=identity, address=shared)
    for _ in range(ADDRESS_LIMIT):
        guard.record_failure(asset_id=None, address=shared)

    assert not guard.address_locked(shared, identity)
    assert guard.address_locked(shared, f"CP-{uuid.uuid4().hex[:8]}")  # never seen there
    assert guard.address_locked(new_address(), identity) is False  # no lock elsewhere anyway
    other = new_address()
    for _ in range(ADDRESS_LIMIT):
        guard.record_failure(asset_id=None, address=other)
    assert guard.address_locked(other, identity)  # seen at the shared address, not this one


def test_without_known_sources_a_locked_address_refuses_every_station(
    guard: HandshakeGuard,
) -> None:
    address, identity = new_address(), f"CP-{uuid.uuid4().hex[:8]}"
    guard.record_success(identity=identity, address=address)  # known_for=0: nothing kept
    for _ in range(ADDRESS_LIMIT):
        guard.record_failure(asset_id=None, address=address)
    assert guard.address_locked(address, identity)


@pytest.mark.django_db
def test_a_known_station_is_still_bound_by_its_own_lock(
    make_station, store: FailureStore, clock: Clock
) -> None:
    make_station("CP-K")
    guard = HandshakeGuard(store, STATION_LIMIT, ADDRESS_LIMIT, WINDOW, clock, known_for=86400)
    shared = new_address()

    def attempt(password: str) -> bool:
        auth = basic("CP-K", password)
        found = station_authenticate(
            identity="CP-K", authorization=auth, remote_addr=shared, guard=guard
        )
        return found is not None

    assert attempt(STATION_PASSWORD)
    for _ in range(ADDRESS_LIMIT):
        guard.record_failure(asset_id=None, address=shared)
    assert attempt(STATION_PASSWORD)  # the address is locked; CP-K was seen there
    for _ in range(STATION_LIMIT):
        assert not attempt(WRONG)
    assert not attempt(STATION_PASSWORD)  # guessing CP-K's password stops at its own limit


def test_a_lock_ends_with_its_window(guard: HandshakeGuard, clock: Clock) -> None:
    asset_id, address = uuid.uuid4(), new_address()
    for _ in range(ADDRESS_LIMIT):
        guard.record_failure(asset_id=asset_id, address=address)
    clock.now += WINDOW - 1
    assert guard.station_locked(asset_id, address) and guard.address_locked(address)
    clock.now += 1
    assert not guard.station_locked(asset_id, address) and not guard.address_locked(address)


def test_a_limit_of_zero_never_locks(store: FailureStore, clock: Clock) -> None:
    guard = HandshakeGuard(
        store, max_station_failures=0, max_address_failures=0, window=WINDOW, clock=clock
    )
    asset_id, address = uuid.uuid4(), new_address()
    for _ in range(20):
        guard.record_failure(asset_id=asset_id, address=address)
    assert not guard.station_locked(asset_id, address) and not guard.address_locked(address)


def test_the_memory_store_forgets_past_windows(clock: Clock) -> None:
    store = MemoryFailureStore()
    guard = HandshakeGuard(store, 3, 3, WINDOW, clock)
    for _ in range(50):
        guard.record_failure(asset_id=uuid.uuid4(), address=new_address())
    clock.now += WINDOW
    guard.record_failure(asset_id=None, address="192.0.2.1")
    assert store.counters == {"ocpp:handshake-failures:address:192.0.2.1": 1}


def test_an_unreachable_redis_lets_the_password_decide(clock: Clock, caplog) -> None:
    nothing_there = redis.Redis(port=free_port(), socket_connect_timeout=1)
    guard = HandshakeGuard(RedisFailureStore(nothing_there), 1, 1, WINDOW, clock)
    guard.record_failure(asset_id=uuid.uuid4(), address="192.0.2.1")
    assert not guard.address_locked("192.0.2.1")
    assert "Could not" in caplog.text


# --- station_authenticate --------------------------------------------------------------------


class CountingStationHasher(StationPasswordHasher):
    """The station hasher, counting the passwords it checks."""

    verified: ClassVar[int] = 0

    def verify(self, password: str, encoded: str) -> bool:
        CountingStationHasher.verified += 1
        return super().verify(password, encoded)


@pytest.fixture
def counted_hashing(settings: Any) -> type[CountingStationHasher]:
    station = "assets.hashers.StationPasswordHasher"
    others = [name for name in settings.PASSWORD_HASHERS if name != station]
    settings.PASSWORD_HASHERS = [*others, f"{__name__}.CountingStationHasher"]
    CountingStationHasher.verified = 0
    return CountingStationHasher


def cert_of(identity: str) -> TransportSecurity:
    return TransportSecurity(tls=True, client_cert_identity=identity)


# Each kind of refusal, as (authorization, transport) for a station CP-G of that profile.
REFUSALS = {
    "missing credentials": (SecurityProfile.BASIC_AUTH, None, TransportSecurity()),
    "wrong password": (SecurityProfile.BASIC_AUTH, basic("CP-G", WRONG), TransportSecurity()),
    "another user": (SecurityProfile.BASIC_AUTH, basic("CP-X"), TransportSecurity()),
    "not Basic": (SecurityProfile.BASIC_AUTH, b"Bearer abc", TransportSecurity()),
    "profile 2 without TLS": (SecurityProfile.TLS_BASIC_AUTH, basic("CP-G"), TransportSecurity()),
    "another certificate": (SecurityProfile.TLS_CLIENT_CERT, None, cert_of("CP-OTHER")),
}
ACCEPTED = {
    SecurityProfile.BASIC_AUTH: (basic("CP-G"), TransportSecurity()),
    SecurityProfile.TLS_BASIC_AUTH: (basic("CP-G"), TransportSecurity(tls=True)),
    SecurityProfile.TLS_CLIENT_CERT: (None, cert_of("CP-G")),
}


@pytest.mark.django_db
@pytest.mark.parametrize("refusal", REFUSALS)
def test_every_kind_of_refusal_counts_towards_the_lock(
    make_station, guard: HandshakeGuard, refusal: str
) -> None:
    profile, authorization, transport = REFUSALS[refusal]
    make_station("CP-G", security_profile=profile)
    right_authorization, right_transport = ACCEPTED[profile]
    source = new_address()

    def attempt(authorization: bytes | None, transport: TransportSecurity) -> bool:
        accepted = station_authenticate(
            identity="CP-G",
            authorization=authorization,
            transport=transport,
            remote_addr=source,
            guard=guard,
        )
        return accepted is not None

    assert attempt(right_authorization, right_transport)
    for _ in range(STATION_LIMIT):
        assert not attempt(authorization, transport)
    assert not attempt(right_authorization, right_transport)


@pytest.mark.django_db
def test_once_locked_a_brute_force_costs_no_password_hashing(
    make_station, guard: HandshakeGuard, counted_hashing, caplog
) -> None:
    make_station("CP-G")
    caplog.set_level(logging.INFO)
    address = new_address()
    for n in range(100):
        auth = basic("CP-G", f"guess-{n}")
        station_authenticate(identity="CP-G", authorization=auth, remote_addr=address, guard=guard)
    assert counted_hashing.verified == STATION_LIMIT
    right = basic("CP-G")
    assert not station_authenticate(
        identity="CP-G", authorization=right, remote_addr=address, guard=guard
    )
    assert counted_hashing.verified == STATION_LIMIT
    refusals = [record.getMessage() for record in caplog.records if "CP-G" in record.getMessage()]
    assert refusals.count("Refused station 'CP-G': wrong password") == STATION_LIMIT
    assert refusals[-1] == "Refused station 'CP-G': too many failed handshakes"


@pytest.mark.django_db
def test_the_right_password_is_refused_during_the_lock_and_accepted_after(
    make_station, guard: HandshakeGuard, clock: Clock
) -> None:
    make_station("CP-G")

    def attempt(password: str) -> bool:
        auth = basic("CP-G", password)
        return station_authenticate(identity="CP-G", authorization=auth, guard=guard) is not None

    for _ in range(STATION_LIMIT):
        attempt(WRONG)
    for _ in range(5):  # a station retrying with its right password does not prolong the lock
        clock.now += WINDOW / 10
        assert not attempt(STATION_PASSWORD)
    clock.now += WINDOW / 2
    assert attempt(STATION_PASSWORD)


@pytest.mark.django_db
def test_wrong_passwords_from_an_attacker_never_keep_the_station_out(
    make_station, guard: HandshakeGuard
) -> None:
    make_station("CP-G")
    attacker, station_side = new_address(), new_address()
    for _ in range(3 * STATION_LIMIT):
        assert not station_authenticate(
            identity="CP-G", authorization=basic("CP-G", WRONG), remote_addr=attacker, guard=guard
        )
    assert station_authenticate(
        identity="CP-G", authorization=basic("CP-G"), remote_addr=station_side, guard=guard
    )


@pytest.mark.django_db
def test_a_locked_station_leaves_other_stations_alone(make_station, guard: HandshakeGuard) -> None:
    make_station("CP-G")
    make_station("CP-H")
    address = new_address()
    for _ in range(STATION_LIMIT):
        station_authenticate(
            identity="CP-G", authorization=basic("CP-G", WRONG), remote_addr=address, guard=guard
        )
    assert station_authenticate(
        identity="CP-H", authorization=basic("CP-H"), remote_addr=address, guard=guard
    )


@pytest.mark.django_db
def test_unknown_identities_count_against_their_address(
    make_station, guard: HandshakeGuard, caplog
) -> None:
    make_station("CP-G")
    scanner, elsewhere = new_address(), new_address()
    caplog.set_level(logging.INFO)
    for n in range(ADDRESS_LIMIT):
        station_authenticate(
            identity=f"NOPE-{n}", authorization=basic(f"NOPE-{n}"), remote_addr=scanner, guard=guard
        )
    right = basic("CP-G")
    assert not station_authenticate(
        identity="CP-G", authorization=right, remote_addr=scanner, guard=guard
    )
    assert station_authenticate(
        identity="CP-G", authorization=right, remote_addr=elsewhere, guard=guard
    )
    assert "too many failed handshakes from its address" in caplog.text
    locked = f"Handshakes of address:{source(scanner)} locked after {ADDRESS_LIMIT} failures"
    assert locked in caplog.text


@pytest.mark.django_db
def test_a_success_resets_no_counter(make_station, guard: HandshakeGuard) -> None:
    make_station("CP-G")
    make_station("CP-H")
    attacker, station_side = new_address(), new_address()

    def attempt(identity: str, password: str, address: str) -> bool:
        auth = basic(identity, password)
        accepted = station_authenticate(
            identity=identity, authorization=auth, remote_addr=address, guard=guard
        )
        return accepted is not None

    for n in range(ADDRESS_LIMIT - 1):  # the last two against CP-G
        attempt("CP-G" if n >= ADDRESS_LIMIT - 3 else f"NOPE-{n}", WRONG, attacker)
    assert attempt("CP-G", STATION_PASSWORD, station_side)
    assert attempt("CP-H", STATION_PASSWORD, attacker)  # one of the attacker's own stations
    attempt("CP-G", WRONG, attacker)
    assert not attempt("CP-G", STATION_PASSWORD, attacker)  # CP-G from the attacker: 3 failures
    assert not attempt("CP-H", STATION_PASSWORD, attacker)  # the attacker's address: 6
    assert attempt("CP-G", STATION_PASSWORD, station_side)  # never the station's own address


# --- Over a real daphne ----------------------------------------------------------------------

DAPHNE_STATION_LIMIT = 3
DAPHNE_ADDRESS_LIMIT = 6


@pytest.fixture(scope="module")
def guarded_daphne(django_db_setup: None, django_db_blocker, server_logs: Path) -> Iterator[str]:
    """A daphne with small limits and an hour's window: 'host:port'."""
    env = {
        "OCPP_AUTH_MAX_FAILURES": str(DAPHNE_STATION_LIMIT),
        "OCPP_AUTH_MAX_ADDRESS_FAILURES": str(DAPHNE_ADDRESS_LIMIT),
        "OCPP_AUTH_FAILURE_WINDOW_SECONDS": "3600",
    }
    with django_db_blocker.unblock(), daphne_process(server_logs / "daphne-guard.log", **env) as a:
        yield a


def loopback() -> str:
    """A random loopback source address (all of 127/8 reaches daphne on 127.0.0.1), so that
    address counters an earlier run left in Redis practically never count."""
    return f"127.{random.randint(1, 254)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


async def handshake(
    address: str, identity: str, source: str, password: str | None = STATION_PASSWORD
) -> int:
    """101 when the handshake succeeds (then closes), else the HTTP status of the refusal."""
    headers = {}
    if password is not None:
        token = base64.b64encode(f"{identity}:{password}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    try:
        async with connect(
            f"ws://{address}/ocpp/{identity}",
            subprotocols=["ocpp1.6"],
            additional_headers=headers,
            local_addr=(source, 0),
        ):
            return 101
    except InvalidStatus as refused:
        return refused.response.status_code


def daphne_log(server_logs: Path) -> str:
    return (server_logs / "daphne-guard.log").read_text(errors="replace")


async def stations(make_station, *identities: str) -> None:
    for identity in identities:
        await asyncio.to_thread(make_station, identity, protocol="ocpp1.6")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("settled")
async def test_over_daphne_a_brute_force_locks_the_attacker_not_the_station(
    guarded_daphne: str, make_station, server_logs: Path
) -> None:
    await stations(make_station, "CP-D1", "CP-D2")
    attacker, station_side = loopback(), loopback()
    for _ in range(DAPHNE_STATION_LIMIT):
        assert await handshake(guarded_daphne, "CP-D1", attacker, WRONG) == 401
    assert await handshake(guarded_daphne, "CP-D1", attacker) == 401
    assert await handshake(guarded_daphne, "CP-D1", station_side) == 101
    assert await handshake(guarded_daphne, "CP-D2", station_side) == 101
    assert await handshake(guarded_daphne, "CP-D2", attacker) == 101
    log = daphne_log(server_logs)
    assert "Refused station 'CP-D1': too many failed handshakes" in log
    assert f"locked after {DAPHNE_STATION_LIMIT} failures, for at most 3600 s" in log


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("settled")
async def test_over_daphne_missing_credentials_and_unknown_identities_lock_the_address(
    guarded_daphne: str, make_station, server_logs: Path
) -> None:
    await stations(make_station, "CP-D3", "CP-D4")
    scanner = loopback()
    for _ in range(DAPHNE_STATION_LIMIT - 1):
        assert await handshake(guarded_daphne, "CP-D3", scanner, password=None) == 401
    for n in range(DAPHNE_ADDRESS_LIMIT - DAPHNE_STATION_LIMIT + 1):
        assert await handshake(guarded_daphne, f"NOPE-{n}", scanner) == 401
    assert await handshake(guarded_daphne, "CP-D4", scanner) == 401
    assert await handshake(guarded_daphne, "CP-D3", loopback()) == 101  # 2 failures: unlocked
    assert await handshake(guarded_daphne, "CP-D4", loopback()) == 101
    assert "Refused station 'CP-D4': too many failed handshakes from its address" in (
        daphne_log(server_logs)
    )


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("settled")
async def test_over_daphne_a_deleted_station_retrying_behind_a_nat_locks_out_no_neighbour(
    guarded_daphne: str, make_station
) -> None:
    await stations(make_station, "CP-N1", "CP-N2")
    nat = loopback()
    assert await handshake(guarded_daphne, "CP-N1", nat) == 101
    for _ in range(DAPHNE_ADDRESS_LIMIT):  # a station deleted from the CSMS keeps retrying
        assert await handshake(guarded_daphne, "CP-GONE", nat) == 401
    assert await handshake(guarded_daphne, "CP-N1", nat) == 101  # seen here before
    assert await handshake(guarded_daphne, "CP-N2", nat) == 401  # never seen here: locked
    assert await handshake(guarded_daphne, "CP-N2", loopback()) == 101


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("settled")
async def test_over_daphne_a_success_does_not_reset_another_address(
    guarded_daphne: str, make_station
) -> None:
    await stations(make_station, "CP-D5")
    attacker, station_side = loopback(), loopback()
    for n in range(DAPHNE_ADDRESS_LIMIT - 1):
        assert await handshake(guarded_daphne, f"NOPE-{n}", attacker) == 401
    assert await handshake(guarded_daphne, "CP-D5", station_side) == 101
    assert await handshake(guarded_daphne, "NOPE-last", attacker) == 401
    assert await handshake(guarded_daphne, "CP-D5", attacker) == 401
    assert await handshake(guarded_daphne, "CP-D5", station_side) == 101


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("settled")
async def test_the_default_limit_holds_on_the_shared_daphne(
    daphne_server: str, make_station
) -> None:
    """From an address of its own, so the other tests' stations on this daphne are untouched."""
    await stations(make_station, "CP-D6")
    attacker = loopback()
    for _ in range(settings.OCPP_AUTH_MAX_FAILURES):
        assert await handshake(daphne_server, "CP-D6", attacker, WRONG) == 401
    assert await handshake(daphne_server, "CP-D6", attacker) == 401
    assert await handshake(daphne_server, "CP-D6", loopback()) == 101


# --- How a refusal is answered ----------------------------------------------------------------


async def refusal(address: str, path: str, source: str, password: str | None) -> Any:
    """The HTTP response refusing a handshake to `path` (None: accepted)."""
    headers = {}
    if password is not None:
        token = base64.b64encode(f"CP-D7:{password}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    try:
        async with connect(
            f"ws://{address}{path}",
            subprotocols=["ocpp1.6"],
            additional_headers=headers,
            local_addr=(source, 0),
        ):
            return None
    except InvalidStatus as refused:
        return refused.response


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("settled")
@pytest.mark.parametrize("password", [WRONG, None], ids=["wrong-password", "no-credentials"])
async def test_a_failed_basic_auth_is_401_with_a_basic_challenge(
    daphne_server: str, make_station, password: str | None
) -> None:
    await stations(make_station, "CP-D7")
    response = await refusal(daphne_server, "/ocpp/CP-D7", loopback(), password)
    assert response is not None and response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic realm=")
    assert await refusal(daphne_server, "/ocpp/CP-D7", loopback(), STATION_PASSWORD) is None


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("settled")
async def test_an_unmatched_path_is_404_counted_by_the_guard_without_a_traceback(
    guarded_daphne: str, make_station, server_logs: Path
) -> None:
    await stations(make_station, "CP-D8")
    scanner = loopback()
    for n in range(DAPHNE_ADDRESS_LIMIT):
        response = await refusal(guarded_daphne, f"/ocpp/CP-D8/probe-{n}", scanner, WRONG)
        assert response is not None and response.status_code == 404
    assert await handshake(guarded_daphne, "CP-D8", scanner) == 401  # its address is locked
    assert await handshake(guarded_daphne, "CP-D8", loopback()) == 101
    log = daphne_log(server_logs)
    assert "Refused handshake to '/ocpp/CP-D8/probe-0': no such path" in log
    assert "Traceback" not in log and "No route found" not in log
