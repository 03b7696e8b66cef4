"""Every metric the processes update, in one place (the scrape-time ones, read from
PostgreSQL and Redis when scraped, are in observability/collectors.py).

Names follow Prometheus' conventions: `_total` for counters (added by the client), base units
(seconds). Label values come from closed sets only (actions the CSMS handles, error codes,
states), never from what a station chose to send: a station must not grow the series count.
"""

from prometheus_client import Counter, Gauge, Histogram

import observability.processes  # noqa: F401  (before any metric: the shared directory)

# Latencies of calls and webhooks: from a station's quick answer to a receiver's 30 s timeout.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)

processes = Gauge(
    "csms_processes",
    "Live processes writing metrics, by kind (daphne, worker, beat).",
    ["kind"],
    multiprocess_mode="livesum",
)

station_connects = Counter(
    "csms_station_connects",
    "Station WebSocket connections accepted, by OCPP protocol.",
    ["protocol"],
)
station_disconnects = Counter(
    "csms_station_disconnects",
    "Station connections ended, by close reason (disconnected, replaced, server_shutdown, "
    "server_lost).",
    ["reason"],
)
station_handshakes_refused = Counter(
    "csms_station_handshakes_refused",
    "Station handshakes refused, by why (credentials, subprotocol).",
    ["why"],
)
charger_messages = Counter(
    "csms_charger_messages",
    "Messages (CALL, SEND) stations sent, by action and outcome (result, callerror, "
    "unanswered for a SEND).",
    ["action", "outcome"],
)
callerrors_sent = Counter(
    "csms_callerrors_sent",
    "CALLERRORs the CSMS answered stations with, by error code.",
    ["code"],
)
ocpp_calls_sent = Counter(
    "csms_ocpp_calls_sent",
    "CSMS-initiated calls handed to a station's connection, by action.",
    ["action"],
)
ocpp_call_queued_seconds = Histogram(
    "csms_ocpp_call_queued_seconds",
    "Time a CSMS-initiated call waited from queued to sent, by action.",
    ["action"],
    buckets=LATENCY_BUCKETS,
)
ocpp_calls_finished = Counter(
    "csms_ocpp_calls_finished",
    "CSMS-initiated calls by action and final state (answered, error, invalid_response, "
    "timed_out, failed).",
    ["action", "state"],
)
ocpp_call_answer_seconds = Histogram(
    "csms_ocpp_call_answer_seconds",
    "Time from a call sent to its answer stored, by action and final state.",
    ["action", "state"],
    buckets=LATENCY_BUCKETS,
)
webhook_deliveries = Counter(
    "csms_webhook_deliveries",
    "Webhook delivery attempts by outcome (succeeded, retrying, failed: given up).",
    ["outcome"],
)
webhook_delivery_seconds = Histogram(
    "csms_webhook_delivery_seconds",
    "Time from a webhook's event to its attempt's outcome recorded, by outcome.",
    ["outcome"],
    buckets=LATENCY_BUCKETS,
)
