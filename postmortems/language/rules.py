"""Blameless-language guidance: explainable rules that spot wording which blames a person or
argues with hindsight ("should have known", "if only…"), each with its reason and a systemic
rewording, plus the same treatment for vague action items.

Pure functions, no models, no network. ``check(text)`` masks what is not prose (fenced code,
inline code, URLs, link targets, HTML comments) with spaces of the same length, so offsets stay
those of the original text. Each rule names trigger words, one of which is in every match; the
rule's precompiled pattern only reads the text around them (a few ``str.find`` calls instead of
a regex tried at every character), which keeps a 4,000-word draft at a few milliseconds. Every
finding is keyed by its sentence, so a writer can dismiss a false alarm on that sentence for
that rule: ``dismissal_key(finding)`` is ``"<rule id>:<sentence key>"``.

People are recognised by @handle, by role or team ("the on-call engineer", "the network team",
"he", "someone") or by a capitalised first name that is a known person name (a built-in list
plus the ``people`` a caller passes, e.g. the organization's members), so "The deploy caused…",
"Redis broke…" and "It missed…" are never read as a person; with wording only people use
("forgot to", "accidentally deleted") any capitalised word that is not a tool counts (see
``people``). The rules below are the first set; ``forms`` adds one family per way real writing
blames, and ``evaluation`` measures them all on sentences written for that.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from . import forms
from .base import APOS as _APOS
from .base import Category, Rule
from .base import rx as _rx
from .fragments import EXPLAINED_AFTER
from .people import CAP_WORD as _CAP_WORD
from .people import FIRST_NAMES, NOT_NAMES, NOT_PEOPLE
from .people import HANDLE as _HANDLE
from .people import NAME_WORD as _NAME_WORD
from .people import PRONOUN as _PRONOUN
from .people import ROLE as _ROLE
from .people import person as _person

__all__ = ["Category", "FIRST_NAMES", "NOT_NAMES", "Rule"]


@dataclass(frozen=True)
class Finding:
    rule: Rule
    start: int  # text[start:end] == phrase
    end: int
    phrase: str
    sentence: str
    sentence_key: str

    @property
    def dismissal_key(self) -> str:
        return dismissal_key(self)

    def as_dict(self) -> dict:
        """JSON-ready, for the editor's highlights."""
        return {
            "rule": self.rule.id,
            "title": self.rule.title,
            "category": self.rule.category,
            "rationale": self.rule.rationale,
            "suggestion": self.rule.suggestion,
            "start": self.start,
            "end": self.end,
            "phrase": self.phrase,
            "sentence": self.sentence,
            "sentence_key": self.sentence_key,
            "dismissal_key": self.dismissal_key,
        }


def sentence_key(sentence: str) -> str:
    """A short stable hash of the sentence, whitespace and case aside."""
    normalized = " ".join(sentence.lower().split())
    return hashlib.sha1(normalized.encode(), usedforsecurity=False).hexdigest()[:12]


def dismissal_key(finding: Finding) -> str:
    """What a writer's "dismiss this alarm" stores: this rule, on this sentence."""
    return f"{finding.rule.id}:{finding.sentence_key}"


_ADVERB = r"(?:(?:\w+ly|just|then|also|simply|again|still|never)\s+)?"
_BLAME_VERB = (
    r"(?:(?:had|has)\s+)?"
    r"(?:caused|broke|broken|missed|ignored|overlooked|neglected|botched|bungled|"
    r"forgot(?!\s+(?:to|about)\b)|messed\s+up|screwed\s+up|fat[\s-]?fingered|"
    r"dropped\s+the\s+ball|made\s+(?:a|an|another|the)\s+(?:\w+\s+)?(?:mistake|error|blunder|typo))"
)
_PASSIVE_BLAME = (
    r"(?:caused|broken|missed|ignored|overlooked|forgotten|messed\s+up|botched)\s+by\s+"
)

_NEGATION = re.compile(
    r"\b(?:no|not|never|nobody|noone|neither|nor|without|rather\s+than|instead\s+of|avoid\w*|"
    r"refuse\w*|cannot)\b|n['’]t\b",
    re.IGNORECASE,
)
_CLAUSE_BREAK = re.compile(r"[,;:.!?()\n—–]|\s-\s")


_SAFEGUARD_SUBJECT = re.compile(
    r"\b(?:the|a|an|our|this|that|its|their)\s+(?:[\w-]+\s+){0,2}?(?:checks?|alerts?|alarms?|"
    r"monitors?|monitoring|canary|canaries|tests?|pipeline|ci|linter|lint|system|tool(?:ing)?|"
    r"job|script|service|dashboard|probe|health\s?check|config(?:uration)?|deploy(?:ment)?|"
    r"build|code|query|rule|limiter|breaker|failover|retry|automation|bot|server|cluster|api|"
    r"gateway|load\s+balancer|validation|validator|scanner|hook|gate|review\s+step)\s+"
    r"(?:(?:that|which)\s+)?(?:\w+ly\s+)?$",
    re.IGNORECASE,
)

# --- The rules -----------------------------------------------------------------------------------

RULES: tuple[Rule, ...] = (
    Rule(
        id="human-error",
        form="human-error",
        title="“Human error” as a cause",
        pattern=_rx(r"\bhuman[\s-]+(?:errors?|mistakes?)\b"),
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
    ),
    Rule(
        id="operator-error",
        form="human-error",
        title="Blames the operator",
        pattern=_rx(
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
    ),
    Rule(
        id="should-have",
        form="counterfactual-person",
        title="Hindsight: “should have”",
        pattern=_rx(
            rf"\b(?:should|ought\s+to)(?:\s+have|{_APOS}ve|\s+of)\s+(?:\w+ly\s+)?"
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
    ),
    Rule(
        id="shouldnt-have",
        form="counterfactual-person",
        title="Hindsight: “shouldn't have”",
        pattern=_rx(rf"\bshould(?:n{_APOS}t|\s+not|\s+never)\s+have\b"),
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
    ),
    Rule(
        id="careless",
        form="judgement",
        title="Calls someone careless",
        pattern=_rx(
            r"\b(?:careless(?:ly|ness)?|reckless(?:ly|ness)?|inattentive|inattention)\b|"
            rf"\b(?:was|were|is|are|wasn{_APOS}t|weren{_APOS}t)\s+not\s+paying\s+attention\b|"
            r"\bnot\s+paying\s+attention\b"
        ),
        rationale=(
            "Carelessness is a judgement of character, not a finding. Careful people make the "
            "same slip when the system makes it easy; the label stops the search for why."
        ),
        suggestion=(
            "Name the missing safeguard: “the process had no verification step before the "
            "change was applied”."
        ),
        category="blame",
        triggers=("careless", "reckless", "inattent", "paying attention"),
        reach=(24, 30),
        negatable=True,
    ),
    Rule(
        id="negligent",
        form="judgement",
        title="Calls someone negligent",
        pattern=_rx(r"\bnegligen(?:t|ce|tly)\b"),
        rationale=(
            "“Negligence” is a legal and disciplinary word: it signals that someone will be "
            "punished, and people stop sharing what really happened."
        ),
        suggestion=(
            "State the expectation that wasn't supported: “the checklist step was optional in "
            "the tool, so it was skipped under time pressure”."
        ),
        category="blame",
        triggers=("negligen",),
        reach=(2, 20),
        negatable=True,
    ),
    Rule(
        id="sloppy",
        form="judgement",
        title="Calls work sloppy",
        pattern=_rx(r"\bslopp(?:y|ily|iness)\b"),
        rationale=(
            "“Sloppy” grades a person's work instead of describing the change; it tells the "
            "reader nothing about what to fix."
        ),
        suggestion=(
            "Describe the defect and what let it through: “the change had no test for an "
            "empty list and review did not require one”."
        ),
        category="blame",
        triggers=("slopp",),
        reach=(2, 20),
        negatable=True,
    ),
    Rule(
        id="lazy",
        form="judgement",
        title="Calls someone lazy",
        pattern=_rx(
            r"\blaz(?:y|iness)\b(?![\s-]+(?:load\w*|init\w*|eval\w*|import\w*|iterat\w*|fetch\w*|"
            r"compil\w*|instantiat\w*|pars\w*|seq\w*|val\w*|list\w*|stream\w*|quer\w*|"
            r"connect\w*|propagat\w*|mode|ref\w*|bind\w*|hydrat\w*|render\w*|mount\w*|"
            r"allocat\w*|loading|properties|property|attributes?|relationships?|evaluation))"
        ),
        rationale=(
            "“Lazy” explains nothing and blames a person; where work was skipped, something "
            "made skipping it cheap or made doing it costly."
        ),
        suggestion=(
            "Say what made the step easy to skip: “running the full test suite takes 40 "
            "minutes, so it is usually deferred to CI”."
        ),
        category="blame",
        triggers=("laz",),
        reach=(2, 60),
        negatable=True,
    ),
    Rule(
        id="incompetent",
        form="judgement",
        title="Questions someone's competence",
        pattern=_rx(r"\b(?:incompeten(?:t|ce|cy)|inept(?:itude)?|clueless|unqualified)\b"),
        rationale=(
            "Judging competence turns a review into a performance review. If knowledge was "
            "missing, that is a training, documentation or staffing gap the team can close."
        ),
        suggestion=(
            "Name the missing knowledge and where it should live: “the failover steps were "
            "known to two people and not written in the runbook”."
        ),
        category="blame",
        triggers=("incompeten", "inept", "clueless", "unqualified"),
        reach=(2, 20),
        negatable=True,
    ),
    Rule(
        id="person-blamed",
        form="role-cause",
        title="Blames a person",
        pattern=_rx(
            rf"{_person('name')}\s+{_ADVERB}{_BLAME_VERB}\b|"
            rf"\b{_PASSIVE_BLAME}(?:\b(?P<name2>{_NAME_WORD})(?:\s+{_NAME_WORD})?\b|{_HANDLE}|"
            rf"\b{_ROLE}|\b{_PRONOUN}\b)"
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
    ),
    Rule(
        id="if-only",
        form="counterfactual-person",
        title="Hindsight: “if only”",
        pattern=_rx(
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
    ),
    Rule(
        id="could-have-prevented",
        form="counterfactual-person",
        title="Hindsight: “could have prevented”",
        pattern=_rx(
            rf"\bcould(?:\s+\w+ly)?(?:\s+have|{_APOS}ve)\s+(?:\w+ly\s+|been\s+)*"
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
    ),
    Rule(
        id="wouldnt-have-happened",
        form="counterfactual-person",
        title="Hindsight: “wouldn't have happened if…”",
        pattern=_rx(
            rf"\bwould(?:n{_APOS}t|\s+not|\s+never)\s+have\s+happened\b|"
            rf"\bwould(?:n{_APOS}t|\s+not|\s+never)\s+have\s+(?:been\s+)?an?\s+"
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
    ),
    Rule(
        id="failed-to",
        form="failed-to",
        title="“Failed to” about a person",
        pattern=_rx(
            rf"(?:\b(?:we|i|you|the\s+team|our\s+team)\b|{_person('name')})\s+"
            rf"{_ADVERB}(?:had\s+)?fail(?:ed|s)\s+to\b|"
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
    ),
    Rule(
        id="obviously",
        form="obviously",
        title="Hindsight: “obviously” / “clearly”",
        pattern=_rx(
            rf"\b(?:obviously|clearly|plainly)\s+(?:should(?:n{_APOS}t)?|ought|needed\s+to|"
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
    ),
    Rule(
        id="blame",
        form="role-cause",
        title="Talks of blame",
        pattern=_rx(r"(?<!git\s)(?<!git-)\b(?:blame[sd]?|blaming|blameworthy)\b"),
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
    ),
    Rule(
        id="fault-of",
        form="role-cause",
        title="Says whose fault it was",
        pattern=_rx(
            rf"\b(?:the|was|is|entirely|all|partly)\s+fault\s+of\b|\bat\s+fault\b|"
            rf"(?:\b(?:his|her|their|my|your)|\b(?P<cap>{_CAP_WORD}){_APOS}s|"
            rf"{_HANDLE}{_APOS}s)\s+fault\b"
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
    ),
    Rule(
        id="root-cause-person",
        form="role-cause",
        title="A person as the root cause",
        pattern=_rx(
            r"\broot[\s-]+causes?\s+(?:was|were|is|are|:)\s+(?:simply\s+|just\s+)?"
            rf"(?:\b(?P<name>{_NAME_WORD})(?:\s+{_NAME_WORD})?\b|{_HANDLE}|"
            rf"\b(?P<cap>{_CAP_WORD})(?=\s+\w+ing\b|{_APOS}s\s)|"
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
    ),
    Rule(
        id="didnt-bother",
        form="failed-to",
        title="“Didn't bother”",
        pattern=_rx(
            rf"\b(?:did(?:n{_APOS}t|\s+not)|never|could(?:n{_APOS}t|\s+not)\s+be)\s+"
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
    ),
    Rule(
        id="forgot-to",
        form="failed-to",
        title="“Forgot to”",
        pattern=_rx(r"\bforg(?:ot|otten|ets|etting)\s+(?:to|about)\b"),
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
    ),
    Rule(
        id="judgmental-mistake",
        form="judgement",
        title="Judges a mistake",
        pattern=_rx(
            r"\b(?:stupid|silly|dumb|rookie|amateur(?:ish)?|inexcusable|unforgivable|"
            r"avoidable|careless|obvious|basic)\s+(?:mistakes?|errors?|blunders?|oversights?)\b"
            r"(?!\s+(?:message|page|rate|code|log|banner|handling)s?\b)"
        ),
        rationale=(
            "Grading a mistake as stupid or obvious judges the person who made it and tells "
            "others to hide theirs."
        ),
        suggestion=(
            "Describe the mistake neutrally and what made it easy: “the two environments' "
            "consoles look identical, so the command ran against production”."
        ),
        category="blame",
        triggers=(
            "stupid",
            "silly",
            "dumb",
            "rookie",
            "amateur",
            "inexcusable",
            "unforgivable",
            "avoidable",
            "careless",
            "obvious",
            "basic",
        ),
        reach=(2, 60),
        negatable=True,
    ),
)

RULES = RULES + forms.RULES
RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}


# --- Markdown: what is not prose -----------------------------------------------------------------

# Each pattern starts with a literal, so the regex engine skips ahead to it (a pattern starting
# with ``\b`` or a group would try every position).
_FENCE_MARKERS = ("```", "~~~")
_INLINE_CODE = re.compile(r"`(?:`(?!`)[^\n]*?``|[^`\n]+`)")
_COMMENT = re.compile(r"<!--[\s\S]*?(?:-->|\Z)")
_LINK_TARGET = re.compile(r"\]\([^)\s]*(?:\s+\"[^\"\n]*\")?\)")
_URL_TAIL = re.compile(r"://[^\s<>()\[\]`]*")
_URL_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*$")
_WWW = re.compile(r"www\.[^\s<>()\[\]`]+")


def _fenced_blocks(text: str) -> list[tuple[int, int]]:
    """Fenced code blocks: from a line opening with ``` or ~~~ (up to three spaces in) to the
    line closing it with at least as many of the same character, or to the end."""
    spans: list[tuple[int, int]] = []
    position = 0
    while True:
        found = [i for i in (text.find(m, position) for m in _FENCE_MARKERS) if i != -1]
        if not found:
            return spans
        index = min(found)
        line_start = text.rfind("\n", 0, index) + 1
        if index - line_start > 3 or text[line_start:index].strip(" \t"):
            position = index + 3  # not at the start of a line: not a fence
            continue
        char, run = text[index], index
        while run < len(text) and text[run] == char:
            run += 1
        closing = re.compile(rf"\n[ \t]{{0,3}}{re.escape(char)}{{{run - index},}}[ \t]*(?=\n|$)")
        close = closing.search(text, run)
        end = close.end() if close else len(text)
        spans.append((line_start, end))
        position = end


def _non_prose_spans(text: str) -> list[tuple[int, int]]:
    spans = _fenced_blocks(text)
    if "`" in text:
        spans += [m.span() for m in _INLINE_CODE.finditer(text)]
    if "<!--" in text:
        spans += [m.span() for m in _COMMENT.finditer(text)]
    if "](" in text:
        spans += [m.span() for m in _LINK_TARGET.finditer(text)]
    if "://" in text:
        for match in _URL_TAIL.finditer(text):
            scheme = _URL_SCHEME.search(text, max(0, match.start() - 12), match.start())
            spans.append((scheme.start() if scheme else match.start(), match.end()))
    if "www." in text:
        spans += [m.span() for m in _WWW.finditer(text)]
    return spans


def mask_non_prose(text: str) -> str:
    """``text`` with fenced and inline code, HTML comments, URLs and link targets blanked out
    (same length, newlines kept, so offsets and line structure stay those of ``text``)."""
    spans = _non_prose_spans(text)
    if not spans:
        return text
    parts, last = [], 0
    for start, end in sorted(spans):
        if end <= last:
            continue  # inside a span already masked (a URL in a code block)
        start = max(start, last)
        parts.append(text[last:start])
        parts.append("\n".join(" " * len(line) for line in text[start:end].split("\n")))
        last = end
    parts.append(text[last:])
    return "".join(parts)


# --- Sentences ----------------------------------------------------------------------------------

_BOUNDARY = re.compile(
    r"[.!?]+[\"'’”)\]*_]*(?=\s|$)"  # the end of a sentence
    r"|\n[ \t]*\n"  # a blank line
    r"|\n(?=[ \t]*(?:[-*+][ \t]|\d+[.)][ \t]|#|>|\|))"  # a list item, heading, quote, table row
    r"|\|"  # a table cell
)
_ABBREVIATION = re.compile(r"\b(?:e\.g|i\.e|etc|vs|approx|incl|cf|mr|mrs|ms|dr)\.$", re.I)
_LEADING_MARKUP = re.compile(r"^(?:[ \t]*(?:[-*+]|\d+[.)]|#{1,6}|>)[ \t]+)+|^\[[ xX]\][ \t]+")


def sentence_ends(masked: str) -> list[int]:
    """Where each sentence (or list item, heading, table cell) of the masked text ends."""
    ends = []
    for match in _BOUNDARY.finditer(masked):
        if match.group()[0] == "." and _ABBREVIATION.search(
            masked, max(0, match.start() - 6), match.start() + 1
        ):
            continue  # "e.g." does not end a sentence
        ends.append(match.end())
    return ends


# --- Checking ------------------------------------------------------------------------------------


# Rules read only the text around their trigger words; tests turn this off to check that the
# shortcut finds exactly what reading the whole text finds.
USE_TRIGGERS = True
# How far before a match a rule's subject may start (characters).
SUBJECT_REACH = 120


class _Draft:
    """One text being checked: its masked and lower-cased forms, the trigger words found so far
    and, once a finding needs them, its sentences."""

    def __init__(self, text: str, people: Iterable[str]):
        self.text = text
        self.masked = mask_non_prose(text)
        # Trigger words are looked up in a lower-case copy with line breaks and tabs as spaces
        # (the same length, so positions carry over). Should lower-casing change the length (a
        # few characters lower-case to two), every rule reads the whole text instead.
        lowered = self.masked.lower().replace("\n", " ").replace("\t", " ")
        self.lowered = lowered if len(lowered) == len(self.masked) else None
        self.names = _known_names(people)
        self._hits: dict[str, list[int]] = {}
        self._ends: list[int] | None = None

    @functools.cached_property
    def vocabulary(self) -> str:
        """The text's distinct words, once each: a trigger word missing here is missing from
        the text, and looking here first is several times cheaper (most triggers are absent)."""
        return " ".join(set(self.lowered.split()))

    def hits(self, trigger: str) -> list[int]:
        if trigger not in self._hits:
            found, index = [], -1
            if _longest_word(trigger) in self.vocabulary:
                index = self.lowered.find(trigger)
            while index != -1:
                found.append(index)
                index = self.lowered.find(trigger, index + 1)
            self._hits[trigger] = found
        return self._hits[trigger]

    def windows(self, rule: Rule) -> list[tuple[int, int]]:
        """Stretches around the rule's trigger words (merged), or the whole text."""
        size = len(self.masked)
        if self.lowered is None or not rule.triggers or not USE_TRIGGERS:
            return [(0, size)]
        back, ahead = rule.reach
        windows: list[tuple[int, int]] = []
        for hit in sorted(h for trigger in rule.triggers for h in self.hits(trigger)):
            begin, end = max(0, hit - back), min(size, hit + ahead)
            while end < size and self.masked[end].isalnum():
                end += 1  # never cut a word: the window's end would read as a word boundary
            if windows and begin <= windows[-1][1]:
                windows[-1] = (windows[-1][0], max(end, windows[-1][1]))
            else:
                windows.append((begin, end))
        return windows

    def matches(self, rule: Rule) -> Iterator[tuple[int, int]]:
        """The rule's matches as (start, end); one whose capitalised word is not a person is
        retried one character later, so "Yesterday Bob broke…" still finds Bob."""
        position = 0
        for begin, end in self.windows(rule):
            position = max(position, begin)
            while (match := rule.pattern.search(self.masked, position, end)) is not None:
                start = self._start(rule, match)
                if (
                    start is not None
                    and _names_ok(match, self.names)
                    and not _skipped(rule, self.masked, start, match.end())
                ):
                    yield start, match.end()
                    position = max(match.end(), match.start() + 1)
                else:
                    position = match.start() + 1

    def _start(self, rule: Rule, match: re.Match) -> int | None:
        """Where the finding starts: at its subject when the rule needs one (None when there
        is no person right before the match), else at the match."""
        if rule.subject is None or (
            "who" in rule.pattern.groupindex and match.group("who") is None
        ):
            return match.start()
        position = max(0, match.start() - SUBJECT_REACH)
        while (found := rule.subject.search(self.masked, position, match.start())) is not None:
            if _names_ok(found, self.names):
                return found.start()
            position = found.start() + 1
        return None

    def sentence(self, position: int) -> str:
        """The sentence holding ``position``, markup stripped and whitespace collapsed."""
        if self._ends is None:
            self._ends = sentence_ends(self.masked)
        index = bisect.bisect_right(self._ends, position)
        begin = self._ends[index - 1] if index else 0
        end = self._ends[index] if index < len(self._ends) else len(self.text)
        sentence = _LEADING_MARKUP.sub("", self.text[begin:end].strip())
        return " ".join(sentence.rstrip(" \t\n|").split())


@functools.cache
def _longest_word(trigger: str) -> str:
    return max(trigger.split(), key=len, default=trigger)


def _known_names(people: Iterable[str]) -> frozenset[str]:
    people = people if isinstance(people, frozenset) else frozenset(people)
    return _names_with(people) if people else FIRST_NAMES


@functools.lru_cache(maxsize=64)
def _names_with(people: frozenset[str]) -> frozenset[str]:
    """The built-in first names and these people's name parts (cached: an editor page checks
    every section with the same members)."""
    extra = {
        word.lower()
        for person in people
        for word in re.split(r"[\s._-]+", str(person or ""))
        if len(word) > 1 and word.isalpha()
    }
    return (FIRST_NAMES | extra) - NOT_NAMES if extra else FIRST_NAMES


def _names_ok(match: re.Match, names: frozenset[str]) -> bool:
    """Known-name groups (``name…``) hold a known name; any-name groups (``cap…``) hold a
    capitalised word that is not a tool, product or sentence opener."""
    for group in _name_groups(match.re):
        value = match.group(group)
        if value is None:
            continue
        word = value.lower()
        known = word in names
        if not (known if group.startswith("name") else known or word not in NOT_PEOPLE):
            return False
    return True


@functools.cache
def _name_groups(pattern: re.Pattern) -> tuple[str, ...]:
    return tuple(g for g in pattern.groupindex if g.startswith(("name", "cap")))


def _clause_before(masked: str, position: int) -> str:
    window = masked[max(0, position - 80) : position]
    return _CLAUSE_BREAK.split(window)[-1]


def _skipped(rule: Rule, masked: str, start: int, end: int) -> bool:
    if rule.negatable and _NEGATION.search(_clause_before(masked, start)):
        return True
    if rule.unless_after is not None and rule.unless_after.match(masked, end, end + 160):
        return True
    if rule.unless_before is not None:
        return bool(rule.unless_before.search(_clause_before(masked, start)))
    return False


_FAMILY_IDS = frozenset(rule.id for rule in forms.RULES)


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(start < other_end and other_start < end for other_start, other_end in spans)


def check(
    text: str, dismissed: Iterable[str] = frozenset(), *, people: Iterable[str] = ()
) -> list[Finding]:
    """Every phrase of ``text`` that blames a person or argues with hindsight, in text order.

    ``dismissed`` holds ``dismissal_key``s the writer dismissed; ``people`` adds names (members'
    first names, usernames) to the built-in list of person names."""
    if not text or not text.strip():
        return []
    draft = _Draft(text, people)
    dismissed = dismissed if isinstance(dismissed, set | frozenset) else set(dismissed)
    findings: list[Finding] = []
    spans: list[tuple[int, int]] = []  # every match so far, dismissed or not
    for rule in RULES:
        for start, end in draft.matches(rule):
            if rule.id in _FAMILY_IDS and _overlaps(spans, start, end):
                continue  # one alarm per phrase: an earlier rule already explains it
            spans.append((start, end))
            sentence = draft.sentence(start)
            finding = Finding(
                rule=rule,
                start=start,
                end=end,
                phrase=text[start:end],
                sentence=sentence,
                sentence_key=sentence_key(sentence),
            )
            if dismissal_key(finding) not in dismissed:
                findings.append(finding)
    findings.sort(key=lambda f: (f.start, f.end))
    return findings


# --- Action items --------------------------------------------------------------------------------

_EXHORTATION = _rx(
    r"^\s*(?:please\s+)?(?:make\s+sure|try\s+(?:to|and)|be\s+(?:more\s+)?(?:careful|vigilant|"
    r"aware|mindful|thorough)|remember\s+to|don['’]?t\s+forget|double[\s-]?check|"
    r"pay\s+(?:more\s+)?attention|keep\s+an\s+eye|consider|think\s+about|"
    r"communicate\s+better|(?:do\s+)?better\s+\w+|ensure\s+(?:that\s+)?(?:we|people|engineers|"
    r"everyone|the\s+team|devs|developers)|avoid|stop\s+\w+ing)\b"
)
_GENERIC_ACTION = _rx(
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
    return Finding(
        rule=rule,
        start=start,
        end=end,
        phrase=text[start:end],
        sentence=sentence,
        sentence_key=sentence_key(sentence),
    )


# --- Benchmark input -----------------------------------------------------------------------------

_BENCH_PARAGRAPHS = (
    "## Summary\n\nFor 43 minutes about 30% of checkout attempts failed with *Payment failed*. "
    "Release v2.3.1 of payments-api shipped a migration that added a required column to the "
    "`payments` table before any code wrote it, so PostgreSQL rejected new rows on every "
    "replica the migration had reached. See https://grafana.example.com/d/payments?from=now-6h "
    "for the error rate.",
    "We rolled the migration back with v2.3.2 and retried every failed payment from the "
    "dead-letter queue. No payment was lost or charged twice; Alice rolled back the release at "
    "14:05 and Bob paged the database team. The deploy caused a spike in 5xx errors that the "
    "canary did not catch, because it compares absolute error rates against a 10% threshold.",
    "| Time | Event | Who |\n|---|---|---|\n| 13:58 | Deploy of v2.3.1 started | CI |\n"
    "| 14:00 | Error rate above 5% alert fired | Datadog |\n| 14:05 | Rollback decided | Carol |",
    '```\nERROR: null value in column "fraud_score" violates not-null constraint\n'
    "DETAIL: the engineer should have known; human error in 0087\n```",
    "- **The migration was never exercised against realistic data.** The CI check runs on an "
    "empty database, and staging is not part of the deploy path for migrations.\n"
    "- **The canary could not see a partial failure.** It takes 2% of traffic and rolls back "
    "above an absolute 10% error rate; 30% of 2% never crossed it.",
    "The on-call engineer should have noticed the warning earlier, and this was clearly a "
    "mistake that could have been prevented.",
    "The alert failed over to the secondary region within a minute. Our safeguards were built "
    "for code regressions rather than schema changes: the review checklist has no question "
    "about backwards compatibility of the schema, and `NOT NULL` columns pass CI.",
)


def bench_text(words: int = 4000) -> str:
    """A realistic markdown draft of about ``words`` words (prose, a table, code, a URL and a
    few blaming sentences), for timing ``check``."""
    paragraphs, count, index = [], 0, 0
    while count < words:
        paragraph = _BENCH_PARAGRAPHS[index % len(_BENCH_PARAGRAPHS)]
        paragraphs.append(paragraph)
        count += len(paragraph.split())
        index += 1
    return "\n\n".join(paragraphs)
