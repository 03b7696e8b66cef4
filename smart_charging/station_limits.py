"""Charging limits as managed state: stored, sent in the station's version and unit, and sent
again when the station comes back without them (a reboot loses what it held in memory)."""

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from assets.models import Asset
from ocpp_bridge.api.presenters import iso
from ocpp_bridge.calls.create import CALL_ASSET_FIELDS, CallRefusedError, ocpp_call_create
from ocpp_bridge.models import OcppCall
from ocpp_bridge.protocol.versions import OcppVersion
from smart_charging.fanout import charging_limits_changed
from smart_charging.models import ChargingLimit, LimitSource, Purpose
from smart_charging.profile_messages import (
    ProfileLimit,
    clear_profile_payload,
    set_profile_payload,
)
from smart_charging.station_support import station_rate_unit

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
) -> ChargingLimit:
    """Store the limit and send it now if the station is connected (else it goes when the
    station boots). The row keeps what the station held before, so a refused or lost call
    leaves the CSMS knowing the old value still holds. Runs in its own transaction; the call
    is delivered after it commits. Inside the caller's transaction when there is one (a
    re-balance stores all its limits in one)."""
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
        limit.call = profile_send(limit, asset=asset, reply_channel=reply_channel)
        limit.save()
        _changed_on_commit(asset.pk)
    return limit


def _changed_on_commit(asset_id: Any) -> None:
    charging_limits_changed.publish_on_commit({"assetId": str(asset_id)})


def profile_send(limit: ChargingLimit, *, asset: Asset, reply_channel: str = "") -> OcppCall | None:
    """Queue SetChargingProfile for `limit` in the station's version and unit; None when the
    station cannot be called now (not connected)."""
    if not asset.protocol or asset.current_connection_id is None:
        return None
    version = OcppVersion(asset.protocol)
    profile = ProfileLimit(
        profile_id=limit.profile_id,
        purpose=str(limit.purpose),
        evse_id=limit.evse_id,
        limit_amps=limit.limit_amps,
        number_phases=limit.number_phases,
        stack_level=limit.stack_level,
        transaction_id=limit.transaction_id,
        rate_unit=station_rate_unit(asset_id=asset.pk, version=version),
    )
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
