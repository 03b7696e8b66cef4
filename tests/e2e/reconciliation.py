"""A quirk fleet and its reconciliation: the simulator's ledger against the CSMS's sessions.

Shared by tests/e2e/test_quirk_fleet.py and bench/reconcile.py. Each station of the fleet has a
role: "own" (its own card, plus one remote start with a card of its own), "shared" (a card two
stations use, so one of them may be refused ConcurrentTx) or "refused" (a Blocked or an unknown
card). The checks are the session rules of the README ("How sessions are built").
"""

import asyncio
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from assets.models import Asset
from assets.services import station_upsert
from charging.models import ChargingSession
from station_simulator import (
    PROTOCOLS,
    RunProgress,
    StationConfig,
    StationReport,
    TransactionRecord,
    parse_quirks,
    run_stations,
    station_identity,
)
from station_simulator.answers import utc_now
from tests.api_clients import Api
from tests.e2e.raw_station import RawStation
from tokens.models import TokenStatus
from tokens.services import token_upsert

ROLES = ("own", "shared", "refused")


@dataclass
class Fleet:
    """The stations' configs and the cards a fresh station must still be able to use."""

    configs: list[StationConfig]
    usable_cards: list[str] = field(default_factory=list)
    # identity -> the card of its remote start
    remote_cards: dict[str, str] = field(default_factory=dict)


def quirk_fleet(count: int, url: str, password: str, prefix: str = "QF", **tuning: float) -> Fleet:
    """``count`` stations over the three versions, every quirk on, roles spread so that each
    version gets each role (station i: version i % 3, role (i + i // 3) % 3).

    A 1.6 "own" station has one connector and no remote start: its transactions follow each
    other on that connector with the same card, which a stuck clock makes alike but for their
    meterStart. The others have two connectors, used in turn, so that a refused card's
    abandoned starts (the meter does not move) are never identical repeats (session rule 3).
    """
    fleet, shared, refused = Fleet([]), 0, 0
    for i in range(count):
        protocol, role = PROTOCOLS[i % 3], ROLES[(i + i // 3) % 3]
        identity = station_identity(prefix, protocol, i + 1)
        connectors = 2
        if role == "own":
            card = f"{identity}-OWN"
            if protocol == "ocpp1.6":
                connectors = 1
            else:
                fleet.remote_cards[identity] = f"{identity}-RMT"
        elif role == "shared":
            card, shared = f"{prefix}-SHARED-{shared // 2}", shared + 1
        else:  # refused: Blocked and unknown cards in turn
            card, refused = f"{identity}-{('UNK', 'BLK')[refused % 2]}", refused + 1
        config = StationConfig(
            identity=identity, password=password, protocol=protocol, url=url, id_token=card,
            quirks=parse_quirks("all"), connectors=connectors, **tuning,  # type: ignore[arg-type]
        )  # fmt: skip
        fleet.configs.append(config)
    cards = [c.id_token for c in fleet.configs if not c.id_token.endswith("-BLK")]
    fleet.usable_cards = sorted({*cards, *fleet.remote_cards.values()} - _unknown(fleet))
    return fleet


def _unknown(fleet: Fleet) -> set[str]:
    return {c.id_token for c in fleet.configs if c.id_token.endswith("-UNK")}


def fleet_register(fleet: Fleet) -> None:
    """Create the stations and the cards (Blocked ones blocked, unknown ones not at all)."""
    for config in fleet.configs:
        station_upsert(identity=config.identity, password=config.password, protocol=config.protocol)
        if not config.id_token.endswith("-UNK"):
            blocked = config.id_token.endswith("-BLK")
            token_upsert(
                id_token=config.id_token,
                status=TokenStatus.BLOCKED if blocked else TokenStatus.ACCEPTED,
            )
    for card in fleet.remote_cards.values():
        token_upsert(id_token=card)


def fleet_online(fleet: Fleet, timeout: float = 30) -> None:
    """Wait until every station of the fleet is online (booted)."""
    identities = [c.identity for c in fleet.configs]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if Asset.objects.filter(identity__in=identities, is_online=True).count() == len(identities):
            return
        time.sleep(0.1)


def remote_starts(api: Api, fleet: Fleet) -> list[str]:
    """One remote start per "own" station, through the legacy endpoint (RemoteStartTransaction
    or RequestStartTransaction with a remoteStartId); the problems, if any."""
    problems = []
    for identity, card in fleet.remote_cards.items():
        body = {"idTag": card, "chargingStationId": identity}
        response = api.post("/ocpp/remoteStartTransaction", body)
        if response.status_code != 200:
            problems.append(f"{identity}: remote start {response.status_code} {response.text}")
    return problems


async def fleet_run(
    fleet: Fleet,
    api: Api,
    duration: float,
    on_progress: Callable[[RunProgress], None] | None = None,
) -> tuple[list[StationReport], list[str]]:
    """Run the fleet for ``duration`` seconds, with the remote starts once it is online; the
    stations' reports (with their ledgers) and the remote starts' problems."""
    runner = asyncio.create_task(
        run_stations(fleet.configs, duration=duration, on_progress=on_progress)
    )
    await asyncio.to_thread(fleet_online, fleet)
    problems = await asyncio.to_thread(remote_starts, api, fleet)
    return await runner, problems


def fleet_settled(fleet: Fleet, timeout: float = 30) -> None:
    """Wait until the CSMS holds no connection of the fleet (every message handled)."""
    from ocpp_bridge.models import ChargerConnection

    identities = [c.identity for c in fleet.configs]
    deadline = time.monotonic() + timeout
    open_rows = ChargerConnection.objects.filter(
        asset__identity__in=identities, closed_at__isnull=True
    )
    while open_rows.exists() and time.monotonic() < deadline:
        time.sleep(0.1)


@dataclass
class Reconciliation:
    """The outcome: how many transactions were simulated and matched, mismatches by kind."""

    simulated: int = 0
    refused: int = 0
    matched: int = 0
    mismatches: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def add(self, kind: str, text: str) -> None:
        self.mismatches[kind].append(text)


def reconcile(ledger: Sequence[TransactionRecord], identities: Iterable[str]) -> Reconciliation:
    """Hold the CSMS's sessions of ``identities`` against the ledger (see the module)."""
    result = Reconciliation(simulated=len(ledger), refused=sum(r.refused for r in ledger))
    sessions = {
        (s.asset.identity, s.transaction_id): s
        for s in ChargingSession.objects.filter(asset__identity__in=list(identities))
        .select_related("asset")
    }  # fmt: skip
    by_key: dict[tuple[str, str], list[TransactionRecord]] = defaultdict(list)
    for record in ledger:
        by_key[(record.identity, record.transaction_id)].append(record)
    for key, records in by_key.items():
        alike = len(records) == 1 or _repeats(records)
        if not alike:
            result.add("merged", f"{key}: {len(records)} transactions, one session")
        session = sessions.get(key)
        for record in records:
            if session is None:
                result.add("missing", f"{key}: no session ({_describe(record)})")
            elif _check(result, record, session) and alike:
                result.matched += 1
    for key, session in sessions.items():
        if key not in by_key:
            result.add("unexpected", f"{key}: a session the stations never ran ({session.status})")
        if session.status == "active":
            result.add("active", f"{key}: still active after the fleet stopped")
    return result


def _repeats(records: Sequence[TransactionRecord]) -> bool:
    """True when the records are one start said again (session rule 3): refused starts the
    station abandoned, on one connector with one card and one meterStart (and a stuck clock),
    are identical messages: the CSMS rightly answers them with one transactionId."""
    first = records[0]
    return all(
        r.refused and not r.stopped and r.connector_id == first.connector_id
        and r.id_token == first.id_token and r.readings[:1] == first.readings[:1]
        for r in records
    )  # fmt: skip


def _describe(record: TransactionRecord) -> str:
    state = f"refused {record.start_status}" if record.refused else "accepted"
    return f"{record.protocol} connector {record.connector_id} {record.id_token} {state}"


def _check(result: Reconciliation, record: TransactionRecord, session: ChargingSession) -> bool:
    """Check one session against its record; True when it matches in every respect."""
    key = f"{record.identity}/{record.transaction_id}"
    before = sum(len(items) for items in result.mismatches.values())
    if session.id_token != record.id_token:
        result.add("token", f"{key}: token {session.id_token!r}, ran with {record.id_token!r}")
    expected_status = "refused" if record.refused else "completed"
    if session.status != expected_status:
        kind = "not refused" if record.refused else "status"
        result.add(
            kind, f"{key}: {session.status}, expected {expected_status} ({_describe(record)})"
        )
    energy = session.energy_wh or Decimal(0)
    if energy != Decimal(str(record.energy_wh)):
        result.add("energy", f"{key}: {energy} Wh, delivered {record.energy_wh:g} Wh")
    if record.meter_reset and not getattr(session, "meter_anomaly", False):
        result.add("anomaly", f"{key}: the meter went back to 0, meter_anomaly not set")
    return sum(len(items) for items in result.mismatches.values()) == before


async def locked_cards(address: str, cards: Sequence[str], password_identity: str) -> list[str]:
    """The cards a fresh 1.6 station cannot use: Authorize + StartTransaction not Accepted.

    ``password_identity``: a registered station (STATION_PASSWORD) to play the fresh station;
    each card's transaction is stopped again at once.
    """
    locked = []
    async with RawStation(address, password_identity, "ocpp1.6") as station:
        await station.call("BootNotification", {"chargePointVendor": "QF", "chargePointModel": "Q"})
        for card in cards:
            authorize = await station.call("Authorize", {"idTag": card})
            start = await station.call(
                "StartTransaction",
                {"connectorId": 1, "idTag": card, "meterStart": 0, "timestamp": _now()},
            )
            if authorize[0] != 3 or start[0] != 3:
                locked.append(f"{card}: Authorize {authorize}, StartTransaction {start}")
                continue
            verdicts = (authorize[2]["idTagInfo"]["status"], start[2]["idTagInfo"]["status"])
            if verdicts != ("Accepted", "Accepted"):
                locked.append(f"{card}: Authorize {verdicts[0]}, StartTransaction {verdicts[1]}")
            stop = {"transactionId": start[2]["transactionId"], "meterStop": 0, "timestamp": _now()}
            await station.call("StopTransaction", stop)
    return locked


def _now() -> str:
    return utc_now()
