"""Logins to the admin (also the web UI's login) are throttled per username and address, and
production never creates the guessable first admin."""

import uuid

import pytest
import requests
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings

PASSWORD = "a-long-operator-passphrase"
pytestmark = pytest.mark.django_db


def login(address: str, username: str, password: str) -> int:
    client = Client(REMOTE_ADDR=address)
    response = client.post("/admin/login/", {"username": username, "password": password})
    return response.status_code


@override_settings(AXES_FAILURE_LIMIT=5)
def test_admin_login_locks_out_after_wrong_passwords_even_the_right_one() -> None:
    get_user_model().objects.create_superuser(username="operator", password=PASSWORD)
    for _ in range(4):
        assert login("203.0.113.7", "operator", "wrong-guess") == 200  # the form again
    assert login("203.0.113.7", "operator", "wrong-guess") == 429
    assert login("203.0.113.7", "operator", PASSWORD) == 429


@override_settings(AXES_FAILURE_LIMIT=3)
def test_a_guesser_elsewhere_does_not_lock_the_operator_out() -> None:
    get_user_model().objects.create_superuser(username="operator", password=PASSWORD)
    for _ in range(3):
        login("203.0.113.66", "operator", "wrong-guess")
    assert login("203.0.113.66", "operator", PASSWORD) == 429
    assert login("198.51.100.2", "operator", PASSWORD) == 302  # logged in


@override_settings(DEBUG=False)
@pytest.mark.parametrize("password", ["", "admin", "password", "operator"])
def test_production_never_creates_a_guessable_first_admin(monkeypatch, password: str) -> None:
    monkeypatch.setenv("DJANGO_ADMIN_USER", "operator")
    monkeypatch.setenv("DJANGO_ADMIN_PASSWORD", password)
    with pytest.raises(CommandError, match="DJANGO_ADMIN_PASSWORD"):
        call_command("ensure_admin")
    assert not get_user_model().objects.exists()


@override_settings(DEBUG=False)
def test_production_creates_the_first_admin_with_a_strong_password(monkeypatch) -> None:
    monkeypatch.setenv("DJANGO_ADMIN_USER", "operator")
    monkeypatch.setenv("DJANGO_ADMIN_PASSWORD", PASSWORD)
    call_command("ensure_admin")
    assert get_user_model().objects.get(username="operator").check_password(PASSWORD)


@override_settings(DEBUG=True)  # the test runner turns it off
def test_the_embedded_default_still_creates_admin_admin(monkeypatch) -> None:
    monkeypatch.delenv("DJANGO_ADMIN_USER", raising=False)
    monkeypatch.delenv("DJANGO_ADMIN_PASSWORD", raising=False)
    call_command("ensure_admin")
    assert get_user_model().objects.get(username="admin").check_password("admin")


def real_login(session: requests.Session, base: str, username: str, password: str) -> int:
    session.get(f"{base}/admin/login/", timeout=30)  # the CSRF cookie
    form = {
        "username": username,
        "password": password,
        "csrfmiddlewaretoken": session.cookies["csrftoken"],
    }
    response = session.post(f"{base}/admin/login/", data=form, allow_redirects=False, timeout=30)
    return response.status_code


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_daphne_locks_the_admin_login_after_five_wrong_passwords(daphne_server: str) -> None:
    username = f"operator-{uuid.uuid4().hex[:6]}"
    get_user_model().objects.create_superuser(username=username, password=PASSWORD)
    base = f"http://{daphne_server}"
    session = requests.Session()
    answers = [real_login(session, base, username, "admin") for _ in range(5)]
    assert answers == [200, 200, 200, 200, 429]
    assert real_login(session, base, username, PASSWORD) == 429
