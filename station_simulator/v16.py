"""The OCPP 1.6 simulated station."""

from __future__ import annotations

from typing import Any

from ocpp.routing import on
from ocpp.v16 import ChargePoint, call, call_result

from .charging_profiles import profile_from_v16
from .config import StationConfig
from .meter import ENERGY, POWER, Transaction
from .v16_transaction import V16Transactions


class Station16(V16Transactions, ChargePoint):
    """An OCPP 1.6 charge point with a handful of connectors."""

    protocol = "ocpp1.6"

    def __init__(self, config: StationConfig) -> None:
        super().__init__(config)
        # key -> (value, read-only).  Unknown keys written by the CSMS are remembered too.
        self.configuration: dict[str, tuple[str, bool]] = {
            "HeartbeatInterval": ("0", False),
            "MeterValueSampleInterval": (str(int(config.meter_value_interval)), False),
            "MeterValuesSampledData": (f"{ENERGY},{POWER}", False),
            "NumberOfConnectors": (str(config.connectors), True),
            "AuthorizeRemoteTxRequests": ("false", False),
            "LocalAuthorizeOffline": ("true", False),
            "ConnectionTimeOut": ("60", False),
            "SupportedFeatureProfiles": (
                "Core,RemoteTrigger,SmartCharging,FirmwareManagement",
                True,
            ),
            "DefaultPrice": ("", False),
            "ChargingScheduleMaxPeriods": (str(config.max_schedule_periods), True),
        }

    def _heartbeat_from_config(self) -> float | None:
        value = self.configuration["HeartbeatInterval"][0]
        return float(value) if value.isdigit() and int(value) > 0 else None

    # ---- handlers for CSMS requests -----------------------------------------------------

    @on("GetConfiguration")
    def on_get_configuration(
        self, key: list[str] | None = None, **_: Any
    ) -> call_result.GetConfiguration:
        """Report the requested keys (all when none are named) and the unknown ones."""
        names = key or list(self.configuration)
        known = [
            {
                "key": name,
                "readonly": self.configuration[name][1],
                "value": self.configuration[name][0],
            }
            for name in names
            if name in self.configuration
        ]
        unknown = [name for name in names if name not in self.configuration]
        return call_result.GetConfiguration(configuration_key=known, unknown_key=unknown or None)

    @on("ChangeConfiguration")
    def on_change_configuration(
        self, key: str, value: str, **_: Any
    ) -> call_result.ChangeConfiguration:
        """Accept and remember any writable key (e.g. DefaultPrice); refuse read-only ones."""
        if self.configuration.get(key, ("", False))[1]:
            return call_result.ChangeConfiguration(status="Rejected")
        self.configuration[key] = (value, False)
        return call_result.ChangeConfiguration(status="Accepted")

    @on("Reset")
    def on_reset(self, type: str, **_: Any) -> call_result.Reset:
        """Accept; the simulator does not actually reboot."""
        return call_result.Reset(status="Accepted")

    @on("RemoteStartTransaction")
    def on_remote_start(
        self, id_tag: str, call_unique_id: str, connector_id: int | None = None, **_: Any
    ) -> call_result.RemoteStartTransaction:
        """Accept when a connector is free, then start a transaction on it."""
        if connector_id is not None:
            target = self.connectors.get(connector_id)
            connector = (
                target if target is not None and not target.busy and target.available else None
            )
        else:
            connector = self._free_connector()
        if connector is None:
            return call_result.RemoteStartTransaction(status="Rejected")
        authorize = self.configuration["AuthorizeRemoteTxRequests"][0].lower() == "true"
        # Reserve now so a second RemoteStart cannot pick the same connector.
        connector.transaction = Transaction(connector.connector_id, id_tag)
        cid = connector.connector_id

        async def start() -> None:
            connector.transaction = None
            # Not awaited: the transaction outlives this follow-up task.
            self.start_transaction(cid, id_tag, authorize=authorize)

        self.after_answer(call_unique_id, start)
        return call_result.RemoteStartTransaction(status="Accepted")

    @on("RemoteStopTransaction")
    def on_remote_stop(
        self, transaction_id: int, call_unique_id: str, **_: Any
    ) -> call_result.RemoteStopTransaction:
        """Accept and stop the transaction (reason Remote) when it is ours."""
        tx = self.find_transaction(str(transaction_id))
        if tx is None:
            return call_result.RemoteStopTransaction(status="Rejected")
        self.after_answer(call_unique_id, _later(tx.request_stop, "Remote"))
        return call_result.RemoteStopTransaction(status="Accepted")

    @on("TriggerMessage")
    def on_trigger_message(
        self, requested_message: str, call_unique_id: str, connector_id: int | None = None, **_: Any
    ) -> call_result.TriggerMessage:
        """Accept and send the requested message right after answering."""
        status = self._schedule_trigger(requested_message, connector_id, call_unique_id)
        return call_result.TriggerMessage(status=status)

    @on("ExtendedTriggerMessage")
    def on_extended_trigger_message(
        self, requested_message: str, call_unique_id: str, connector_id: int | None = None, **_: Any
    ) -> call_result.ExtendedTriggerMessage:
        """The security-extension variant of TriggerMessage."""
        status = self._schedule_trigger(requested_message, connector_id, call_unique_id)
        return call_result.ExtendedTriggerMessage(status=status)

    @on("UnlockConnector")
    def on_unlock_connector(
        self, connector_id: int, call_unique_id: str, **_: Any
    ) -> call_result.UnlockConnector:
        """Unlock; a transaction on that connector ends with reason UnlockCommand."""
        connector = self.connectors.get(connector_id)
        if connector is None:
            return call_result.UnlockConnector(status="NotSupported")
        if connector.transaction is not None:
            self.after_answer(
                call_unique_id, _later(connector.transaction.request_stop, "UnlockCommand")
            )
        return call_result.UnlockConnector(status="Unlocked")

    @on("ChangeAvailability")
    def on_change_availability(
        self, connector_id: int, type: str, call_unique_id: str, **_: Any
    ) -> call_result.ChangeAvailability:
        """Accept (Scheduled while charging) and report the new status of idle connectors."""
        targets = [c for c in self.connectors.values() if connector_id in (0, c.connector_id)]
        status = self.change_availability(targets, type == "Operative", call_unique_id)
        return call_result.ChangeAvailability(status=status)

    @on("DataTransfer")
    def on_data_transfer(self, vendor_id: str, **_: Any) -> call_result.DataTransfer:
        """Accept any vendor data."""
        return call_result.DataTransfer(status="Accepted")

    @on("SetChargingProfile")
    def on_set_charging_profile(
        self, connector_id: int, cs_charging_profiles: dict[str, Any], **_: Any
    ) -> call_result.SetChargingProfile:
        """Install the profile and draw under it (charging_profiles)."""
        config = self.config
        profile = profile_from_v16(
            connector_id, cs_charging_profiles, config.phases, config.voltage
        )
        return call_result.SetChargingProfile(status=self.profile_install(profile))

    @on("ClearChargingProfile")
    def on_clear_charging_profile(
        self, id: int | None = None, **_: Any
    ) -> call_result.ClearChargingProfile:
        return call_result.ClearChargingProfile(status=self.profile_clear(id))

    @on("GetCompositeSchedule")
    def on_get_composite_schedule(
        self, connector_id: int, duration: int, charging_rate_unit: str | None = None, **_: Any
    ) -> call_result.GetCompositeSchedule:
        schedule = self.composite_schedule(connector_id, duration, charging_rate_unit)
        if schedule is None:
            return call_result.GetCompositeSchedule(status="Rejected")
        return call_result.GetCompositeSchedule(
            status="Accepted",
            connector_id=connector_id,
            schedule_start=schedule.pop("schedule_start"),
            charging_schedule={key: value for key, value in schedule.items() if key != "evse_id"},
        )

    # ---- triggers -----------------------------------------------------------------------

    def _schedule_trigger(
        self, requested: str, connector_id: int | None, call_unique_id: str
    ) -> str:
        targets = [c for c in self.connectors.values() if connector_id in (None, 0, c.connector_id)]
        simple = {
            "BootNotification": self.send_boot,
            "Heartbeat": lambda: self.send_call(call.Heartbeat()),
            "DiagnosticsStatusNotification": lambda: self.send_call(
                call.DiagnosticsStatusNotification(status="Idle")
            ),
            "FirmwareStatusNotification": lambda: self.send_call(
                call.FirmwareStatusNotification(status="Idle")
            ),
            "LogStatusNotification": lambda: self.send_call(
                call.LogStatusNotification(status="Idle", request_id=0)
            ),
        }
        if requested in simple:
            self.after_answer(call_unique_id, simple[requested])
        elif requested in ("StatusNotification", "MeterValues") and targets:
            self.after_answer(call_unique_id, lambda: self.send_for_connectors(requested, targets))
        elif requested in ("StatusNotification", "MeterValues"):
            return "Rejected"
        else:
            return "NotImplemented"
        return "Accepted"


def _later(function: Any, *args: Any) -> Any:
    """Wrap a plain call as an async follow-up (see ``after_answer``)."""

    async def followup() -> None:
        function(*args)

    return followup
