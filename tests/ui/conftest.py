"""Browser tests of the web UI: Debian's chromium driven by playwright, a real daphne on the
test database (and its channel layer: Redis when REDIS_URL is set), and stations speaking OCPP
over real sockets."""

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.security.permissions import grant_command_station
from tests.servers import daphne_process, unavailable

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
OPERATOR = ("operator", "operator-password-1")
# Long enough for a loaded CI machine; a passing test never waits this long.
WAIT_MS = 20_000


@pytest.fixture(scope="module")
def browser(ui_server: str) -> Iterator[Any]:
    """Headless chromium from Debian (never a downloaded one). Missing: a failure in CI."""
    if not os.path.exists(CHROMIUM):
        unavailable(f"{CHROMIUM} is missing: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API marks an event loop as running in this thread, which Django takes
    # for async code and refuses the test's ORM calls. Only this process is told otherwise:
    # the servers (started first, by ui_server) keep Django's guard.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def ui_server(django_db_setup: None, django_db_blocker, server_logs: Path) -> Iterator[str]:
    """daphne serving the project on the test database ('host:port'), for this module only.

    Its calls are delivered in process (as in the embedded default) rather than by a Celery
    worker: workers other tests leave running would otherwise pick up its deliveries.
    """
    with django_db_blocker.unblock():
        env = {"CELERY_TASK_ALWAYS_EAGER": "true"}
        with daphne_process(server_logs / "ui-daphne.log", **env) as address:
            yield address


@pytest.fixture
def settled(transactional_db: None) -> Iterator[None]:
    """After the test, wait until the servers are quiet (connections closed, calls final) so
    that emptying the database does not race their last writes."""
    yield
    from ocpp_bridge.models import CallState, ChargerConnection, OcppCall

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        busy = ChargerConnection.objects.filter(closed_at__isnull=True).exists() or (
            OcppCall.objects.filter(state__in=[CallState.QUEUED, CallState.SENT]).exists()
        )
        if not busy:
            return
        time.sleep(0.1)


@pytest.fixture
def operator(settled: None, django_user_model) -> Any:
    username, password = OPERATOR
    user = django_user_model.objects.create_user(username, password=password, is_staff=True)
    return grant_command_station(user)


@pytest.fixture
def page(browser: Any, ui_server: str) -> Iterator[Any]:
    """A fresh browser tab (own cookies), desktop sized."""
    context = browser.new_context(
        base_url=f"http://{ui_server}", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(WAIT_MS)
    tab = context.new_page()
    yield tab
    context.close()


def log_in(page: Any, path: str = "/stations/") -> None:
    """Open `path`, pass the login form it leads to, and wait until the page is live."""
    page.goto(path)
    page.fill("#id_username", OPERATOR[0])
    page.fill("#id_password", OPERATOR[1])
    page.click("input[type=submit]")
    page.wait_for_url(f"**{path}")
    wait_until_live(page)


def wait_until_live(page: Any) -> None:
    """The page's socket is open and the page re-read since: pushes from now on show."""
    page.wait_for_selector("body[data-live=live]")
