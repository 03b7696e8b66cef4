"""What the load manager and the kept limits did, for listeners outside the domain: the web UI
subscribes in ui/apps.py (the domain never imports it). Best effort and after commit, as
ocpp_bridge.station_fanout: a listener that fails is logged and skipped."""

from ocpp_bridge.station_fanout import EventData, Fanout

# A panel tree was re-balanced: one event per panel of the tree, its snapshot
# {"panelId", "takenAt", "capacityAmps", "allocatedAmps", "sessions"} (smart_charging.snapshots).
panels_rebalanced: Fanout[list[EventData]] = Fanout("panels_rebalanced")
# A station's kept limits changed (set, sent again, removed): {"assetId"}. Their answers come
# through ocpp_bridge.station_fanout.calls_finished.
charging_limits_changed: Fanout[EventData] = Fanout("charging_limits_changed")
