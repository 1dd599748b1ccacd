"""Bench-only URLs, mounted under ``/bench/`` when ``settings.BENCH_VIEWS`` is on."""

from django.urls import path

from . import views

app_name = "bench"

urlpatterns = [
    path("floor/", views.floor, name="floor"),
    path("reference-list/", views.reference_list, name="reference_list"),
]
