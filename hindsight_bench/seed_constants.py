"""Numbers shared by the seed (which needs Django) and the clients (which do not)."""

POSTMORTEM_NUMBER = 1
AUTOSAVE_SECTION_COUNT = 8
