"""Health, metrics and logs in the production shape: two daphne processes and a Celery worker
sharing one metrics directory, stations on real sockets, API calls and webhook deliveries;
every counter and histogram moves by exactly what happened, whichever daphne is scraped."""

import asyncio
import json
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from django.conf import settings

from ocpp_bridge.models import OcppCall
from ocpp_bridge.protocol.errors import ErrorCode
from ocpp_bridge.protocol.versions import OcppVersion
from tests.api_clients import Api, api_for
from tests.e2e.raw_station import RawStation
from tests.e2e.test_webhooks import subscribe
from tests.observability.scrape import Samples, moved, scrape, scraped_until, value
from tests.servers import (
    celery_worker_popen,
    daphne_popen,
    daphne_process,
    free_port,
    other_daphnes_paused,
    other_workers_paused,
    unavailable,
    webhook_sender_process,
)
from tests.webhooks.receiver import Receiver, running_receiver

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TOKEN = "scrape-token-for-tests"
SCOPES = "write:ocpp.raw_request write:ocpp read:webhooks write:webhooks"
BOOT = {"chargePointVendor": "Acme", "chargePointModel": "Watched"}


@dataclass(frozen=True)
class Observed:
    daphne_a: str  # logs JSON lines
    daphne_b: str
    log_a: Path
    env: dict[str, str]  # what their processes share: the metrics directory, the token


@pytest.fixture(scope="module")
def observed(
    django_db_setup: None, django_db_blocker, server_logs: Path, tmp_path_factory
) -> Iterator[Observed]:
    if not settings.REDIS_URL:
        unavailable("multi-process tests need REDIS_URL (and ideally DATABASE_URL)")
    env = {
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path_factory.mktemp("metrics")),
        "METRICS_TOKEN": TOKEN,
        "OCPP_CALL_TIMEOUT": "10",
    }
    log_a = server_logs / "observed-a.log"
    with django_db_blocker.unblock(), ExitStack() as stack:
        a, a_process = stack.enter_context(daphne_popen(log_a, LOG_FORMAT="json", **env))
        b, b_process = stack.enter_context(daphne_popen(server_logs / "observed-b.log", **env))
        worker = stack.enter_context(
            celery_worker_popen(server_logs / "observed-worker.log", **env)
        )
        sender = stack.enter_context(
            webhook_sender_process(server_logs / "observed-sender.log", **env)
        )
        # Its counts are of its own processes: the session's other servers, workers and senders,
        # on the same database and broker, would otherwise deliver a share of its calls (a
        # daphne's heartbeat dispatches a station's queue that looks stalled) and webhooks.
        stack.enter_context(other_workers_paused(worker, sender))
        stack.enter_context(other_daphnes_paused(a_process, b_process))
        yield Observed(a, b, log_a, env)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as receiver:
        yield receiver


def counters(samples: Samples) -> Samples:
    return {key: v for key, v in samples.items() if key[0].endswith(("_total", "_count"))}


def reset(api: Api, *, sync: bool) -> requests.Response:
    body = {"action": "Reset", "assetId": "CP-M1", "payload": {"type": "Soft"}, "async": not sync}
    response = api.post("/ocpp/v2/raw-request", body)
    assert response.status_code == 200, response.text
    return response


async def final(message_id: str) -> None:
    for _ in range(400):
        if (await OcppCall.objects.aget(message_id=message_id)).is_final:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"call {message_id} never final")


def error_code(frame: list, version: OcppVersion) -> str:
    """The code of a CALLERROR frame as the metrics name it (the 2.x spelling)."""
    return next(code.value for code in ErrorCode if code.spelled_for(version) == frame[2])


async def test_metrics_move_by_exactly_the_traffic_of_stations_api_and_webhooks(
    observed: Observed, make_station, receiver: Receiver
) -> None:
    await asyncio.to_thread(make_station, "CP-M1", protocol="ocpp1.6")
    await asyncio.to_thread(make_station, "CP-M2", protocol="ocpp2.0.1")
    api = await asyncio.to_thread(api_for, observed.daphne_b, SCOPES)
    await asyncio.to_thread(subscribe, api, receiver, ["asset.connectivity"])
    receiver.statuses = [500]  # the first delivery fails (retried in an hour), the rest succeed
    before = await asyncio.to_thread(scrape, observed.daphne_a, TOKEN)

    async with RawStation(observed.daphne_a, "CP-M1", "ocpp1.6") as one:
        async with RawStation(observed.daphne_b, "CP-M2", "ocpp2.0.1"):
            online = await asyncio.to_thread(scrape, observed.daphne_b, TOKEN)
        assert (await one.call("BootNotification", BOOT))[0] == 3
        assert [(await one.call("Heartbeat", {}))[0] for _ in range(2)] == [3, 3]
        refused = [await one.call("StatusNotification", {}), await one.call("MadeUpAction", {})]
        assert [frame[0] for frame in refused] == [4, 4]
        await asyncio.to_thread(reset, api, sync=True)
        queued = await asyncio.to_thread(reset, api, sync=False)
        await final(queued.json()["ocppMessageId"])
    await asyncio.to_thread(receiver.wait_for, lambda got: len(got) == 4)

    def webhooks_counted(samples: Samples) -> bool:
        return sum(moved(before, samples, "csms_webhook_deliveries_total", outcome=o)
                   for o in ("succeeded", "retrying")) == 4  # fmt: skip

    after = await asyncio.to_thread(scraped_until, observed.daphne_a, TOKEN, webhooks_counted)
    assert value(online, "csms_stations_connected", protocol="ocpp1.6") == 1
    assert value(online, "csms_stations_connected", protocol="ocpp2.0.1") == 1
    assert value(after, "csms_stations_connected", protocol="ocpp1.6") == 0
    assert value(after, "csms_processes", kind="daphne") == 2
    assert value(after, "csms_processes", kind="worker") == 1

    def delta(name: str, **labels: str) -> float:
        return moved(before, after, name, **labels)

    assert delta("csms_station_connects_total", protocol="ocpp1.6") == 1
    assert delta("csms_station_connects_total", protocol="ocpp2.0.1") == 1
    assert delta("csms_station_disconnects_total", reason="disconnected") == 2
    messages = "csms_charger_messages_total"
    assert delta(messages, action="BootNotification", outcome="result") == 1
    assert delta(messages, action="Heartbeat", outcome="result") == 2
    assert delta(messages, action="StatusNotification", outcome="callerror") == 1
    assert delta(messages, action="(other)", outcome="callerror") == 1  # MadeUpAction
    codes = Counter(error_code(frame, OcppVersion.V16) for frame in refused)
    for code, count in codes.items():
        assert delta("csms_callerrors_sent_total", code=code) == count
    assert delta("csms_ocpp_calls_sent_total", action="Reset") == 2
    assert delta("csms_ocpp_call_queued_seconds_count", action="Reset") == 2
    assert delta("csms_ocpp_calls_finished_total", action="Reset", state="answered") == 2
    assert delta("csms_ocpp_call_answer_seconds_count", action="Reset", state="answered") == 2
    assert delta("csms_webhook_deliveries_total", outcome="retrying") == 1
    assert delta("csms_webhook_deliveries_total", outcome="succeeded") == 3
    assert delta("csms_webhook_delivery_seconds_count", outcome="succeeded") == 3
    # Every process's counts, summed in whichever daphne is scraped.
    other = await asyncio.to_thread(scrape, observed.daphne_b, TOKEN)
    assert counters(other) == counters(after)


async def test_json_log_lines_carry_the_station_and_the_request_id(
    observed: Observed, make_station
) -> None:
    await asyncio.to_thread(make_station, "CP-J1", protocol="ocpp1.6")
    before = await asyncio.to_thread(scrape, observed.daphne_a, TOKEN)
    first = RawStation(observed.daphne_a, "CP-J1", "ocpp1.6")
    second = RawStation(observed.daphne_a, "CP-J1", "ocpp1.6")  # replaces the first
    async with first, second:
        await asyncio.to_thread(_logged, observed.log_a, "replaced by a newer one")
    response = await asyncio.to_thread(
        requests.get,
        f"http://{observed.daphne_a}/ocpp/v2/no-such-thing",
        headers={"X-Request-ID": "req-obs-1"},
        timeout=10,
    )
    assert response.status_code == 404 and response.headers["X-Request-ID"] == "req-obs-1"
    after = await asyncio.to_thread(scrape, observed.daphne_a, TOKEN)
    assert moved(before, after, "csms_station_disconnects_total", reason="replaced") == 1

    lines = [json.loads(line) for line in _json_lines(observed.log_a)]
    replaced = [line for line in lines if "replaced by a newer one" in line["message"]]
    assert replaced and replaced[0]["station"] == "CP-J1" and replaced[0]["level"] == "INFO"
    assert any(line.get("request_id") == "req-obs-1" for line in lines)


def _logged(path: Path, text: str) -> None:
    for _ in range(200):
        if text in path.read_text():
            return
        time.sleep(0.05)
    raise AssertionError(f"{text!r} never logged in {path}")


def _json_lines(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if line.startswith("{")]


def test_health_endpoints_and_a_scrape_without_the_token(observed: Observed) -> None:
    assert requests.get(f"http://{observed.daphne_b}/healthz", timeout=10).status_code == 200
    ready = requests.get(f"http://{observed.daphne_b}/readyz", timeout=10)
    assert ready.status_code == 200
    assert set(ready.json()["checks"].values()) == {"ok"}
    assert set(ready.json()["checks"]) == {
        "database", "migrations", "channel_layer", "redis", "broker"
    }  # fmt: skip
    refused = requests.get(f"http://{observed.daphne_b}/metrics", timeout=10)
    assert refused.status_code == 401
    assert "csms_" not in refused.text


def test_a_process_that_ended_leaves_the_live_count_and_keeps_its_counts(
    observed: Observed, django_db_blocker, server_logs: Path
) -> None:
    log = server_logs / "observed-c.log"
    with django_db_blocker.unblock(), daphne_process(log, **observed.env) as third:
        assert requests.get(f"http://{third}/healthz", timeout=10).status_code == 200
        during = scrape(observed.daphne_a, TOKEN)
    after = scrape(observed.daphne_a, TOKEN)
    assert value(during, "csms_processes", kind="daphne") == 3
    assert value(after, "csms_processes", kind="daphne") == 2
    # What it counted still happened: no counter goes down with it.
    assert all(after.get(key, 0) >= count for key, count in counters(during).items())


def test_readyz_names_the_services_it_cannot_reach(
    django_db_blocker, server_logs: Path, transactional_db: None
) -> None:
    nowhere = free_port()  # nothing listens there
    env = {
        "REDIS_URL": f"redis://127.0.0.1:{nowhere}/0",
        "READINESS_TIMEOUT_SECONDS": "1",
        "DATABASE_POOL_TIMEOUT": "1",  # its threads waiting on the pool let it stop sooner
    }
    unreachable = {"redis", "broker", "channel_layer"}
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3":  # PostgreSQL on the same port
        env["DATABASE_URL"] = (
            f"postgres://{database['USER']}@127.0.0.1:{nowhere}/{database['NAME']}"
        )
        unreachable |= {"database", "migrations"}
    with django_db_blocker.unblock(), daphne_process(server_logs / "unready.log", **env) as at:
        alive = requests.get(f"http://{at}/healthz", timeout=10)
        ready = requests.get(f"http://{at}/readyz", timeout=30)
    assert alive.status_code == 200
    assert ready.status_code == 503
    body = ready.json()
    assert body["status"] == "unavailable"
    assert {name for name, verdict in body["checks"].items() if verdict != "ok"} == unreachable
