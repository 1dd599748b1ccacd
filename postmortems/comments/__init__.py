"""Comments: threads on a postmortem's sections, replies, mentions and resolving."""
