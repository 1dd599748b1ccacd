"""The words two incidents share: terms of a text, stemmed crudely so "timeouts" meets
"timeout", and the score of the SQLite fallback. Words every incident report says (impact,
minutes, SEV2) are no reason for two to be alike, so they are stop words here.

Pure functions over text: PostgreSQL ranks with its own stemmer (``to_tsvector``), but the
reasons shown beside a result ("shared words: pool, replica") are computed here on both
databases, from the words as people wrote them.
"""

import re
from collections.abc import Iterable

MAX_TERMS = 40  # of a probe: the query stays short whatever the document's length
MAX_SHOWN = 5
WORD = re.compile(r"[^\W_][\w-]*[^\W_]|[^\W_]", re.UNICODE)
_STOP_WORDS = """a about above after again against all also an and any are as at be because been
    before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers him his how i if in into is it its itself just
    me more most my no nor not now of off on once only or other our out over own same she should
    so some such than that the their them then there these they this those through to too under
    until up very was we were what when where which while who whom why will with would you your
    every via per still within without across since around many much
    incident outage issue problem postmortem impact impacted affected happened caused started
    detected resolved mitigated minutes minute hours hour seconds days day weeks
    one two three four five six seven eight nine ten sev1 sev2 sev3 sev4"""
STOP_WORDS = frozenset(_STOP_WORDS.split())
SUFFIXES = ("ing", "ed", "es", "s")
AMOUNT = re.compile(r"^\d+[a-z]{0,2}$", re.IGNORECASE)  # 2026, 14m, 30s: no reason to be alike


def stem(word: str) -> str:
    """A crude English stem: lower case, one common suffix off ("errors" → "error")."""
    word = word.lower()
    for suffix in SUFFIXES:
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def terms(text: str) -> dict[str, str]:
    """The text's meaningful words by stem (the first spelling met), stop words and single
    characters aside, in the order they first appear."""
    found: dict[str, str] = {}
    for match in WORD.finditer(text or ""):
        word = match.group(0)
        if len(word) < 3 or word.lower() in STOP_WORDS or AMOUNT.match(word):
            continue
        found.setdefault(stem(word), word.lower())
    return found


def probe_terms(*texts: str) -> dict[str, str]:
    """The terms of a probe's texts (title first), at most ``MAX_TERMS``."""
    found: dict[str, str] = {}
    for text in texts:
        for key, word in terms(text).items():
            found.setdefault(key, word)
    return dict(list(found.items())[:MAX_TERMS])


def shared_terms(probe: dict[str, str], texts: Iterable[str]) -> list[str]:
    """The probe's words found in ``texts``, as the probe spells them, in the probe's order."""
    other = set()
    for text in texts:
        other.update(terms(text))
    return [word for key, word in probe.items() if key in other]


def word_overlap(probe: dict[str, str], texts: Iterable[str]) -> float:
    """The share of the probe's terms found in ``texts`` (0 to 1): the SQLite fallback's text
    score, where PostgreSQL uses ``ts_rank`` and trigram similarity."""
    if not probe:
        return 0.0
    return len(shared_terms(probe, texts)) / len(probe)


def websearch_or(probe: dict[str, str]) -> str:
    """The probe's words as one ``websearch_to_tsquery`` disjunction ("pool or replica")."""
    words = {part for word in probe.values() for part in re.split(r"[\W_]+", word) if part}
    return " or ".join(sorted(words))


def term_overlap(a: str, b: str) -> float:
    """How nearly two short texts say the same (0 to 1): the shared terms over the terms of
    either (Jaccard). Near-repeated action items score about 0.6 and more."""
    left, right = set(terms(a)), set(terms(b))
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)
