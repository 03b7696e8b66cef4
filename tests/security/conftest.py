import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.security.certs import Authority, Issued
from tests.security.proxy import Proxy, nginx_binary, nginx_process
from tests.servers import daphne_process, unavailable

PROXY_SECRET = "0123456789abcdef0123456789abcdef"


@dataclass(frozen=True)
class Pki:
    ca: Path  # the station CA, which nginx trusts and which signed the server certificate
    own: Issued  # CN=CP-3: the profile-3 station's own certificate
    other: Issued  # CN=CP-OTHER: a valid certificate of another identity
    punctuated: Issued  # CN=CP-3B, O="Acme, Inc. + Sons": a subject that needs escaping
    untrusted: Issued  # CN=CP-3, signed by a CA nginx does not trust


@dataclass(frozen=True)
class Stack:
    daphne: str
    proxy: Proxy
    pki: Pki


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    directory = tmp_path_factory.mktemp("pki")
    ca = Authority.create(directory, "station-ca", "Test station CA")
    ca.issue_server("server")
    rogue = Authority.create(directory, "rogue-ca", "Rogue CA")
    return Pki(
        ca=ca.cert_path,
        own=ca.issue_client("cp-3", "CP-3", organization="Acme"),
        other=ca.issue_client("cp-other", "CP-OTHER"),
        punctuated=ca.issue_client("cp-3b", "CP-3B", organization="Acme, Inc. + Sons"),
        untrusted=rogue.issue_client("cp-3-rogue", "CP-3"),
    )


@pytest.fixture(scope="session")
def stack(django_db_setup: None, django_db_blocker, server_logs: Path, pki: Pki) -> Iterator[Stack]:
    """A daphne configured with the proxy secret, behind nginx running the production
    template with the test certificates."""
    if nginx_binary() is None:
        unavailable("the TLS proxy tests need nginx (apt-get install nginx-light)")
    certs = pki.ca.parent  # station-ca.crt, server.crt and server.key, as nginx expects
    with (
        django_db_blocker.unblock(),
        daphne_process(
            server_logs / "daphne-tls.log", OCPP_TLS_PROXY_SECRET=PROXY_SECRET
        ) as daphne,
        nginx_process(
            server_logs / "nginx", secret=PROXY_SECRET, upstream=daphne, certs=certs
        ) as proxy,
    ):
        yield Stack(daphne, proxy, pki)


@pytest.fixture
def settled(transactional_db: None) -> Iterator[None]:
    """After a test, wait for daphne to record its closes before the database is emptied."""
    yield
    from ocpp_bridge.models import ChargerConnection

    deadline = time.monotonic() + 20
    while ChargerConnection.objects.filter(closed_at__isnull=True).exists():
        if time.monotonic() > deadline:
            return
        time.sleep(0.05)
