"""The template designer: an organization's postmortem templates and their sections."""
