"""Regular-expression pieces shared by the rule families in ``forms_blame`` and
``forms_hindsight`` and by the first rules (``rules_blame``, ``rules_hindsight``)."""

from __future__ import annotations

import re

from .base import APOS, rx
from .people import BARE_GROUP, HANDLE, NAME_WORD, ROLE, TAIL

# Where a word starts (or a quotation mark opens): every family pattern starts there, and saying
# so up front lets the regex engine skip the other positions cheaply (about twice as fast).
GATE = r"(?<![^\W\d_])(?=[^\W\d_\"“])"


def gated_rx(pattern: str) -> re.Pattern:
    return rx(rf"{GATE}(?:{pattern})")


# Not after a word or a comma inside the same sentence: where a sentence or clause starts.
CLAUSE_START = r"(?<![\w,;:'’\"-]\s)(?<![\w,;:'’\"-])"
WORDS = r"(?:\s+[\w'’-]+)"  # a run of words, bounded where used: {0,6}?
ADVERB = r"(?:(?:\w+ly|just|then|also|simply|again|still|even|once\s+again)\s+)?"
NOT = rf"(?:n{APOS}t|\s+not)"
# The first rules' adverb between a person and the verb ("John then broke…", "we never failed…").
FIRST_ADVERB = r"(?:(?:\w+ly|just|then|also|simply|again|still|never)\s+)?"


DETERMINER = r"(?:the|an?|our|their|this|that|one|some|his|her|my|your|another)"


def subject(suffix: str) -> str:
    """A person as the subject of an ordinary verb: a role or team, a handle, a pronoun or a
    known name (group ``name<suffix>``); never an unknown capitalised word ("Redis broke…")."""
    return (
        rf"(?:{HANDLE}|\b{ROLE}|\b{BARE_GROUP}\b|\b(?:he|she|they|someone|somebody)\b{TAIL}|"
        rf"\b(?P<name{suffix}>{NAME_WORD})\b)"
    )


HARM_MARK = (
    r"(?:wrong|bad|broken|buggy|untested|unreviewed|incorrect|faulty|"
    r"half-baked)\b|straight\s+(?:in)?to\s+prod(?:uction)?\b|directly\s+(?:to|into|on)\s+"
    r"prod(?:uction)?\b|against\s+(?:the\s+)?(?:live|prod(?:uction)?)\b|(?:the\s+)?"
    r"(?:prod(?:uction)?|live)\s+(?:database|db|bucket|tables?|cluster|data)\b|without\s+(?:a\s+|any\s+)?(?:review|reviewing|testing|tests?|checking|"
    r"approval|telling|asking|ticket|warning|looking|reading|verifying|notifying|informing)\b|"
    r"during\s+(?:the\s+)?peak\b|instead\s+of\s+the\b|to\s+zero\b|without\s+notice\b|"
    r"to\s+(?:every|all)\s+[\w-]+\s+at\s+once\b|that\s+(?:crashed|broke|took\s+down|wiped|"
    r"corrupted|deleted|melted|overloaded|flooded)\b"
)
HUMAN_DONE = (
    r"(?:checked|tested|read|looked|listened|followed|waited|asked|paid\s+attention|noticed|"
    r"reviewed|double[\s-]?checked|verified|run|ran|escalated|paged|told|communicated|thought|"
    r"known|bothered|rolled\s+back|taken\s+(?:the\s+)?time|confirmed|validated|called|informed|"
    r"notified|warned|updated|documented|patched|renewed|watched|responded|acted|spoken\s+up|"
    r"been\s+(?:more\s+)?(?:careful|paying|thorough|attentive))"
)


# "…missed the signal because the dashboard aggregated all regions": the sentence goes on to
# name the condition, which is what a blameless review asks for.
EXPLAINED_AFTER = re.compile(
    r"[^.!?\n]*?\b(?:because|since)\s+(?:the|a|an|our|its|their|this|that|it|there)\b",
    re.IGNORECASE,
)
