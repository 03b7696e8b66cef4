from oauth2_provider.models import AbstractAccessToken
from oauth2_provider.oauth2_validators import OAuth2Validator

from api.token_cache import access_token_cached


class CachedTokenValidator(OAuth2Validator):
    """django-oauth-toolkit's validator, looking bearer tokens up through api/token_cache.py."""

    def _load_access_token(self, token: str) -> AbstractAccessToken | None:
        return access_token_cached(token, load=super()._load_access_token)
