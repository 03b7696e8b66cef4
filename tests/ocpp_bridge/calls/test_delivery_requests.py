"""Delivery requests: the stations whose calls were committed while a publish was under way
go out together in the next one; an idle process publishes at once; nothing is dropped."""

import threading
import time

from ocpp_bridge.calls.delivery_requests import DeliveryRequests


class Broker:
    """A publish that records its batches and can be held, or made to fail once."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.release = threading.Event()
        self.release.set()
        self.fail_next = False
        self.published = threading.Condition()

    def __call__(self, asset_ids: list[str]) -> None:
        self.release.wait(5)
        with self.published:
            if self.fail_next:
                self.fail_next = False
                self.batches.append(["<failed>", *asset_ids])
                self.published.notify_all()
                raise ConnectionError("broker unreachable")
            self.batches.append(asset_ids)
            self.published.notify_all()

    def wait_for(self, count: int) -> list[list[str]]:
        with self.published:
            assert self.published.wait_for(lambda: len(self.batches) >= count, timeout=5)
            return list(self.batches)


def test_an_idle_process_publishes_at_once_and_a_busy_one_gathers() -> None:
    broker = Broker()
    requests = DeliveryRequests(broker)
    broker.release.clear()  # the first publish hangs on the broker
    requests.request("a")
    time.sleep(0.05)
    for asset_id in ["b", "c", "b", "d"]:  # b twice: one delivery pass serves both
        requests.request(asset_id)
    broker.release.set()
    assert broker.wait_for(2) == [["a"], ["b", "c", "d"]]


def test_a_task_holds_at_most_its_share_of_stations() -> None:
    broker = Broker()
    requests = DeliveryRequests(broker, max_per_task=2)
    broker.release.clear()
    requests.request("a")
    time.sleep(0.05)
    for asset_id in "bcde":
        requests.request(asset_id)
    broker.release.set()
    assert broker.wait_for(3) == [["a"], ["b", "c"], ["d", "e"]]


def test_a_failed_publish_leaves_the_next_ones_going() -> None:
    broker = Broker()
    broker.fail_next = True
    requests = DeliveryRequests(broker)
    requests.request("a")
    broker.wait_for(1)
    requests.request("b")
    assert broker.wait_for(2) == [["<failed>", "a"], ["b"]]


def test_flush_publishes_what_is_pending_in_the_calling_thread() -> None:
    broker = Broker()
    requests = DeliveryRequests(broker)
    requests.pending.update({"x": None, "y": None})  # gathered, its thread not yet woken
    requests.flush()
    assert broker.batches == [["x", "y"]] and requests.pending == {}


def test_async_requests_linger_to_share_a_task() -> None:
    broker = Broker()
    requests = DeliveryRequests(broker, linger_seconds=0.3)
    for asset_id in "abc":  # one HTTP request after another, each well within the linger
        requests.request(asset_id)
        time.sleep(0.02)
    assert broker.wait_for(1) == [["a", "b", "c"]]


def test_a_full_task_goes_without_waiting_out_the_linger() -> None:
    broker = Broker()
    requests = DeliveryRequests(broker, max_per_task=2, linger_seconds=30)
    requests.request("a")
    requests.request("b")
    assert broker.wait_for(1) == [["a", "b"]]  # within wait_for's 5 s, not the linger's 30


def test_a_request_whose_caller_waits_is_published_at_once_with_those_gathered() -> None:
    broker = Broker()
    requests = DeliveryRequests(broker, linger_seconds=30)
    requests.request("a")
    requests.request("sync", urgent=True)
    assert broker.wait_for(1) == [["a", "sync"]]
    requests.request("later")  # lingers: nothing urgent is pending any more
    time.sleep(0.2)
    assert broker.batches == [["a", "sync"]] and requests.pending == {"later": None}
