"""The REST API's bearer-token check shares one oauthlib server per process."""

from django.test import override_settings

from api.authentication import shared_oauthlib_core


def test_requests_share_one_oauthlib_server_until_its_settings_change(settings) -> None:
    first = shared_oauthlib_core()
    assert shared_oauthlib_core() is first
    changed = {**settings.OAUTH2_PROVIDER, "ACCESS_TOKEN_EXPIRE_SECONDS": 60}
    with override_settings(OAUTH2_PROVIDER=changed):
        assert shared_oauthlib_core() is not first
