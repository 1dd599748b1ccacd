from django.urls import path

from . import views_tokens

urlpatterns = [
    path("", views_tokens.token_list, name="token_list"),
]
