from django.urls import path

from tokens.apis import TokenDetailView, TokenListView

urlpatterns = [
    path("tokens", TokenListView.as_view(), name="tokens"),
    path("tokens/<str:token_id>", TokenDetailView.as_view(), name="token-detail"),
]
