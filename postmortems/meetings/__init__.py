"""Review meetings: scheduling, the agenda, notes, and the calendar emails."""
