"""The embedded default runs with DEBUG on; its 500 page must not show the bearer token that came
with the failing request, wherever in the traceback it travels."""

import uuid

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import path

# Made at run time: the page also shows this file's source lines, where a literal would appear.
TOKEN = f"bearer-{uuid.uuid4().hex}"


def failing_view(request: HttpRequest) -> HttpResponse:
    authorization = request.headers["Authorization"]  # a local, as in real code paths
    token = authorization.split()[1]
    raise RuntimeError(f"something broke after reading {len(token)} characters")


urlpatterns = [path("fails", failing_view)]


@pytest.mark.django_db
@override_settings(DEBUG=True, ROOT_URLCONF=__name__)
def test_the_debug_500_page_hides_the_bearer_token() -> None:
    client = Client(raise_request_exception=False)
    # As a browser asks for it: an API client gets the JSON error envelope instead.
    response = client.get(
        "/fails", HTTP_AUTHORIZATION=f"Bearer {TOKEN}", HTTP_ACCEPT="text/html"
    )
    page = response.content.decode()
    assert response.status_code == 500 and "something broke" in page  # the debug page
    assert "failing_view" in page and "authorization" in page  # its frame's variables shown
    assert TOKEN not in page
