"""Sharing: public share links and the redacted public document."""
