// Comments: threads, replies and @mention autocomplete.
