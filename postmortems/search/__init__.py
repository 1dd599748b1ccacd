"""Search: the full-text index of postmortems and the search page."""
