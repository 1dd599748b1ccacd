// The review workflow: people pickers and one-click transition buttons.
