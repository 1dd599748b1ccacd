"""The editor: creating a postmortem, the one-page editor, part saves and previews."""
