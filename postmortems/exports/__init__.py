"""Exports: one postmortem as Markdown, HTML, PDF or JSON, and bulk ZIP exports."""
