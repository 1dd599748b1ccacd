"""Vague action items: a wish ("improve monitoring"), an exhortation to try harder ("make sure…",
"be more careful") or a generic chore ("fix the bug") will not tell anyone when the item is
done. Each has a rule with its reason and a concrete rewording, like the language rules."""

from __future__ import annotations

import re

from .base import Rule, rx
from .finding import Finding

_EXHORTATION = rx(
    r"^\s*(?:please\s+)?(?:make\s+sure|try\s+(?:to|and)|be\s+(?:more\s+)?(?:careful|vigilant|"
    r"aware|mindful|thorough)|remember\s+to|don['’]?t\s+forget|double[\s-]?check|"
    r"pay\s+(?:more\s+)?attention|keep\s+an\s+eye|consider|think\s+about|"
    r"communicate\s+better|(?:do\s+)?better\s+\w+|ensure\s+(?:that\s+)?(?:we|people|engineers|"
    r"everyone|the\s+team|devs|developers)|avoid|stop\s+\w+ing)\b"
)
_GENERIC_ACTION = rx(
    r"^\s*(?:fix|document|update|follow|improve|review|clean\s+up|add|write|check)\s+"
    r"(?:(?:the|our|a|more|some|better)\s+)?(?:bugs?|issues?|problems?|process(?:es)?|it|"
    r"things|docs?|documentation|tests?|testing|monitoring|alerts?|alerting|logging|runbooks?|"
    r"code|procedures?)(?:\s+(?:better|again|properly))?\s*[.!]?\s*$"
)
_MEASURABLE = re.compile(r"\d|`|https?://")

VAGUE = re.compile(
    r"^\s*(improve|better|more|add more|increase|enhance|review|look into|investigate|"
    r"be more careful|monitor|fix (it|things|issues)|update docs?)\b",
    re.IGNORECASE,
)
SPECIFIC = re.compile(r"\d|`|https?://|\b(alert|threshold|when|within|for|on|to)\b", re.IGNORECASE)


def vagueness_hint(description: str) -> str:
    """A hint when the wording will not tell anyone when the item is done."""
    text = " ".join((description or "").split())
    if not text:
        return ""
    words = text.split()
    if VAGUE.search(text) and (len(words) <= 5 or not SPECIFIC.search(text)):
        return (
            "This reads as a wish rather than a change: say exactly what will exist when it is "
            "done (which alert, which threshold, which test), so anyone can check it."
        )
    return ""


VAGUE_ACTION_ITEM = Rule(
    id="vague-action-item",
    title="Not specific",
    pattern=VAGUE,
    rationale=vagueness_hint("Improve monitoring"),
    suggestion=(
        "Name the change and how to check it is done: “Add an alert for error rate above 1% "
        "on /api/auth for 5 minutes”, not “improve monitoring”."
    ),
    category="vague",
)
EXHORTATION = Rule(
    id="exhortation",
    title="Asks people to try harder",
    pattern=_EXHORTATION,
    rationale=(
        "“Make sure”, “be more careful” and “try to” ask people to do better next time; "
        "nothing changes in the system, so nothing stops it happening again and nobody can "
        "tell when the item is done."
    ),
    suggestion=(
        "Turn the intention into a mechanism: “add a pre-deploy checklist step to the CI "
        "pipeline that blocks a release without a rollback plan”."
    ),
    category="vague",
)

GENERIC_ACTION = Rule(
    id="generic-action",
    title="Names no specific change",
    pattern=_GENERIC_ACTION,
    rationale=(
        "“Fix the bug” or “document the process” could close any incident's review: it "
        "doesn't say which change, where, so nobody can plan it or tell when it is done."
    ),
    suggestion=(
        "Say exactly what changes and where: “Add a null check in UserService.getProfile()”, "
        "“Create a runbook for database failover”."
    ),
    category="vague",
)
ACTION_ITEM_RULES: tuple[Rule, ...] = (VAGUE_ACTION_ITEM, EXHORTATION, GENERIC_ACTION)


def vague_action_item(description: str) -> Finding | None:
    """A finding when an action item will not tell anyone when it is done: a wish ("improve
    monitoring", judged by ``vagueness_hint``), or,
    with nothing measurable in it (a number, code, a link), an exhortation to try harder ("make
    sure…", "be more careful") or a generic chore ("fix the bug", "document the process")."""
    text = description or ""
    sentence = " ".join(text.split())
    if not sentence:
        return None
    if vagueness_hint(text):
        rule, match = VAGUE_ACTION_ITEM, VAGUE.search(text)
    elif _MEASURABLE.search(text):
        return None
    elif match := _EXHORTATION.search(text):
        rule = EXHORTATION
    elif _GENERIC_ACTION.search(text):
        rule, match = GENERIC_ACTION, None  # the whole item is the problem
    else:
        return None
    start = match.end() - len(match.group().lstrip()) if match else 0
    end = match.end() if match else len(text)
    return Finding.of(rule, text, (start, end), sentence)
