"""Placeholder: the comment views (being written)."""


def _todo(request, *args, **kwargs):
    raise NotImplementedError


comment_list = comment_resolve = comment_reopen = _todo


def comment_counts_context(request, postmortem) -> dict:
    """Context for the editor's comment counts (``comments/_bar_count.html``, sections)."""
    return {}
