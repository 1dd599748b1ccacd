from django.urls import path

from . import views_tokens

urlpatterns = [
    path("", views_tokens.token_list, name="token_list"),
    path("<int:token_id>/revoke/", views_tokens.token_revoke, name="token_revoke"),
]
