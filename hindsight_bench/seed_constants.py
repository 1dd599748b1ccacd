"""Numbers shared by the seed (which needs Django) and the clients (which do not)."""

POSTMORTEM_NUMBER = 1
AUTOSAVE_SECTION_COUNT = 8
ACTION_ITEMS = 100_000
ITEMS_PER_POSTMORTEM = 25
CSV_PRIORITY = "CRITICAL"  # exactly one item in ten: the 10,000-row CSV at 100,000 items
