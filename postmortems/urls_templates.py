from django.urls import path

from . import views_templates

urlpatterns = [
    path("", views_templates.template_list, name="template_list"),
]
