from django.urls import path

from . import views

urlpatterns = [
    path("<int:item>/ticket/", views.item_ticket, name="item_ticket"),
    path("<int:item>/ticket/create/", views.item_ticket_create, name="item_ticket_create"),
    path("<int:item>/ticket/link/", views.item_ticket_adopt, name="item_ticket_adopt"),
]
