"""Production mode refuses to start open; what it serves, it serves only to its own names, with
secure cookies and HSTS behind the TLS proxy. Settings are read by real processes here: a
refusal at import time is what keeps daphne from starting."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from csms.settings_security import KNOWN_DEVELOPMENT_KEY, local_secret_key
from tests.servers import ROOT, child_env, daphne_process

GOOD_KEY = "k" * 20 + "-a-production-secret-of-fifty-characters"
PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": GOOD_KEY,
    "DJANGO_ALLOWED_HOSTS": "csms.example.com,127.0.0.1",
}


def settings_process(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run `code` after django.setup() in a fresh process with exactly this environment."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(DJANGO_SETTINGS_MODULE="csms.settings", **env)
    script = f"import django; django.setup()\nfrom django.conf import settings\n{code}"
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"DJANGO_SECRET_KEY": ""}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_SECRET_KEY": KNOWN_DEVELOPMENT_KEY}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_SECRET_KEY": "short"}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_ALLOWED_HOSTS": ""}, "DJANGO_ALLOWED_HOSTS"),
        ({"DJANGO_ALLOWED_HOSTS": "*"}, "DJANGO_ALLOWED_HOSTS"),
        ({"DJANGO_ALLOWED_HOSTS": "csms.example.com,*"}, "DJANGO_ALLOWED_HOSTS"),
    ],
)
def test_production_mode_refuses_to_start_open(change: dict[str, str], named: str) -> None:
    refused = settings_process("print('started')", **{**PRODUCTION, **change})
    assert refused.returncode != 0 and "started" not in refused.stdout
    assert "ImproperlyConfigured" in refused.stderr and named in refused.stderr


def test_production_mode_has_secure_cookies_hsts_and_the_proxy_header() -> None:
    started = settings_process(
        "print(settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE,"
        " settings.SECURE_HSTS_SECONDS, settings.SECURE_PROXY_SSL_HEADER, settings.DEBUG)",
        **PRODUCTION,
    )
    assert started.returncode == 0, started.stderr
    assert started.stdout.split("\n")[0] == (
        "True True 31536000 ('HTTP_X_FORWARDED_PROTO', 'https') False"
    )


def test_production_check_deploy_finds_no_django_security_warning() -> None:
    # HSTS for subdomains and the preload list are a domain owner's choice, not a default.
    opt_in = {"security.W005", "security.W021"}
    checked = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env={**child_env(), **PRODUCTION, "DJANGO_SSL_REDIRECT": "true"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    warned = {
        line.split("(", 1)[1].split(")", 1)[0]
        for line in (checked.stdout + checked.stderr).splitlines()
        if line.startswith("?: (security.")
    }
    assert warned <= opt_in, checked.stdout + checked.stderr


def test_the_embedded_default_keeps_a_generated_secret_key_in_a_local_file(
    tmp_path: Path,
) -> None:
    key_file = tmp_path / "secret_key"
    first = settings_process("print(settings.SECRET_KEY)", DJANGO_SECRET_KEY_FILE=str(key_file))
    again = settings_process("print(settings.SECRET_KEY)", DJANGO_SECRET_KEY_FILE=str(key_file))
    assert first.returncode == 0, first.stderr
    key = key_file.read_text().strip()
    assert first.stdout.strip() == again.stdout.strip() == key
    assert len(key) >= 50 and key != KNOWN_DEVELOPMENT_KEY
    assert key_file.stat().st_mode & 0o077 == 0  # readable by its owner only
    assert local_secret_key(tmp_path / "other") != key  # each installation its own


def test_the_embedded_default_serves_only_local_names(client) -> None:
    assert client.get("/admin/login/", HTTP_HOST="127.0.0.1:8000").status_code == 200
    rebound = client.get("/admin/login/", HTTP_HOST="attacker.example")
    assert rebound.status_code == 400


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_production_daphne_refuses_foreign_hosts_and_sets_hsts_behind_tls(
    tmp_path: Path,
) -> None:
    with daphne_process(tmp_path / "daphne.log", **PRODUCTION) as address:
        base = f"http://{address}/admin/login/"
        foreign = requests.get(base, headers={"Host": "attacker.example"}, timeout=30)
        assert foreign.status_code == 400
        over_tls = requests.get(base, headers={"X-Forwarded-Proto": "https"}, timeout=30)
        assert over_tls.status_code == 200
        assert over_tls.headers["Strict-Transport-Security"].startswith("max-age=31536000")
        assert "secure" in over_tls.headers["Set-Cookie"].lower()  # the CSRF cookie
        plain = requests.get(base, timeout=30)
        assert "Strict-Transport-Security" not in plain.headers
