"""A postmortem submitted for review, its required sections filled, and its status as a page
shows it."""

from django_scopes import scope

from postmortems import services
from postmortems.review import selectors as selectors_review
from postmortems.review import transitions


def fill_required(postmortem, actor, text="What we learned about {title}."):
    postmortem.refresh_from_db()
    with scope(organization=postmortem.organization):
        unfilled = selectors_review.unfilled_required_sections(postmortem)
        return services.postmortem_save(
            postmortem=postmortem,
            actor=actor,
            base_version=postmortem.version,
            sections={s.key: text.format(title=s.title.lower()) for s in unfilled},
        )


def status_of(postmortem) -> str:
    postmortem.refresh_from_db()
    return postmortem.status


def submitted(postmortem, author, *reviewers):
    fill_required(postmortem, author)
    return transitions.postmortem_submit(
        postmortem=postmortem, actor=author, reviewers=list(reviewers)
    )
