from django.urls import path

from . import views

urlpatterns = [
    path(
        "<str:ref>/releases/<int:release_id>/cause/",
        views.release_mark_as_cause,
        name="release_mark_as_cause",
    ),
]
