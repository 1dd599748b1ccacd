from django.urls import path

from . import views

urlpatterns = [
    path("<str:ref>/import-chat/", views.chat_import, name="incident_chat_import"),
]
