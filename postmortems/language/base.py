"""What a blameless-language rule is: a pattern with its reason and a systemic rewording, the
form of blame it reads (for the evaluation), and where in the text it looks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Category = Literal["blame", "counterfactual", "vague"]

# The ways a sentence blames that the rules look for; ``evaluation`` scores each one.
FORMS: tuple[str, ...] = (
    "judgement",
    "failed-to",
    "role-cause",
    "obviously",
    "simple-check",
    "sarcasm",
    "counterfactual-person",
    "passive-agent",
    "accident-actor",
    "human-error",
    "unknown-name",
)


@dataclass(frozen=True)
class Rule:
    id: str  # stable slug: what dismissals and the editor refer to
    title: str
    pattern: re.Pattern
    rationale: str  # why this wording hurts a blameless review, shown to the writer
    suggestion: str  # a concrete systemic rewording
    category: Category
    # Lower-case words, one of which is in every match: the rule only reads the text around them.
    triggers: tuple[str, ...] = ()
    # How far a match may reach before and after a trigger word (characters).
    reach: tuple[int, int] = (120, 120)
    # Skip the match when its clause is negated ("no one is to blame", "this was not carelessness").
    negatable: bool = False
    # Skip the match when the text just before it matches this (checked inside the sentence).
    unless_before: re.Pattern | None = None
    # Skip the match when the text right after it matches this (``match``, from the match's end).
    unless_after: re.Pattern | None = None
    # Which of ``FORMS`` the rule reads ("" for the action-item rules).
    form: str = ""
    # The person doing it, matched right before the pattern's match (the pattern ends at the
    # subject's "$"): a cheap verb finds candidates, the costly person pattern runs only there.
    # Applies to every match, or, when the pattern has a group "who", to those where it took part.
    subject: re.Pattern | None = None


APOS = "['’]"


def rx(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.IGNORECASE)
