"""The writer's guidance: the quality checklist and the language checks in the editor."""
