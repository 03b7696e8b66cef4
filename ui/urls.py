from django.urls import path  # noqa: F401  (the UI's pages are added here)

urlpatterns: list = []
