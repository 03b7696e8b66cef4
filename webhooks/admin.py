from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from ocpp_bridge.admin import ReadOnlyAdmin
from webhooks.addresses import UrlRefusedError, url_check
from webhooks.models import EventType, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from webhooks.services import ResendRefusedError, delivery_resend, endpoint_update


class WebhookEndpointForm(forms.ModelForm):
    """Event types as checkboxes instead of raw JSON."""

    url = forms.URLField(max_length=2000, assume_scheme="https")
    event_types = forms.MultipleChoiceField(
        choices=EventType.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookEndpoint
        fields = "__all__"

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"]
        try:
            url_check(url)
        except UrlRefusedError as refused:
            raise forms.ValidationError(refused.message.removeprefix("url: ")) from None
        return url


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = (
        "url",
        "event_types",
        "network",
        "enabled",
        "consecutive_failures",
        "last_success_at",
        "created_at",
    )
    list_filter = ("enabled", "network")
    search_fields = ("url", "description")
    readonly_fields = (
        "disabled_at",
        "disabled_reason",
        "failing_since",
        "consecutive_failures",
        "last_success_at",
        "created_by",
        "created_at",
        "updated_at",
    )
    actions = ("enable",)

    def save_model(
        self,
        request: HttpRequest,
        obj: WebhookEndpoint,
        form: WebhookEndpointForm,
        change: bool,
    ) -> None:
        super().save_model(request, obj, form, change)
        if not change:  # as in the API, the secret is shown once, at creation
            self.message_user(request, f"Signing secret, shown only now: {obj.secret}")

    @admin.action(description="Enable (and forget the run of failures)")
    def enable(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            endpoint_update(endpoint=endpoint, changes={"enabled": True})
        self.message_user(request, f"Enabled {queryset.count()} endpoint(s).")


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = ("number", "manual", "attempted_at", "duration_ms", "status_code", "error")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: WebhookDelivery | None = None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "event_type",
        "endpoint",
        "state",
        "attempt_count",
        "last_status_code",
        "next_attempt_at",
    )
    list_filter = ("state", "event_type", "endpoint")
    search_fields = ("=id", "=event_id", "last_error")
    list_select_related = ("endpoint",)
    inlines = (WebhookAttemptInline,)
    actions = ("resend",)

    @admin.action(description="Send again now")
    def resend(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        for delivery in queryset.select_related("endpoint"):
            try:
                delivery_resend(delivery=delivery)
            except ResendRefusedError as error:
                self.message_user(request, f"{delivery.pk}: {error}", messages.WARNING)
        self.message_user(request, "Queued the deliveries to be sent again.")
