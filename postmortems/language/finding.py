"""What a rule finds in a text, and the keys a writer's dismissal is stored under: a finding is
keyed by its sentence, so dismissing a false alarm holds for that rule on that sentence."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from .base import Rule


@dataclass(frozen=True)
class Finding:
    rule: Rule
    start: int  # text[start:end] == phrase
    end: int
    phrase: str
    sentence: str
    sentence_key: str

    @classmethod
    def of(cls, rule: Rule, text: str, span: tuple[int, int], sentence: str) -> Finding:
        """The finding of ``rule`` on ``text[start:end]``, in ``sentence``."""
        start, end = span
        return cls(
            rule=rule,
            start=start,
            end=end,
            phrase=text[start:end],
            sentence=sentence,
            sentence_key=sentence_key(sentence),
        )

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
