"""Rules for the ways real writing blames that the first rules missed, one family per way (see
``base.FORMS``): ``forms_blame`` for who is blamed, ``forms_hindsight`` for hindsight aimed at
people. Each rule has its reason and a systemic rewording; ``check`` reads them after the first
rules and drops a match that overlaps an earlier finding, so one phrase raises one alarm.

Every pattern is anchored on trigger words (see ``Rule.triggers``) and starts where a word
starts; the costly part, the person doing it, is matched only where a cheap verb was found
(``Rule.subject``), so the whole set adds a few milliseconds to a 4,000-word draft.
"""

from __future__ import annotations

from .base import Rule
from .forms_blame import (
    ACCIDENT_ACTOR,
    JUDGEMENT,
    PASSIVE_AGENT,
    PEOPLE_ERROR,
    PERSON_SLIP,
    ROLE_CAUSE,
    WHOSE_MISTAKE,
)
from .forms_hindsight import COUNTERFACTUAL, OBVIOUS, SARCASM, SIMPLE_CHECK

RULES: tuple[Rule, ...] = (
    JUDGEMENT,
    PEOPLE_ERROR,
    PERSON_SLIP,
    ACCIDENT_ACTOR,
    PASSIVE_AGENT,
    ROLE_CAUSE,
    WHOSE_MISTAKE,
    OBVIOUS,
    SIMPLE_CHECK,
    SARCASM,
    COUNTERFACTUAL,
)
