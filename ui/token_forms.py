"""The tokens page's forms: what an operator types, checked before tokens.services writes."""

from django import forms

from networks.models import Network
from tokens.models import TokenType


class TokenCreateForm(forms.Form):
    id_token = forms.CharField(label="Token", max_length=255)
    token_type = forms.ChoiceField(label="Type", choices=TokenType.choices, initial="ISO14443")
    network = forms.ModelChoiceField(
        label="Network",
        queryset=Network.objects.order_by("name"),
        required=False,
        empty_label="Every network",
    )
    expires_at = forms.DateTimeField(
        label="Expires",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    group_id = forms.CharField(label="Group", max_length=255, required=False)
    description = forms.CharField(label="Description", max_length=200, required=False)


class TokenExpiryForm(forms.Form):
    expires_at = forms.DateTimeField(
        required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
