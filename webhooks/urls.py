from django.urls import path

from webhooks import apis

PREFIX = "webhooks/v1/"
ENDPOINT = PREFIX + "webhook-endpoints/<str:endpoint_id>"
DELIVERY = ENDPOINT + "/deliveries/<str:delivery_id>"

urlpatterns = [
    path(PREFIX + "event-types", apis.EventTypeListView.as_view(), name="webhook-event-types"),
    path(PREFIX + "webhook-endpoints", apis.EndpointListView.as_view(), name="webhook-endpoints"),
    path(ENDPOINT, apis.EndpointDetailView.as_view(), name="webhook-endpoint"),
    path(
        ENDPOINT + "/rotate-secret",
        apis.EndpointRotateSecretView.as_view(),
        name="webhook-endpoint-rotate-secret",
    ),
    path(ENDPOINT + "/deliveries", apis.DeliveryListView.as_view(), name="webhook-deliveries"),
    path(DELIVERY, apis.DeliveryDetailView.as_view(), name="webhook-delivery"),
    path(DELIVERY + "/resend", apis.DeliveryResendView.as_view(), name="webhook-delivery-resend"),
]
