"""The review workflow's pages: the review screen, the transitions, the people on a document.

Mounted at ``/o/<org_slug>/postmortems/``. Every transition is a POST answered with a redirect
(or ``HX-Redirect``) on success, 403 when the member's rights never allow it, 409 when the
status does not allow it now and 400 naming what is missing, the page showing the message.
"""

from django.urls import path

from postmortems.review import views as views_review
from postmortems.review import views_people

urlpatterns = [
    path("<int:number>/review/", views_review.postmortem_review, name="postmortem_review"),
    path("<int:number>/submit/", views_review.postmortem_submit, name="postmortem_submit"),
    path("<int:number>/withdraw/", views_review.postmortem_withdraw, name="postmortem_withdraw"),
    path("<int:number>/approve/", views_review.postmortem_approve, name="postmortem_approve"),
    path(
        "<int:number>/request-changes/",
        views_review.postmortem_request_changes,
        name="postmortem_request_changes",
    ),
    path("<int:number>/archive/", views_review.postmortem_archive, name="postmortem_archive"),
    path("<int:number>/unarchive/", views_review.postmortem_unarchive, name="postmortem_unarchive"),
    path("<int:number>/people/", views_people.postmortem_people, name="postmortem_people"),
    path(
        "<int:number>/people/<str:role>/",
        views_people.postmortem_people_add,
        name="postmortem_people_add",
    ),
    path(
        "<int:number>/people/<str:role>/remove/",
        views_people.postmortem_people_remove,
        name="postmortem_people_remove",
    ),
    path(
        "<int:number>/visibility/", views_people.postmortem_visibility, name="postmortem_visibility"
    ),
]
