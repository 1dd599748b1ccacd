"""Comments on a postmortem's sections. Mounted at ``/o/<org_slug>/postmortems/``."""

from django.urls import path

from postmortems.comments import views as views_comments

urlpatterns = [
    path("<int:number>/comments/", views_comments.comment_list, name="postmortem_comments"),
    path(
        "<int:number>/comments/<int:comment_id>/resolve/",
        views_comments.comment_resolve,
        name="postmortem_comment_resolve",
    ),
    path(
        "<int:number>/comments/<int:comment_id>/reopen/",
        views_comments.comment_reopen,
        name="postmortem_comment_reopen",
    ),
]
