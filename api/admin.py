from typing import Any

from django import forms
from django.contrib import admin
from oauth2_provider.admin import ApplicationAdmin

from api.models import ApiClient
from api.scope_catalogue import SCOPES


class ApiClientForm(forms.ModelForm):
    """Scopes as checkboxes over the catalogue, stored space-separated."""

    scopes = forms.MultipleChoiceField(
        choices=[(name, f"{name}: {text}") for name, text in SCOPES.items()],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="The scopes this client may be granted.",
    )

    class Meta:
        model = ApiClient
        fields = "__all__"
        exclude = ("allowed_scopes",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scopes"].initial = self.instance.granted_scopes() if self.instance.pk else []

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # Both would leave the reader to guess which one wins; the restriction must be plain.
        if cleaned.get("unrestricted") and cleaned.get("networks"):
            raise forms.ValidationError(
                "An unrestricted client sees every network: leave its networks empty, "
                "or untick 'unrestricted' to restrict it to them."
            )
        return cleaned

    def save(self, commit: bool = True) -> ApiClient:
        self.instance.allowed_scopes = " ".join(sorted(self.cleaned_data["scopes"]))
        return super().save(commit=commit)


# Replace django-oauth-toolkit's generic registration with one that edits scopes and networks.
admin.site.unregister(ApiClient)


@admin.register(ApiClient)
class ApiClientAdmin(ApplicationAdmin):
    form = ApiClientForm
    list_display = (
        "name",
        "client_id",
        "authorization_grant_type",
        "allowed_scopes",
        "unrestricted",
        "created",
    )
    filter_horizontal = ("networks",)
