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
``people``).

This module is the package's public face and its engine: the first rules live in
``rules_blame``, ``rules_judgement`` and ``rules_hindsight`` (listed below in the order they are
read), ``forms`` adds one family per way real writing blames, ``evaluation`` measures them all
on sentences written for that. ``prose`` finds what is prose and its sentences, ``finding`` holds
what a rule finds, ``action_items`` judges action items and ``bench`` is a draft to time on.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable, Iterator

from . import forms
from . import rules_blame as blame
from . import rules_hindsight as hindsight
from . import rules_judgement as judgement
from .action_items import (
    ACTION_ITEM_RULES,
    EXHORTATION,
    GENERIC_ACTION,
    SPECIFIC,
    VAGUE,
    VAGUE_ACTION_ITEM,
    vague_action_item,
    vagueness_hint,
)
from .base import Category, Rule
from .bench import bench_text
from .finding import Finding, dismissal_key, sentence_key
from .people import FIRST_NAMES, NOT_NAMES, NOT_PEOPLE
from .prose import mask_non_prose, plain_sentence, sentence_ends

__all__ = [
    "ACTION_ITEM_RULES",
    "EXHORTATION",
    "FIRST_NAMES",
    "GENERIC_ACTION",
    "NOT_NAMES",
    "RULES",
    "RULES_BY_ID",
    "SPECIFIC",
    "VAGUE",
    "VAGUE_ACTION_ITEM",
    "Category",
    "Finding",
    "Rule",
    "bench_text",
    "check",
    "dismissal_key",
    "mask_non_prose",
    "sentence_ends",
    "sentence_key",
    "vague_action_item",
    "vagueness_hint",
]

# The order rules are read in: a family rule's match that overlaps an earlier match is dropped
# (see ``check``), and findings at the same place keep this order.
RULES: tuple[Rule, ...] = (
    blame.HUMAN_ERROR,
    blame.OPERATOR_ERROR,
    hindsight.SHOULD_HAVE,
    hindsight.SHOULDNT_HAVE,
    judgement.CARELESS,
    judgement.NEGLIGENT,
    judgement.SLOPPY,
    judgement.LAZY,
    judgement.INCOMPETENT,
    blame.PERSON_BLAMED,
    hindsight.IF_ONLY,
    hindsight.COULD_HAVE_PREVENTED,
    hindsight.WOULDNT_HAVE_HAPPENED,
    hindsight.FAILED_TO,
    hindsight.OBVIOUSLY,
    blame.BLAME,
    blame.FAULT_OF,
    blame.ROOT_CAUSE_PERSON,
    blame.DIDNT_BOTHER,
    blame.FORGOT_TO,
    judgement.JUDGMENTAL_MISTAKE,
    *forms.RULES,
)
RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}

_NEGATION = re.compile(
    r"\b(?:no|not|never|nobody|noone|neither|nor|without|rather\s+than|instead\s+of|avoid\w*|"
    r"refuse\w*|cannot)\b|n['’]t\b",
    re.IGNORECASE,
)
_CLAUSE_BREAK = re.compile(r"[,;:.!?()\n—–]|\s-\s")


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
        return plain_sentence(self.text[begin:end])


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
            finding = Finding.of(rule, text, (start, end), draft.sentence(start))
            if dismissal_key(finding) not in dismissed:
                findings.append(finding)
    findings.sort(key=lambda f: (f.start, f.end))
    return findings
