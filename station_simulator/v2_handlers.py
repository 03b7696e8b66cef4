"""Handlers for the CSMS requests of OCPP 2.0.1 and 2.1 (shared by both versions).

The base of the 2.x stations (``station_simulator.v2``), which set up the ``device_model`` and
``display_messages`` these handlers use, and schedule triggered messages.  Arguments arrive
snake_cased from the ``ocpp`` package.
"""

from __future__ import annotations

from typing import Any

from ocpp.routing import on

from .charging_profiles import profile_from_v2
from .device_model import DeviceModel
from .meter import Transaction
from .station import SimulatedStation

# NotifyReport items per message, matching DeviceDataCtrlr.ItemsPerMessage[GetReport].
_REPORT_CHUNK = 20


class V2Handlers(SimulatedStation):
    """``@on`` handlers for 2.x CSMS requests; every other action gets a generic answer."""

    device_model: DeviceModel
    display_messages: dict[int, dict[str, Any]]
    _call_result: Any

    @on("GetVariables")
    def on_get_variables(self, get_variable_data: list[dict[str, Any]], **_: Any) -> Any:
        """Values for known variables; UnknownComponent/UnknownVariable/Rejected otherwise."""
        results = [self.device_model.get(item) for item in get_variable_data]
        return self._call_result.GetVariables(get_variable_result=results)

    @on("SetVariables")
    def on_set_variables(self, set_variable_data: list[dict[str, Any]], **_: Any) -> Any:
        """Accept and remember each item (read-only variables are Rejected)."""
        results = [self.device_model.set(item) for item in set_variable_data]
        return self._call_result.SetVariables(set_variable_result=results)

    @on("SetChargingProfile")
    def on_set_charging_profile(
        self, evse_id: int, charging_profile: dict[str, Any], **_: Any
    ) -> Any:
        """Install the profile and draw under it (charging_profiles)."""
        config = self.config
        profile = profile_from_v2(evse_id, charging_profile, config.phases, config.voltage)
        return self._call_result.SetChargingProfile(status=self.profile_install(profile))

    @on("ClearChargingProfile")
    def on_clear_charging_profile(self, charging_profile_id: int | None = None, **_: Any) -> Any:
        return self._call_result.ClearChargingProfile(
            status=self.profile_clear(charging_profile_id)
        )

    @on("GetCompositeSchedule")
    def on_get_composite_schedule(
        self, duration: int, evse_id: int, charging_rate_unit: str | None = None, **_: Any
    ) -> Any:
        schedule = self.composite_schedule(evse_id, duration, charging_rate_unit)
        if schedule is None:
            return self._call_result.GetCompositeSchedule(status="Rejected")
        return self._call_result.GetCompositeSchedule(status="Accepted", schedule=schedule)

    @on("GetChargingProfiles")
    def on_get_charging_profiles(
        self, request_id: int, call_unique_id: str, evse_id: int | None = None, **_: Any
    ) -> Any:
        """Accepted (then one ReportChargingProfiles per EVSE, with the profiles as they came)
        when it holds any on the EVSE asked for (or any EVSE); NoProfiles otherwise. The
        criteria (purpose, stack level, ids, source) are not applied: the CSMS asks for all."""
        held = self.profiles_held(evse_id)
        if not held:
            return self._call_result.GetChargingProfiles(status="NoProfiles")

        async def report() -> None:
            for number, (evse, profiles) in enumerate(sorted(held.items())):
                await self.send_call(
                    self._call.ReportChargingProfiles(
                        request_id=request_id, charging_limit_source="CSO", evse_id=evse,
                        charging_profile=profiles, tbc=number < len(held) - 1,
                    )
                )  # fmt: skip

        self.after_answer(call_unique_id, report)
        return self._call_result.GetChargingProfiles(status="Accepted")

    @on("Reset")
    def on_reset(self, type: str, **_: Any) -> Any:
        """Accept; the simulator does not actually reboot."""
        return self._call_result.Reset(status="Accepted")

    @on("RequestStartTransaction")
    def on_request_start_transaction(
        self,
        id_token: dict[str, Any],
        remote_start_id: int,
        call_unique_id: str,
        evse_id: int | None = None,
        **_: Any,
    ) -> Any:
        """Accept when an EVSE is free and start a transaction carrying ``remote_start_id``."""
        if evse_id is not None:
            target = self.connectors.get(evse_id)
            connector = (
                target if target is not None and not target.busy and target.available else None
            )
        else:
            connector = self._free_connector()
        if connector is None:
            return self._call_result.RequestStartTransaction(status="Rejected")
        authorize = self.device_model.value("AuthCtrlr", "AuthorizeRemoteStart") == "true"
        token = str(id_token["id_token"])
        # Reserve now so a second request cannot pick the same EVSE.
        connector.transaction = Transaction(connector.connector_id, token)
        cid = connector.connector_id

        async def start() -> None:
            connector.transaction = None
            self.start_transaction(cid, token, remote_start_id=remote_start_id, authorize=authorize)

        self.after_answer(call_unique_id, start)
        return self._call_result.RequestStartTransaction(status="Accepted")

    @on("RequestStopTransaction")
    def on_request_stop_transaction(
        self, transaction_id: str, call_unique_id: str, **_: Any
    ) -> Any:
        """Accept and end the transaction (stoppedReason Remote) when it is ours."""
        tx = self.find_transaction(transaction_id)
        if tx is None:
            return self._call_result.RequestStopTransaction(status="Rejected")

        async def stop() -> None:
            tx.request_stop("Remote")

        self.after_answer(call_unique_id, stop)
        return self._call_result.RequestStopTransaction(status="Accepted")

    @on("TriggerMessage")
    def on_trigger_message(
        self,
        requested_message: str,
        call_unique_id: str,
        evse: dict[str, Any] | None = None,
        **_: Any,
    ) -> Any:
        """Accept what we can send, then send it right after answering."""
        evse_id = evse.get("id") if evse else None
        status = self.schedule_trigger(requested_message, evse_id, call_unique_id)
        return self._call_result.TriggerMessage(status=status)

    @on("SetDisplayMessage")
    def on_set_display_message(self, message: dict[str, Any], **_: Any) -> Any:
        """Accept and remember the message under its id."""
        self.display_messages[int(message["id"])] = message
        return self._call_result.SetDisplayMessage(status="Accepted")

    @on("ClearDisplayMessage")
    def on_clear_display_message(self, id: int, **_: Any) -> Any:
        """Accepted when the message existed, Unknown otherwise."""
        found = self.display_messages.pop(int(id), None) is not None
        return self._call_result.ClearDisplayMessage(status="Accepted" if found else "Unknown")

    @on("GetDisplayMessages")
    def on_get_display_messages(
        self, request_id: int, call_unique_id: str, id: list[int] | None = None, **filters: Any
    ) -> Any:
        """Accepted (then NotifyDisplayMessages) when some stored message matches."""
        wanted = [
            message
            for number, message in self.display_messages.items()
            if (id is None or number in id)
            and all(
                message.get(key) == filters[key]
                for key in ("priority", "state")
                if filters.get(key)
            )
        ]
        if not wanted:
            return self._call_result.GetDisplayMessages(status="Unknown")

        async def notify() -> None:
            await self.send_call(
                self._call.NotifyDisplayMessages(request_id=request_id, message_info=wanted)
            )

        self.after_answer(call_unique_id, notify)
        return self._call_result.GetDisplayMessages(status="Accepted")

    @on("GetBaseReport")
    def on_get_base_report(
        self, request_id: int, report_base: str, call_unique_id: str, **_: Any
    ) -> Any:
        """Accept, then send the device model in NotifyReport messages."""
        items = self.device_model.report(writable_only=report_base == "ConfigurationInventory")
        self.after_answer(call_unique_id, lambda: self.send_report(request_id, items))
        return self._call_result.GetBaseReport(status="Accepted")

    @on("GetReport")
    def on_get_report(
        self,
        request_id: int,
        call_unique_id: str,
        component_variable: list[dict[str, Any]] | None = None,
        **_: Any,
    ) -> Any:
        """Like GetBaseReport, limited to the requested components/variables."""
        items = self.device_model.report(component_variable)
        if not items:
            return self._call_result.GetReport(status="EmptyResultSet")
        self.after_answer(call_unique_id, lambda: self.send_report(request_id, items))
        return self._call_result.GetReport(status="Accepted")

    @on("UnlockConnector")
    def on_unlock_connector(self, evse_id: int, connector_id: int, **_: Any) -> Any:
        """Unlocked, unless the EVSE is unknown or charging."""
        connector = self.connectors.get(evse_id)
        if connector is None or connector_id != 1:
            status = "UnknownConnector"
        elif connector.busy:
            status = "OngoingAuthorizedTransaction"
        else:
            status = "Unlocked"
        return self._call_result.UnlockConnector(status=status)

    @on("ChangeAvailability")
    def on_change_availability(
        self,
        operational_status: str,
        call_unique_id: str,
        evse: dict[str, Any] | None = None,
        **_: Any,
    ) -> Any:
        """Accept (Scheduled while charging) and report the new status of idle EVSEs."""
        evse_id = evse.get("id") if evse else None
        targets = [c for c in self.connectors.values() if evse_id in (None, 0, c.connector_id)]
        available = operational_status == "Operative"
        status = self.change_availability(targets, available, call_unique_id)
        return self._call_result.ChangeAvailability(status=status)

    @on("DataTransfer")
    def on_data_transfer(self, vendor_id: str, **_: Any) -> Any:
        """Accept any vendor data."""
        return self._call_result.DataTransfer(status="Accepted")

    async def send_report(self, request_id: int, items: list[dict[str, Any]]) -> None:
        """Send ``items`` as NotifyReport messages of at most ``_REPORT_CHUNK`` items."""
        chunks = [items[i : i + _REPORT_CHUNK] for i in range(0, len(items), _REPORT_CHUNK)] or [[]]
        generated_at = self.clock()
        for seq_no, chunk in enumerate(chunks):
            await self.send_call(
                self._call.NotifyReport(
                    request_id=request_id,
                    generated_at=generated_at,
                    seq_no=seq_no,
                    report_data=chunk or None,
                    tbc=seq_no < len(chunks) - 1,
                )
            )
