"""Reads for one session's page: its power and energy curve from the meter samples, its status
timeline, its cost breakdown (charging.costs' formula, term by term) and the frames that built
it. A fixed number of queries per session."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from assets.models import ConnectorStatusChange
from charging.costs import CENT, idle_seconds
from charging.models import ChargingSession, MeterSample
from charging.selectors import session_duration_seconds
from ocpp_bridge.models import OcppFrame

ENERGY = "Energy.Active.Import.Register"
POWER = "Power.Active.Import"
# Frames that build a session, and how far around its times they are looked for (the station's
# clock and the server's differ a little).
SESSION_ACTIONS = ("StartTransaction", "StopTransaction", "TransactionEvent", "MeterValues")
FRAME_MARGIN = dt.timedelta(minutes=5)
FRAME_LIMIT = 300
SAMPLE_LIMIT = 5000


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    what: str
    detail: str = ""


@dataclass(frozen=True)
class CostLine:
    label: str
    quantity: str
    amount: Decimal


def session_get(session_id: int) -> ChargingSession | None:
    related = ("asset", "asset__network", "asset__asset_group", "token", "rate")
    return ChargingSession.objects.select_related(*related).filter(pk=session_id).first()


def session_curve(session: ChargingSession) -> dict[str, Any]:
    """Chart data (ui/static/ui/charts.js): energy delivered (kWh since the first reading) and
    power (kW), from the samples of the whole station (no phase), in time order."""
    samples = MeterSample.objects.filter(session=session, phase="", measurand__in=(ENERGY, POWER))
    energy_x: list[str] = []
    energy: list[float] = []
    power_x: list[str] = []
    power: list[float] = []
    first_wh: Decimal | None = None
    rows = samples.order_by("sampled_at", "id").values_list(
        "sampled_at", "measurand", "value", "unit"
    )
    for at, measurand, value, unit in rows[:SAMPLE_LIMIT]:
        scale = 1000 if unit.lower().startswith("k") else 1
        if measurand == ENERGY:
            wh = value * scale
            first_wh = wh if first_wh is None else first_wh
            energy_x.append(at.isoformat())
            energy.append(round(float(wh - first_wh) / 1000, 3))
        else:
            power_x.append(at.isoformat())
            power.append(round(float(value * scale) / 1000, 3))
    return {
        "energy": {"x": energy_x, "series": [{"label": "Energy (kWh)", "values": energy}]},
        "power": {"x": power_x, "series": [{"label": "Power (kW)", "values": power}]},
    }


def session_timeline(session: ChargingSession) -> list[TimelineEntry]:
    """Start, the charging states the station reported (2.x), the connector's status changes
    while the session ran, and the stop, in time order."""
    entries: list[TimelineEntry] = []
    if session.started_at:
        entries.append(TimelineEntry(session.started_at, "Started", session.id_token))
    for at, state in session.charging_states or []:
        entries.append(TimelineEntry(dt.datetime.fromisoformat(at), "Charging state", state))
    if session.started_at and session.evse_id is not None:
        changes = ConnectorStatusChange.objects.filter(
            asset_id=session.asset_id,
            evse_id=session.evse_id,
            connector_id=session.connector_id or 1,
            at__gte=session.started_at,
        )
        if session.stopped_at:
            changes = changes.filter(at__lte=session.stopped_at)
        for change in changes.order_by("at", "id")[:200]:
            detail = change.status + (f" ({change.error_code})" if change.error_code else "")
            entries.append(TimelineEntry(change.at, "Connector", detail))
    if session.stopped_at:
        entries.append(TimelineEntry(session.stopped_at, "Stopped", session.stop_reason))
    return sorted(entries, key=lambda entry: entry.at)


def session_cost_lines(session: ChargingSession) -> list[CostLine]:
    """The cost's terms (energy, time, flat fee, idle), unrounded but for display; their sum,
    rounded, is the session's cost (charging.costs.session_cost)."""
    if not session.has_rate:
        return []
    duration = Decimal(session_duration_seconds(session) or 0)
    until = session.stopped_at or session.last_seen_at or session.started_at
    states = [(dt.datetime.fromisoformat(at), state) for at, state in session.charging_states]
    idle = min(idle_seconds(states=states, until=until), duration) if until else Decimal(0)
    energy_kwh = max(session.energy_wh or Decimal(0), Decimal(0)) / 1000
    hours = (duration - idle) / 3600
    lines = [
        CostLine(
            "Energy",
            f"{energy_kwh:.3f} kWh \N{MULTIPLICATION SIGN} {session.price_per_kwh}",
            energy_kwh * (session.price_per_kwh or 0),
        ),
        CostLine(
            "Time",
            f"{hours:.2f} h \N{MULTIPLICATION SIGN} {session.price_per_hour}",
            hours * (session.price_per_hour or 0),
        ),
        CostLine("Flat fee", "", session.flat_fee or Decimal(0)),
        CostLine(
            "Idle",
            f"{idle / 60:.1f} min \N{MULTIPLICATION SIGN} {session.idle_fee_per_minute}",
            idle / 60 * (session.idle_fee_per_minute or 0),
        ),
    ]
    return [
        CostLine(line.label, line.quantity, line.amount.quantize(CENT))
        for line in lines
        if line.amount
    ]


def session_frames(session: ChargingSession) -> list[OcppFrame]:
    """The station's transaction frames around the session's times that name its transaction
    (or, for a 1.6 start and the CSMS's answers, its connector), oldest first."""
    if session.started_at is None:
        return []
    end = (session.stopped_at or session.last_seen_at or session.started_at) + FRAME_MARGIN
    frames = OcppFrame.objects.filter(
        asset_id=session.asset_id,
        created_at__gte=session.started_at - FRAME_MARGIN,
        created_at__lte=end,
    ).order_by("id")
    found = [frame for frame in frames[: FRAME_LIMIT * 4] if _builds(frame, session)]
    return found[:FRAME_LIMIT]


def _builds(frame: OcppFrame, session: ChargingSession) -> bool:
    if frame.action not in SESSION_ACTIONS:
        return False
    payload = frame.payload if isinstance(frame.payload, dict) else {}
    transaction = payload.get("transactionId") or (payload.get("transactionInfo") or {}).get(
        "transactionId"
    )
    if transaction is not None:
        return str(transaction) == session.transaction_id
    if frame.action == "StartTransaction" and "connectorId" in payload:
        return payload["connectorId"] == session.evse_id
    return False
