"""Reading: the postmortem list, the read view, history, diffs and restores."""
