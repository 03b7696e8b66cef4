"""/asset-management/v1/assets/{assetId}/charging-limits: the limits a station should hold
(kept, sent in its version, re-sent after its reboots), and what it says it applies."""

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from oauth2_provider.contrib.rest_framework import TokenMatchesOASRequirements
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.access import asset_visible_get
from api.errors import ApiError
from api.openapi import errors
from api.pagination import one
from ocpp_bridge.api.call_responses import ERRORS_DOC, command_station
from ocpp_bridge.api.presenters import raw_request_answer
from ocpp_bridge.models import OcppCall
from ocpp_bridge.protocol.versions import OcppVersion
from smart_charging.installed_profiles import installed_profiles_check
from smart_charging.models import ChargingLimit
from smart_charging.presenters import charging_limit_present, installed_present
from smart_charging.profile_messages import composite_schedule_payload
from smart_charging.schedules import Period, ScheduleRefusedError
from smart_charging.selectors import charging_limits_of
from smart_charging.serializers import (
    ChargingLimitSerializer,
    CompositeQuerySerializer,
    InstalledQuerySerializer,
)
from smart_charging.station_limits import (
    PanelOwnedLimitError,
    charging_limit_remove,
    charging_limit_set,
)

TAGS = ["Smart charging"]
LIMIT = OpenApiResponse(description="`{data: limit}` with `status` (queued, not_sent, Accepted...)")
NO_ASSET = {404: "asset_not_found"}
SCHEDULE_REFUSALS = {
    400: "invalid_request / first_period_not_at_zero / periods_not_ascending / "
    "period_beyond_recurrence / recurrence_without_periods / schedule_not_for_transaction / "
    "too_many_periods (more than the station takes; details.stationMaxPeriods)",
    409: "managed_by_panel (a TxDefault or transaction limit of a station on a panel)",
    **NO_ASSET,
}
LIMITS = OpenApiResponse(description="`{data: {items: [limit]}}`")


class ChargingLimitsView(APIView):
    permission_classes = [TokenMatchesOASRequirements]
    required_alternate_scopes = {"GET": [["read:asset"]], "POST": [["write:ocpp"]]}

    @extend_schema(operation_id="charging_limit_list", summary="A station's charging limits",
                   responses={200: LIMITS, **errors(NO_ASSET)}, tags=TAGS)  # fmt: skip
    def get(self, request: Request, asset_id: str) -> Response:
        asset = asset_visible_get(request, asset_id)
        limits = charging_limits_of([asset.pk]).get(asset.pk, [])
        return one({"hasMore": False, "items": [charging_limit_present(x) for x in limits]})

    @extend_schema(operation_id="charging_limit_set",
                   summary="Set a limit of the station, an EVSE or a transaction",
                   request=ChargingLimitSerializer,
                   responses={202: LIMIT, **errors(SCHEDULE_REFUSALS)}, tags=TAGS)  # fmt: skip
    def post(self, request: Request, asset_id: str) -> Response:
        asset = asset_visible_get(request, asset_id)
        body = ChargingLimitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        periods = [Period(p["startPeriod"], p["limitAmps"]) for p in data.get("periods", [])]
        try:
            limit = charging_limit_set(
                asset=asset, purpose=data["purpose"], limit_amps=data.get("limitAmps", 0.0),
                evse_id=data["evseId"], transaction_id=data["transactionId"],
                number_phases=data["numberPhases"], stack_level=data["stackLevel"],
                periods=periods, recurrency=data["recurrency"],
                schedule_start=data["scheduleStart"],
            )  # fmt: skip
        except ScheduleRefusedError as refusal:
            raise ApiError(400, refusal.code, refusal.message,
                           {"field": "periods", **refusal.details}) from None  # fmt: skip
        except PanelOwnedLimitError as refusal:
            raise ApiError(409, refusal.code, str(refusal), {"field": "purpose"}) from None
        return one(charging_limit_present(limit), http_status=status.HTTP_202_ACCEPTED)


class ChargingLimitDetailView(APIView):
    required_scopes = ["write:ocpp"]

    @extend_schema(operation_id="charging_limit_remove",
                   summary="Remove a limit (ClearChargingProfile on the station)",
                   responses={204: None, **errors({404: "charging_limit_not_found"})},
                   tags=TAGS)  # fmt: skip
    def delete(self, request: Request, asset_id: str, limit_id: str) -> Response:
        asset = asset_visible_get(request, asset_id)
        limits = ChargingLimit.objects.select_related("asset").filter(asset=asset)
        limit = limits.filter(pk=limit_id).first() if limit_id.isdigit() else None
        if limit is None:
            raise ApiError(404, "charging_limit_not_found", f"No limit {limit_id!r} here.")
        charging_limit_remove(limit=limit)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CompositeScheduleView(APIView):
    required_scopes = ["write:ocpp"]

    @extend_schema(operation_id="charging_limit_composite",
                   summary="Ask the station what it applies (GetCompositeSchedule)",
                   parameters=[CompositeQuerySerializer],
                   # A call to the station: it answers, times out or is not connected, as a
                   # raw request does.
                   responses={200: OpenApiResponse(description="The raw-request answer shape"),
                              **ERRORS_DOC}, tags=TAGS)  # fmt: skip
    def get(self, request: Request, asset_id: str) -> Response:
        asset = asset_visible_get(request, asset_id)
        query = CompositeQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        version = OcppVersion(asset.protocol or OcppVersion.V16.value)
        evse_id, duration = query.validated_data["evseId"], query.validated_data["duration"]
        payload = composite_schedule_payload(version, evse_id=evse_id, duration=duration)
        call = command_station(request, asset=asset, action="GetCompositeSchedule", payload=payload,
                               wait=True, message_id=None)  # fmt: skip
        return Response(raw_request_answer(call))


class InstalledProfilesView(APIView):
    required_scopes = ["write:ocpp"]

    @extend_schema(operation_id="charging_limit_installed",
                   summary="Ask the station which profiles it holds (GetChargingProfiles) and "
                   "check each kept limit against them",
                   description="2.0.1 / 2.1: GetChargingProfiles with a requestId; the "
                   "station's ReportChargingProfiles are collected and each limit is marked "
                   "`installed`: confirmed, differs or missing; `unknownProfiles` are those "
                   "it holds that the CSMS does not keep. 1.6 has no GetChargingProfiles: the "
                   "answer says so (`method`: GetCompositeSchedule) and carries the station's "
                   "composite schedule instead; its limits' `installed` is null.",
                   parameters=[InstalledQuerySerializer],
                   responses={200: OpenApiResponse(description="`{data: {method, limits, ...}}`"),
                              **ERRORS_DOC}, tags=TAGS)  # fmt: skip
    def get(self, request: Request, asset_id: str) -> Response:
        asset = asset_visible_get(request, asset_id)
        query = InstalledQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        evse_id = query.validated_data["evseId"]
        limits = [
            limit for limit in charging_limits_of([asset.pk]).get(asset.pk, [])
            if evse_id is None or limit.evse_id == evse_id
        ]  # fmt: skip

        def send(action: str, payload: dict[str, Any]) -> OcppCall:
            return command_station(request, asset=asset, action=action, payload=payload,
                                   wait=True, message_id=None)  # fmt: skip

        if asset.protocol == OcppVersion.V16.value:  # no GetChargingProfiles in 1.6
            payload = composite_schedule_payload(OcppVersion.V16, evse_id=evse_id or 0)
            composite = raw_request_answer(send("GetCompositeSchedule", payload))
            return one(installed_present(limits=limits, composite=composite))
        check = installed_profiles_check(asset=asset, evse_id=evse_id, limits=limits, send=send)
        return one(installed_present(limits=limits, check=check))
