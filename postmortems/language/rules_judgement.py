"""The first rules for judgement words: calling someone careless, negligent, sloppy, lazy or
incompetent, and grading a mistake as stupid or obvious. ``rules`` lists them with the other
first rules, in the order they are read."""

from __future__ import annotations

from .base import APOS, Rule, rx

CARELESS = Rule(
    id="careless",
    form="judgement",
    title="Calls someone careless",
    pattern=rx(
        r"\b(?:careless(?:ly|ness)?|reckless(?:ly|ness)?|inattentive|inattention)\b|"
        rf"\b(?:was|were|is|are|wasn{APOS}t|weren{APOS}t)\s+not\s+paying\s+attention\b|"
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
)

NEGLIGENT = Rule(
    id="negligent",
    form="judgement",
    title="Calls someone negligent",
    pattern=rx(r"\bnegligen(?:t|ce|tly)\b"),
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
)

SLOPPY = Rule(
    id="sloppy",
    form="judgement",
    title="Calls work sloppy",
    pattern=rx(r"\bslopp(?:y|ily|iness)\b"),
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
)

LAZY = Rule(
    id="lazy",
    form="judgement",
    title="Calls someone lazy",
    pattern=rx(
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
)

INCOMPETENT = Rule(
    id="incompetent",
    form="judgement",
    title="Questions someone's competence",
    pattern=rx(r"\b(?:incompeten(?:t|ce|cy)|inept(?:itude)?|clueless|unqualified)\b"),
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
)

JUDGMENTAL_MISTAKE = Rule(
    id="judgmental-mistake",
    form="judgement",
    title="Judges a mistake",
    pattern=rx(
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
)
