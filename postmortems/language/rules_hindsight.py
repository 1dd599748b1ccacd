"""The first rules for hindsight: "should have", "shouldn't have", "if only", "could have
prevented", "wouldn't have happened", "failed to" and "obviously". ``rules`` lists them with the
other first rules, in the order they are read."""

from __future__ import annotations

import re

from .base import APOS, Rule, rx
from .fragments import EXPLAINED_AFTER, FIRST_ADVERB
from .people import person

# A safeguard, not a person, as the subject just before the match (see ``Rule.unless_before``).
_SAFEGUARD_SUBJECT = re.compile(
    r"\b(?:the|a|an|our|this|that|its|their)\s+(?:[\w-]+\s+){0,2}?(?:checks?|alerts?|alarms?|"
    r"monitors?|monitoring|canary|canaries|tests?|pipeline|ci|linter|lint|system|tool(?:ing)?|"
    r"job|script|service|dashboard|probe|health\s?check|config(?:uration)?|deploy(?:ment)?|"
    r"build|code|query|rule|limiter|breaker|failover|retry|automation|bot|server|cluster|api|"
    r"gateway|load\s+balancer|validation|validator|scanner|hook|gate|review\s+step)\s+"
    r"(?:(?:that|which)\s+)?(?:\w+ly\s+)?$",
    re.IGNORECASE,
)


SHOULD_HAVE = Rule(
    id="should-have",
    form="counterfactual-person",
    title="Hindsight: “should have”",
    pattern=rx(
        rf"\b(?:should|ought\s+to)(?:\s+have|{APOS}ve|\s+of)\s+(?:\w+ly\s+)?"
        r"(?:known|caught|noticed|checked|double[\s-]?checked|tested|seen|spotted|"
        r"realized|realised|verified|validated|confirmed|asked|waited|read|reviewed|"
        r"followed|looked|thought|paid\s+attention|escalated|paged|anticipated|"
        r"predicted|foreseen|understood|recognized|recognised|investigated|"
        r"been\s+(?:more\s+)?(?:careful|aware|vigilant|thorough|attentive|obvious|"
        r"caught|noticed|spotted|tested|checked|reviewed|clear))\b"
    ),
    rationale=(
        "“Should have” judges a decision by an outcome nobody could see at the time. It "
        "invites defensiveness and skips the useful question: why did it make sense then?"
    ),
    suggestion=(
        "Say what made it hard to see at the time: “the documentation didn't cover this "
        "scenario and the dashboard showed the job as healthy”."
    ),
    category="counterfactual",
    triggers=("should", "ought"),
    reach=(4, 80),
    # "The canary should have caught it" asks more of a safeguard, not of a person.
    unless_before=_SAFEGUARD_SUBJECT,
)

SHOULDNT_HAVE = Rule(
    id="shouldnt-have",
    form="counterfactual-person",
    title="Hindsight: “shouldn't have”",
    pattern=rx(rf"\bshould(?:n{APOS}t|\s+not|\s+never)\s+have\b"),
    rationale=(
        "Describing what should not have happened argues with the past instead of "
        "explaining it; the reader learns the verdict, not the conditions."
    ),
    suggestion=(
        "Describe what happened and what allowed it: “the deploy ran during the peak "
        "because the freeze calendar wasn't connected to the pipeline”."
    ),
    category="counterfactual",
    triggers=("should",),
    reach=(4, 30),
)

IF_ONLY = Rule(
    id="if-only",
    form="counterfactual-person",
    title="Hindsight: “if only”",
    pattern=rx(
        r"\bif\s+only\b(?=(?:\s+\S+){0,4}?\s+(?:had|hadn['’]t|would|wouldn['’]t|could|"
        r"were|did|didn['’]t|knew|listened|checked|tested|read|asked|waited)\b)"
    ),
    rationale=(
        "“If only…” imagines a different past instead of explaining this one, and usually "
        "lands on what a person didn't do."
    ),
    suggestion=(
        "Turn the wish into a condition of the system: “no check compares the migration "
        "with the code that is running”."
    ),
    category="counterfactual",
    triggers=("if only",),
    reach=(2, 60),
)

COULD_HAVE_PREVENTED = Rule(
    id="could-have-prevented",
    form="counterfactual-person",
    title="Hindsight: “could have prevented”",
    pattern=rx(
        rf"\bcould(?:\s+\w+ly)?(?:\s+have|{APOS}ve)\s+(?:\w+ly\s+|been\s+)*"
        r"(?:prevented|avoided|stopped)\b|"
        r"\b(?:easily|entirely|totally|completely|so|very)\s+(?:avoidable|preventable)\b"
    ),
    rationale=(
        "“Could easily have been prevented” is hindsight: the path looks obvious only once "
        "the outcome is known, and the sentence implies someone chose not to take it."
    ),
    suggestion=(
        "Name the safeguard that would catch it next time: “a canary comparing error "
        "rates with the baseline would stop this rollout within minutes”."
    ),
    category="counterfactual",
    triggers=("prevent", "avoid", "stopped"),
    reach=(64, 20),
    unless_before=_SAFEGUARD_SUBJECT,
)

WOULDNT_HAVE_HAPPENED = Rule(
    id="wouldnt-have-happened",
    form="counterfactual-person",
    title="Hindsight: “wouldn't have happened if…”",
    pattern=rx(
        rf"\bwould(?:n{APOS}t|\s+not|\s+never)\s+have\s+happened\b|"
        rf"\bwould(?:n{APOS}t|\s+not|\s+never)\s+have\s+(?:been\s+)?an?\s+"
        r"(?:incident|outage|issue|problem)\b"
    ),
    rationale=(
        "Arguing that the incident wouldn't have happened if someone had acted differently "
        "is a counterfactual: it explains nothing about why it did happen."
    ),
    suggestion=(
        "Describe the conditions that let it happen: “nothing in the pipeline checks a "
        "schema change against the running code”."
    ),
    category="counterfactual",
    triggers=("happened", "have been a"),
    reach=(50, 30),
)

FAILED_TO = Rule(
    id="failed-to",
    form="failed-to",
    title="“Failed to” about a person",
    pattern=rx(
        rf"(?:\b(?:we|i|you|the\s+team|our\s+team)\b|{person('name')})\s+"
        rf"{FIRST_ADVERB}(?:had\s+)?fail(?:ed|s)\s+to\b|"
        r"\bfail(?:ed|s|ing)?\s+to\s+(?:notice|realize|realise|check|double[\s-]?check|verify|"
        r"follow|read|consider|understand|pay\s+attention|heed|anticipate|appreciate|"
        r"recognize|recognise|grasp|take\s+into\s+account|ask|communicate|speak\s+up)\b"
    ),
    rationale=(
        "“Failed to” measures people against an expectation they may never have had the "
        "means to meet; it reads as a verdict on them."
    ),
    suggestion=(
        "Name what the system didn't provide: “no alert covered disk usage on the "
        "replicas”, “the runbook had no escalation step”."
    ),
    category="counterfactual",
    triggers=("failed to", "fails to", "failing to", "fail to"),
    reach=(64, 40),
    unless_after=EXPLAINED_AFTER,
)

OBVIOUSLY = Rule(
    id="obviously",
    form="obviously",
    title="Hindsight: “obviously” / “clearly”",
    pattern=rx(
        rf"\b(?:obviously|clearly|plainly)\s+(?:should(?:n{APOS}t)?|ought|needed\s+to|"
        r"(?:(?:was|were|is)\s+)?(?:an?\s+)?(?:mistake|error|oversight|wrong|careless|"
        r"negligent|avoidable|preventable|bad\s+(?:call|decision|idea)))\b|"
        r"\bshould(?:\s+have)?\s+(?:obviously|clearly)\b|"
        r"\b(?:it|this)\s+(?:was|is)\s+(?:obvious|clear)\s+that\s+(?:we|he|she|they|"
        r"someone|the\s+(?:engineer|developer|team|on-?call))\b"
    ),
    rationale=(
        "What is obvious afterwards was not obvious during the incident. “Obviously” tells "
        "the people involved they missed something easy, which is rarely true and never "
        "helpful."
    ),
    suggestion=(
        "Describe what the people involved could see at the time: “the dashboard showed "
        "the job as healthy, so the failed run looked like a transient error”."
    ),
    category="counterfactual",
    triggers=("obvious", "clearly", "plainly"),
    reach=(16, 60),
)
