from oauth2_provider.models import AbstractAccessToken
from oauth2_provider.oauth2_validators import OAuth2Validator

from api.token_cache import access_token_cached


class CachedTokenValidator(OAuth2Validator):
    """django-oauth-toolkit's validator, looking bearer tokens up through api/token_cache.py."""

    def _load_access_token(self, token: str) -> AbstractAccessToken | None:
        return access_token_cached(token, load=self._load_within_client_scopes)

    def _load_within_client_scopes(self, token: str) -> AbstractAccessToken | None:
        """The stored token, holding only the scopes its client may still be granted.

        A token keeps the scopes it was issued with; a scope since removed from its client
        must stop working at once, not when the token expires. Saving the client replaces the
        token cache's version (api/apps.py), so every process loads the token again through
        here on its next request."""
        found = super()._load_access_token(token)
        application = getattr(found, "application", None)
        if found is not None and application is not None:
            granted = set(application.granted_scopes())
            found.scope = " ".join(s for s in found.scope.split() if s in granted)
        return found
