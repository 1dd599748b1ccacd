"""The first rules for who is blamed: "human error" and "operator error", a person named as the
cause, talk of blame and fault, a person as the root cause, and someone who "forgot to" or
"didn't bother". ``rules`` lists them with the other first rules, in the order they are read."""

from __future__ import annotations

import re

from .base import APOS, Rule, rx
from .fragments import EXPLAINED_AFTER, FIRST_ADVERB
from .people import CAP_WORD, HANDLE, NAME_WORD, PRONOUN, ROLE, person

_BLAME_VERB = (
    r"(?:(?:had|has)\s+)?"
    r"(?:caused|broke|broken|missed|ignored|overlooked|neglected|botched|bungled|"
    r"forgot(?!\s+(?:to|about)\b)|messed\s+up|screwed\s+up|fat[\s-]?fingered|"
    r"dropped\s+the\s+ball|made\s+(?:a|an|another|the)\s+(?:\w+\s+)?(?:mistake|error|blunder|typo))"
)
_PASSIVE_BLAME = (
    r"(?:caused|broken|missed|ignored|overlooked|forgotten|messed\s+up|botched)\s+by\s+"
)

HUMAN_ERROR = Rule(
    id="human-error",
    form="human-error",
    title="“Human error” as a cause",
    pattern=rx(r"\bhuman[\s-]+(?:errors?|mistakes?)\b"),
    rationale=(
        "“Human error” ends the analysis where it should begin: people make mistakes every "
        "day, and the question is what let this one reach production or grow this large."
    ),
    suggestion=(
        "Describe what in the system allowed the mistake: “the interface accepted an "
        "invalid value without a confirmation step”."
    ),
    category="blame",
    triggers=("human",),
    reach=(2, 30),
    negatable=True,
)

OPERATOR_ERROR = Rule(
    id="operator-error",
    form="human-error",
    title="Blames the operator",
    pattern=rx(
        r"\b(?:operator|pilot|engineer(?:ing)?|developer|admin(?:istrator)?)[\s-]+"
        r"(?:errors?|mistakes?)\b|\bpebka?c\b|\blayer[\s-]?8\s+(?:issue|problem|error)s?\b"
    ),
    rationale=(
        "Calling it an operator's error points at the person at the end of the chain and "
        "hides the tool, procedure or pressure that made the action reasonable at the time."
    ),
    suggestion=(
        "Name the gap the action went through: “the runbook's command targets production "
        "by default and asks for no confirmation”."
    ),
    category="blame",
    triggers=("operator", "pilot", "engineer", "developer", "admin", "pebk", "layer"),
    reach=(2, 40),
    negatable=True,
)

PERSON_BLAMED = Rule(
    id="person-blamed",
    form="role-cause",
    title="Blames a person",
    pattern=rx(
        rf"{person('name')}\s+{FIRST_ADVERB}{_BLAME_VERB}\b|"
        rf"\b{_PASSIVE_BLAME}(?:\b(?P<name2>{NAME_WORD})(?:\s+{NAME_WORD})?\b|{HANDLE}|"
        rf"\b{ROLE}|\b{PRONOUN}\b)"
    ),
    rationale=(
        "Naming who caused, broke or missed something makes the person the cause. The "
        "same action by anyone else would have had the same result; the review is about "
        "what made that possible."
    ),
    suggestion=(
        "Make the system the subject: “the deployment process allowed an untested change "
        "to reach production” instead of “John caused the outage”."
    ),
    category="blame",
    triggers=(
        "caused",
        "broke",
        "missed",
        "ignored",
        "overlooked",
        "neglect",
        "botched",
        "bungled",
        "forgot",
        "ed up",
        "finger",
        "the ball",
        "made a",
        "made the",
    ),
    reach=(64, 60),
    unless_after=EXPLAINED_AFTER,
)

BLAME = Rule(
    id="blame",
    form="role-cause",
    title="Talks of blame",
    pattern=rx(r"(?<!git\s)(?<!git-)\b(?:blame[sd]?|blaming|blameworthy)\b"),
    rationale=(
        "Assigning blame, even to a team or a vendor, shifts the review from learning to "
        "fault-finding, and people stop volunteering what they know."
    ),
    suggestion=(
        "Describe the contributing condition instead: “the vendor's API changed without "
        "notice and our client had no contract test for it”."
    ),
    category="blame",
    triggers=("blam",),
    reach=(8, 16),
    negatable=True,
)

FAULT_OF = Rule(
    id="fault-of",
    form="role-cause",
    title="Says whose fault it was",
    pattern=rx(
        rf"\b(?:the|was|is|entirely|all|partly)\s+fault\s+of\b|\bat\s+fault\b|"
        rf"(?:\b(?:his|her|their|my|your)|\b(?P<cap>{CAP_WORD}){APOS}s|"
        rf"{HANDLE}{APOS}s)\s+fault\b"
    ),
    rationale=(
        "Whose fault it was is the question a blameless review sets aside: it has one "
        "answer and no lessons."
    ),
    suggestion=(
        "Name the conditions that lined up: “the alert routed to a retired channel and "
        "the rotation had no backup”."
    ),
    category="blame",
    negatable=True,
    triggers=("fault",),
    reach=(40, 12),
)

ROOT_CAUSE_PERSON = Rule(
    id="root-cause-person",
    form="role-cause",
    title="A person as the root cause",
    pattern=rx(
        r"\broot[\s-]+causes?\s+(?:was|were|is|are|:)\s+(?:simply\s+|just\s+)?"
        rf"(?:\b(?P<name>{NAME_WORD})(?:\s+{NAME_WORD})?\b|{HANDLE}|"
        rf"\b(?P<cap>{CAP_WORD})(?=\s+\w+ing\b|{APOS}s\s)|"
        r"\b(?:the|an?)\s+(?:(?:on-?call|junior|senior|new|human|same)\s+)?"
        r"(?:engineers?|developers?|operators?|devs?|sres?|admins?|dbas?|interns?|"
        r"contractors?|on-?call(?:ers?)?|person|human|individual)\b|"
        r"\b(?:someone|somebody|he|she|people|a\s+mistake\s+by)\b)"
    ),
    rationale=(
        "A person is never a root cause: stopping there leaves every condition that made "
        "the action possible in place for the next person."
    ),
    suggestion=(
        "Ask why the action was possible and had this impact, and write that down: “the "
        "root cause was a deploy process that applies schema changes before the code that "
        "needs them”."
    ),
    category="blame",
    triggers=("root",),
    reach=(2, 80),
)

DIDNT_BOTHER = Rule(
    id="didnt-bother",
    form="failed-to",
    title="“Didn't bother”",
    pattern=rx(
        rf"\b(?:did(?:n{APOS}t|\s+not)|never|could(?:n{APOS}t|\s+not)\s+be)\s+"
        r"bother(?:ed)?\b"
    ),
    rationale=(
        "“Didn't bother” assigns a motive. People skip steps that look unnecessary, slow "
        "or unclear; that perception is the finding."
    ),
    suggestion=(
        "Explain why the step was skipped: “the staging check takes 30 minutes and isn't "
        "required by the pipeline, so it is usually skipped for small changes”."
    ),
    category="blame",
    triggers=("bother",),
    reach=(24, 16),
)

FORGOT_TO = Rule(
    id="forgot-to",
    form="failed-to",
    title="“Forgot to”",
    pattern=rx(r"\bforg(?:ot|otten|ets|etting)\s+(?:to|about)\b"),
    rationale=(
        "Relying on someone to remember is the gap; “forgot to” puts it on the person "
        "instead of on the missing reminder, checklist or automation."
    ),
    suggestion=(
        "Describe what depended on memory: “certificate renewal was a manual step with no "
        "reminder and no expiry alert”."
    ),
    category="blame",
    triggers=("forg",),
    reach=(2, 20),
    unless_before=re.compile(
        r"\b(?:it|this|that|(?:the|a|an|our)\s+(?:[\w-]+\s+)?(?:script|job|system|service|"
        r"tool|cron(?:job)?|pipeline|config(?:uration)?|process|code|app|application|"
        r"deploy(?:ment)?|migration|worker|library|client|server|automation|bot|"
        r"function|handler|controller|cache|browser))\s+(?:\w+ly\s+)?(?:had\s+|has\s+)?$",
        re.IGNORECASE,
    ),
)
