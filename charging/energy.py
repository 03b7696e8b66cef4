"""A session's energy, the same in every version: only forward movement of the register counts.

Energy is the sum of the positive steps between consecutive readings in time order: the 1.6
meterStart, every Energy.Active.Import.Register reading without phase of the session, the 1.6
meterStop. A step backwards (a meter reset or replaced, a wrong reading) adds nothing and sets
`meter_anomaly`; after a reset the energy counts on from the new value.

Readings mostly come in time order: each is then one step from the latest (`meter_last_wh`, at
`meter_last_at`), with no read of the stored samples. A reading older than the latest (an
offline queue replayed late) takes its place among the others: the session's readings are read
back and counted again. At equal times (a station whose clock is stuck) arrival order counts.

The functions take a session row the caller has locked, and leave saving it to the caller.
"""

from datetime import datetime
from decimal import Decimal

from charging.meter_values import ENERGY_REGISTER, Sample
from charging.models import ChargingSession, MeterSample

Reading = tuple[datetime, Decimal]


def register_readings(samples: list[Sample]) -> list[Reading]:
    """The energy register readings among the samples, in Wh, in time order (stable)."""
    readings = [(s.sampled_at, s.energy_wh) for s in samples if s.energy_wh is not None]
    return sorted(readings, key=lambda reading: reading[0])


def readings_count(session: ChargingSession, readings: list[Reading], *, v16: bool) -> None:
    """Count new readings of the session (in time order, see register_readings): steps from the
    latest one, or everything again when one is older than it. 2.x sessions take their meter
    start and stop from the readings: the earliest and the latest."""
    if not readings:
        return
    if session.meter_last_at is not None and readings[0][0] < session.meter_last_at:
        energy_recount(session, readings, v16=v16)
        return
    for at, wh in readings:
        _step(session, at, wh)
    if not v16:
        session.meter_stop_wh = session.meter_last_wh


def meter_stop_count(session: ChargingSession, *, at: datetime | None, meter_stop: Decimal) -> None:
    """The 1.6 meterStop: the last reading of the session, whatever its time."""
    times = [time for time in (at, session.meter_last_at) if time is not None]
    _step(session, max(times) if times else None, meter_stop)
    session.meter_stop_wh = meter_stop


def _step(session: ChargingSession, at: datetime | None, wh: Decimal) -> None:
    last = session.meter_last_wh if session.meter_last_wh is not None else session.meter_start_wh
    if last is None:  # a 2.x session's first reading
        session.meter_start_wh, session.energy_wh = wh, Decimal(0)
    elif wh > last:
        session.energy_wh = (session.energy_wh or Decimal(0)) + wh - last
    elif wh < last:
        session.meter_anomaly = True
    session.meter_last_wh, session.meter_last_at = wh, at


def energy_recount(session: ChargingSession, new: list[Reading], *, v16: bool) -> None:
    """Count the session's energy again from all its readings: the stored ones and `new` (whose
    samples may not be written yet: charger messages insert them in batches)."""
    readings = sorted([*_stored_readings(session), *new], key=lambda reading: reading[0])
    meter_stop = session.meter_stop_wh if v16 and session.station_stopped else None
    session.energy_wh, session.meter_anomaly = Decimal(0), False
    session.meter_last_wh = session.meter_last_at = None
    if not v16:
        session.meter_start_wh = None
    elif session.started_at is not None:
        session.meter_last_at = session.started_at
    for at, wh in readings:
        _step(session, at, wh)
    if meter_stop is not None:
        meter_stop_count(session, at=session.stopped_at, meter_stop=meter_stop)
    elif not v16:
        session.meter_stop_wh = session.meter_last_wh


def _stored_readings(session: ChargingSession) -> list[Reading]:
    """The session's stored register readings, in time then arrival order."""
    rows = (
        MeterSample.objects.filter(session=session, measurand=ENERGY_REGISTER, phase="")
        .order_by("sampled_at", "id")
        .values_list("sampled_at", "value", "unit")
    )
    return [(at, value * 1000 if unit.lower() == "kwh" else value) for at, value, unit in rows]
