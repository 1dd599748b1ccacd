"""A postmortem's action items, edited inline. Mounted at ``/o/<org_slug>/postmortems/``."""

from django.urls import path

from . import views_postmortem, views_repeats

urlpatterns = [
    path(
        "<int:number>/action-items/",
        views_postmortem.item_list_or_create,
        name="postmortem_action_items",
    ),
    path(
        "<int:number>/action-items/repeats/",
        views_repeats.item_repeats,
        name="postmortem_action_item_repeats",
    ),
    path(
        "<int:number>/action-items/<int:item>/",
        views_postmortem.item_update,
        name="postmortem_action_item",
    ),
    path(
        "<int:number>/action-items/<int:item>/delete/",
        views_postmortem.item_delete,
        name="postmortem_action_item_delete",
    ),
]
