"""Review: transitions, reviewers and people, the review panels and the review screen."""
