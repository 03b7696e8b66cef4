from django.urls import path

from charging.apis import SessionAbortView, SessionDetailView, SessionListView

urlpatterns = [
    path("sessions", SessionListView.as_view(), name="sessions"),
    # Before the detail route, which would otherwise take "abort" for an id.
    path("sessions/abort", SessionAbortView.as_view(), name="session-abort"),
    path("sessions/<str:session_id>", SessionDetailView.as_view(), name="session-detail"),
]
