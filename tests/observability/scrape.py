"""Reading /metrics as Prometheus does: samples by name and labels."""

import time
from collections.abc import Callable

import requests
from prometheus_client.parser import text_string_to_metric_families

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(address: str, token: str) -> Samples:
    response = requests.get(
        f"http://{address}/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert response.status_code == 200, response.text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def scraped_until(
    address: str, token: str, holds: Callable[[Samples], bool], timeout: float = 20
) -> Samples:
    """Scrape until `holds(samples)`: what another process counts lands after its work."""
    deadline = time.monotonic() + timeout
    while True:
        samples = scrape(address, token)
        if holds(samples) or time.monotonic() > deadline:
            return samples
        time.sleep(0.1)
