"""Per-application scope grants for django-oauth-toolkit."""

from typing import Any

from oauth2_provider.scopes import BaseScopes

from api.scope_catalogue import SCOPES


class ApplicationScopes(BaseScopes):
    """An application may ask for the scopes it was granted, and gets all of them by default."""

    def get_all_scopes(self) -> dict[str, str]:
        return SCOPES

    def get_available_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        return application.granted_scopes() if application is not None else []

    def get_default_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        return self.get_available_scopes(application, request)
