"""Charging limits as managed state: stored, sent in the station's version and unit, and sent
again when the station comes back without them (a reboot loses what it held in memory)."""

import logging
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from assets.models import Asset
from ocpp_bridge.api.presenters import iso
from ocpp_bridge.calls.create import CALL_ASSET_FIELDS, CallRefusedError, ocpp_call_create
from ocpp_bridge.models import OcppCall
from ocpp_bridge.protocol.versions import OcppVersion
from smart_charging.fanout import charging_limits_changed
from smart_charging.models import ChargingLimit, LimitSource, PanelStation, Purpose
from smart_charging.profile_messages import (
    ProfileLimit,
    clear_profile_payload,
    set_profile_payload,
)
from smart_charging.schedules import (
    Period,
    ScheduleRefusedError,
    periods_as_rows,
    periods_from_rows,
    schedule_check,
    schedule_peak,
)
from smart_charging.station_support import station_max_periods, station_rate_unit

logger = logging.getLogger(__name__)

PROFILE_CALL_SOURCE = "smart_charging"


def charging_limit_set(
    *,
    asset: Asset,
    purpose: str,
    limit_amps: float,
    evse_id: int = 0,
    transaction_id: str = "",
    number_phases: int = 3,
    stack_level: int = 0,
    source: str = LimitSource.OPERATOR,
    reply_channel: str = "",
    periods: list[Period] | None = None,
    recurrency: str = "",
    schedule_start: datetime | None = None,
) -> ChargingLimit:
    """Store the limit and send it now if the station is connected (else it goes when the
    station boots). The row keeps what the station held before, so a refused or lost call
    leaves the CSMS knowing the old value still holds. Runs in its own transaction; the call
    is delivered after it commits. Inside the caller's transaction when there is one (a
    re-balance stores all its limits in one).

    With `periods` (an operator's station maximum or TxDefault) the limit is a schedule and
    `limit_amps` is ignored for its peak; ScheduleRefusedError when the station cannot take it
    (charging_schedule_check). Without, it is one value from the start, as the load
    manager's always are (and a schedule the row held before is dropped)."""
    if source == LimitSource.OPERATOR:
        panel_ownership_check(asset_id=asset.pk, purpose=purpose)
    if periods or recurrency:
        periods = periods or []
        charging_schedule_check(
            asset=asset, purpose=purpose, periods=periods, recurrency=recurrency
        )
        limit_amps = schedule_peak(periods)
        schedule_start = schedule_start or _default_start(purpose, recurrency)
    else:
        recurrency, schedule_start = "", None
    with transaction.atomic(savepoint=False):
        limit, created = ChargingLimit.objects.select_for_update().get_or_create(
            asset=asset,
            evse_id=evse_id,
            purpose=purpose,
            transaction_id=transaction_id,
            defaults={"limit_amps": limit_amps, "source": source},
        )
        limit.prior_amps = None if created else limit.committed_amps
        limit.limit_amps = limit_amps
        limit.number_phases = number_phases
        limit.stack_level = stack_level
        limit.source = source
        limit.periods = periods_as_rows(periods or [])
        limit.recurrency = recurrency
        limit.schedule_start = schedule_start
        limit.call = profile_send(limit, asset=asset, reply_channel=reply_channel)
        limit.save()
        _changed_on_commit(asset.pk)
    return limit


class PanelOwnedLimitError(Exception):
    """An operator's limit of a kind its station's panel owns."""

    code = "managed_by_panel"


def panel_ownership_check(*, asset_id: Any, purpose: str) -> None:
    """Raise PanelOwnedLimitError for an operator's limit that a panel owns. On a station
    attached to a panel the transactions' limits are the load manager's, and its TxDefault
    is the panel's fallback, at which the load manager counts each idle EVSE: an operator's
    would replace them and could overcommit the panel. A station maximum stays the
    operator's: it can only lower what the station draws."""
    if purpose == Purpose.STATION_MAX:
        return
    if PanelStation.objects.filter(asset_id=asset_id).exists():
        raise PanelOwnedLimitError(
            f"The station is on a panel: its {purpose} limits are the panel's (set its "
            "fallback where it is attached to the panel); only a station maximum may be set."
        )


def charging_schedule_check(
    *, asset: Asset, purpose: str, periods: list[Period], recurrency: str = ""
) -> None:
    """Raise ScheduleRefusedError unless `periods` make a schedule the station takes: an operator's
    station maximum or TxDefault (a transaction's limit is the load manager's, one value),
    well formed, of no more periods than the station says it takes. Never cut: a schedule
    shortened silently would hold the station at a limit nobody set."""
    if purpose == Purpose.TX:
        raise ScheduleRefusedError(
            "schedule_not_for_transaction",
            "Only a station maximum or a TxDefault may be a schedule.",
        )
    most = None
    if asset.protocol:
        most = station_max_periods(asset_id=asset.pk, version=OcppVersion(asset.protocol))
    schedule_check(periods, recurrency=recurrency, station_max_periods=most)


def _default_start(purpose: str, recurrency: str) -> datetime | None:
    """Where a schedule counts from when the operator gave no start: a recurring one from
    today's midnight (UTC, the stations' clock), a station maximum from now, a TxDefault
    from each transaction's start (None: Relative)."""
    now = timezone.now()
    if recurrency:
        return now.replace(hour=0, minute=0, second=0, microsecond=0)
    return now if purpose == Purpose.STATION_MAX else None


def _changed_on_commit(asset_id: Any) -> None:
    charging_limits_changed.publish_on_commit({"assetId": str(asset_id)})


def profile_send(limit: ChargingLimit, *, asset: Asset, reply_channel: str = "") -> OcppCall | None:
    """Queue SetChargingProfile for `limit` in the station's version and unit; None when the
    station cannot be called now (not connected)."""
    if not asset.protocol or asset.current_connection_id is None:
        return None
    version = OcppVersion(asset.protocol)
    profile = profile_limit_of(limit, asset=asset, version=version)
    payload = set_profile_payload(version, profile, now=iso(timezone.now()))
    try:
        return ocpp_call_create(
            asset=asset,
            action="SetChargingProfile",
            payload=payload,
            source=PROFILE_CALL_SOURCE,
            reply_channel=reply_channel,
            is_async=not reply_channel,
        )
    except CallRefusedError as error:
        logger.info("Limit %s not sent to %s: %s", limit.pk, asset.identity, error.message)
        return None


def profile_limit_of(limit: ChargingLimit, *, asset: Asset, version: OcppVersion) -> ProfileLimit:
    """The limit as the profile the station is sent, in its rate unit."""
    return ProfileLimit(
        profile_id=limit.profile_id,
        purpose=str(limit.purpose),
        evse_id=limit.evse_id,
        limit_amps=limit.limit_amps,
        number_phases=limit.number_phases,
        stack_level=limit.stack_level,
        transaction_id=limit.transaction_id,
        rate_unit=station_rate_unit(asset_id=asset.pk, version=version),
        periods=tuple((p.start_seconds, p.limit_amps) for p in periods_from_rows(limit.periods)),
        recurrency=limit.recurrency,
        schedule_start=iso(limit.schedule_start),
    )


def charging_limits_reapply(*, asset_id: Any) -> int:
    """The station (re)booted: send again every limit it should hold beyond a transaction
    (a transaction's limit ends with it). Returns how many were queued."""
    return _resend(asset_id, unconfirmed_only=False)


def charging_limits_send_unconfirmed(*, asset_id: Any) -> int:
    """The station came back without a reboot: it still holds what it accepted, so send only
    the limits it never took (set while it was away, or whose call failed with its last
    connection)."""
    return _resend(asset_id, unconfirmed_only=True)


def _resend(asset_id: Any, *, unconfirmed_only: bool) -> int:
    asset = Asset.objects.only(*CALL_ASSET_FIELDS).get(pk=asset_id)
    lasting = ChargingLimit.objects.filter(asset_id=asset_id).exclude(purpose=Purpose.TX)
    queued = 0
    with transaction.atomic():
        for limit in lasting.select_for_update(of=("self",)).select_related("call"):
            if unconfirmed_only and limit.outcome in ("Accepted", "queued", "sent"):
                continue
            if not unconfirmed_only:  # after a reboot it holds nothing of ours
                limit.prior_amps = None
            limit.call = profile_send(limit, asset=asset)
            limit.save(update_fields=["prior_amps", "call", "updated_at"])
            queued += limit.call is not None
        _changed_on_commit(asset_id)
    return queued


def charging_limits_stale_delete(*, asset_id: Any, active_transaction_ids: set[str]) -> None:
    """Forget the transaction limits of transactions no longer running."""
    deleted, _ = (
        ChargingLimit.objects.filter(asset_id=asset_id, purpose=Purpose.TX)
        .exclude(transaction_id__in=active_transaction_ids)
        .delete()
    )
    if deleted:
        _changed_on_commit(asset_id)


def charging_limit_remove(*, limit: ChargingLimit) -> OcppCall | None:
    """Forget the limit and clear its profile from the station if it is connected (a station
    offline now holds it until its next boot, which installs only what is kept)."""
    asset = limit.asset
    call = None
    if asset.protocol and asset.current_connection_id is not None:
        payload = clear_profile_payload(OcppVersion(asset.protocol), limit.profile_id)
        try:
            call = ocpp_call_create(
                asset=asset,
                action="ClearChargingProfile",
                payload=payload,
                source=PROFILE_CALL_SOURCE,
            )
        except CallRefusedError as error:
            logger.info("Limit %s not cleared on %s: %s", limit.pk, asset.identity, error.message)
    limit.delete()
    _changed_on_commit(asset.pk)
    return call
