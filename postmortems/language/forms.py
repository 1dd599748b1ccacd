"""Rules for the ways real writing blames that the first rules missed: judgement words, slips
with a person or team as the subject, a role or team as the cause, passive voice with an agent,
"accidentally" with an actor, "obviously", "a simple check would have…", sarcasm and
counterfactuals about a person. One rule per family, each with its reason and a systemic
rewording; ``check`` reads them after the first rules and drops a match that overlaps an
earlier finding, so one phrase raises one alarm.

Every pattern is anchored on trigger words (see ``Rule.triggers``) and bounded in length, so the
whole set adds a few milliseconds to a 4,000-word draft.
"""

from __future__ import annotations

from .base import APOS, Rule, rx
from .people import (
    BARE_GROUP,
    CAP_WORD,
    HANDLE,
    NAME_WORD,
    ROLE,
    ROLE_NOUN,
    TAIL,
    anyone,
    someone,
)

# Where a word starts (or a quotation mark opens): every pattern below starts there, and saying
# so up front lets the regex engine skip the other positions cheaply (about twice as fast).
_GATE = r"(?<![^\W\d_])(?=[^\W\d_\"“])"


def _rx(pattern: str):
    return rx(rf"{_GATE}(?:{pattern})")


# Not after a word or a comma inside the same sentence: where a sentence or clause starts.
_START = r"(?<![\w,;:'’\"-]\s)(?<![\w,;:'’\"-])"
_WORDS = r"(?:\s+[\w'’-]+)"  # a run of words, bounded where used: {0,6}?
_ADV = r"(?:(?:\w+ly|just|then|also|simply|again|still|even|once\s+again)\s+)?"
_NT = rf"(?:n{APOS}t|\s+not)"


_DETERMINER = r"(?:the|an?|our|their|this|that|one|some|his|her|my|your|another)"


def _subject(suffix: str) -> str:
    """A person as the subject of an ordinary verb: a role or team, a handle, a pronoun or a
    known name (group ``name<suffix>``); never an unknown capitalised word ("Redis broke…")."""
    return (
        rf"(?:{HANDLE}|\b{ROLE}|\b{BARE_GROUP}\b|\b(?:he|she|they|someone|somebody)\b{TAIL}|"
        rf"\b(?P<name{suffix}>{NAME_WORD})\b)"
    )


_HARM_MARK = (
    r"(?:wrong|bad|broken|buggy|untested|unreviewed|incorrect|faulty|"
    r"half-baked)\b|straight\s+(?:in)?to\s+prod(?:uction)?\b|directly\s+(?:to|into|on)\s+"
    r"prod(?:uction)?\b|against\s+(?:the\s+)?(?:live|prod(?:uction)?)\b|(?:the\s+)?"
    r"(?:prod(?:uction)?|live)\s+(?:database|db|bucket|tables?|cluster|data)\b|without\s+(?:a\s+|any\s+)?(?:review|reviewing|testing|tests?|checking|"
    r"approval|telling|asking|ticket|warning|looking|reading|verifying|notifying|informing)\b|"
    r"during\s+(?:the\s+)?peak\b|instead\s+of\s+the\b|that\s+(?:crashed|broke|took\s+down|wiped|"
    r"corrupted|deleted)\b"
)
_HUMAN_PP = (
    r"(?:checked|tested|read|looked|listened|followed|waited|asked|paid\s+attention|noticed|"
    r"reviewed|double[\s-]?checked|verified|run|ran|escalated|paged|told|communicated|thought|"
    r"known|bothered|rolled\s+back|taken\s+(?:the\s+)?time|confirmed|validated|called|informed|"
    r"notified|warned|updated|documented|patched|renewed|watched|responded|acted|spoken\s+up|"
    r"been\s+(?:more\s+)?(?:careful|paying|thorough|attentive))"
)

JUDGEMENT = Rule(
    id="judges-people",
    form="judgement",
    title="Judges the people involved",
    pattern=_rx(
        r"\b(?:stupid(?:ity)?|idiot(?:s|ic|ically)?|moron(?:s|ic)?|bone-?headed|clowns?|"
        r"cowboys?|amateur(?:s|ish)?|complacen(?:t|cy|ce)|irresponsibl[ey]|"
        r"unprofessional(?:ly|ism)?|shoddy|slapdash|slipshod|lackadaisical|cavalier|"
        r"half[\s-]?assed|arrogan(?:t|ce)|foolish(?:ly|ness)?|asleep\s+at\s+the\s+wheel|"
        r"dumb(?!\s+(?:pipes?|terminals?|clients?|prox(?:y|ies)|switch(?:es)?|devices?))|"
        r"(?:had|has|have)\s+no\s+business|inexperienced\s+(?:[\w-]+\s+)?"
        r"(?:engineer|developer|dev|admin|operator|hire|staff|team|person)s?)\b|"
        r"\b(?:staff|team|engineers?|people|support|vendor|developers?|devs|ops|contractors?|"
        r"they|he|she|folks)\s+(?:was|were|is|are)\s+(?:\w+ly\s+)?(?:useless|hopeless|"
        r"incapable)\b"
    ),
    rationale=(
        "Words like these grade the people, not the work: they tell colleagues that whoever "
        "speaks up next will be judged too, and they explain nothing about what happened."
    ),
    suggestion=(
        "Describe the conditions the work was done in: “the change was prepared under a "
        "same-day deadline and the pipeline has no staging step for configuration”."
    ),
    category="blame",
    triggers=(
        "stupid",
        "idiot",
        "moron",
        "bonehead",
        "bone-head",
        "clown",
        "cowboy",
        "amateur",
        "complacen",
        "irresponsib",
        "unprofessional",
        "shoddy",
        "slapdash",
        "slipshod",
        "lackadaisical",
        "cavalier",
        "assed",
        "arrogan",
        "foolish",
        "asleep",
        "dumb",
        "no business",
        "inexperienced",
        "useless",
        "hopeless",
        "incapable",
    ),
    reach=(40, 50),
    negatable=True,
)

PERSON_SLIP = Rule(
    id="person-slipped",
    form="failed-to",
    title="Says a person slipped",
    pattern=_rx(
        r"\b(?:fail(?:ed|s)\s+to\s+(?:check|notice|verify|read|follow|test|review|escalate|ask)|"
        r"neglect(?:ed|s)|forg(?:ot|ets)|skipped|overlooked|"
        r"ignored\s+(?:the\s+|all\s+|three\s+|two\s+|several\s+|multiple\s+|repeated\s+)?"
        r"(?:[\w-]+\s+){0,2}?(?:warnings?|alerts?|pages?|runbook|process|checklist|advice|"
        r"feedback|instructions|procedure|review|errors?|signs?)|"
        r"never\s+(?:once\s+|even\s+)?(?:bothered|tested|checked|read|looked|verified|reviewed|"
        r"ran|run|followed|asked|updated|documented|considered|thought|escalated|paged|"
        r"responded|acknowledged|noticed|rolled\s+back)|rubber[\s-]?stamped|"
        rf"did{_NT}\s+(?:even\s+)?(?:bother|check|test|read|look|verify|review|notice|ask|"
        r"follow|escalate|run|wait|listen|think|care|update|document|tell|inform|communicate)|"
        rf"could{_NT}\s+be\s+bothered|(?:bothered|cared)\s+to|messed\s+up|screwed\s+up|"
        rf"botched|bungled|fat[\s-]?fingered|mistyped|typo{APOS}?d|made\s+(?:a|an|another)\s+"
        r"(?:\w+\s+)?(?:mistake|error|blunder|typo))\b"
    ),
    # "The developer who wrote it did not test…", "it was Liesel who skipped…"
    subject=rx(
        rf"{anyone('1')}(?:\s+(?:who|that)(?:\s+[\w'’-]+){{0,4}}?)?\s+{_ADV}(?:had\s+|has\s+)?$"
    ),
    rationale=(
        "With a person or team as the subject, “failed to”, “forgot”, “ignored” or “didn't "
        "check” make the slip the finding. Everyone slips; the review is about why the slip "
        "was possible and why nothing caught it."
    ),
    suggestion=(
        "Make the step the subject and say what it depended on: “the renewal relied on "
        "someone remembering, with no reminder and no expiry alert”."
    ),
    category="blame",
    triggers=(
        "failed to",
        "fails to",
        "neglect",
        "forg",
        "skipped",
        "overlooked",
        "ignored",
        "never",
        "didn",
        "did not",
        "couldn",
        "could not",
        "bother",
        "cared",
        "messed",
        "screwed",
        "botch",
        "bungl",
        "finger",
        "mistyp",
        "typo",
        "made a",
        "rubber",
    ),
    reach=(12, 80),
)

ROLE_CAUSE = Rule(
    id="person-as-cause",
    form="role-cause",
    title="A person or team as the cause",
    pattern=_rx(
        # something harmful, or the wrong or untested thing, done by the subject…
        r"(?P<who>\b(?:(?:took|brought|knocked)\s+(?:down|out|over)|broke|wiped|corrupted|"
        rf"trashed|nuked|mis-?configured|mistyped|typo{APOS}?d|destroyed|leaked)\b|"
        rf"\b(?:{_HARM_MARK}))|"
        # …or the subject named after "caused by", "due to", "on", "a mistake by"
        r"\b(?:caused\s+by|due\s+to|because\s+of|blame\s+(?:lies\s+)?(?:with|on)|"
        r"(?:is|was|lies|rests)\s+(?:squarely\s+|entirely\s+|all\s+)?on|"
        r"(?:came|comes|boils|boiled)\s+down\s+to|(?:came|comes|originated)\s+(?:from|with)|"
        r"traced?\s+back\s+to|traces\s+back\s+to|(?:cause|failure|problem|trigger|culprit)\s+"
        r"(?:was|is)|(?:mistake|error|typo|blunder|oversight|slip)s?"
        r"\s+(?:made\s+)?(?:by|from)|on\s+the\s+part\s+of)\s+"
        rf"(?:{HANDLE}|{ROLE}|{BARE_GROUP}\b)(?=\s*(?:[.,;:!?)]|$)|\s+(?:who|that|when|while|"
        r"and|because|as|not|forgetting|running|deploying|pushing|ignoring|skipping|deleting|"
        r"making|typing|signing|restarting|rebooting|dropping|changing)\b)"
    ),
    # The person, and for the wrong or untested thing the ordinary action they took with it (a
    # name the list does not know counts only with that action: "Yevgenia pushed… untested").
    subject=rx(
        rf"(?:\b(?!{_DETERMINER}\b)(?P<cap1>{CAP_WORD})|{_subject('1')})(?:\s+(?:had|has))?\s+"
        rf"{_ADV}"
        r"(?:(?:ran|running|pushed|pushing|deployed|deploying|shipped|"
        r"shipping|applied|merged|typed|entered|restarted|rebooted|rebooting|deleted|deleting|"
        r"dropped|dropping|removed|reset|promoted|changed|edited|unplugged|pulled|revoked|"
        r"disabled|turned\s+off|shut\s+down|killed|signed\s+off\s+on|signing\s+off\s+on|"
        r"rolled\s+out|introduced|committed|exposed|announced|launched|released|started|"
        r"scheduled|triggered|enabled|flipped|copied|moved|migrated|upgraded|updated|modified|"
        r"configured)\b(?:\s+[\w'’-]+){0,6}?\s+|(?(cap1)(?!)))$"
    ),
    rationale=(
        "Naming a person, a role or another team as what broke things makes them the cause. "
        "Anyone in their place, with the same tools and information, could have done the same; "
        "the review is about what made the action possible and let it do this much harm."
    ),
    suggestion=(
        "Make the action and its missing safeguard the subject: “a cleanup script ran against "
        "the production cluster; the tool does not show or confirm the target environment”."
    ),
    category="blame",
    triggers=(
        "took",
        "brought",
        "knocked",
        "broke",
        "wiped",
        "corrupt",
        "trashed",
        "nuked",
        "configur",
        "mistyp",
        "typo",
        "destroy",
        "leak",
        "wrong",
        "bad",
        "buggy",
        "untested",
        "unreviewed",
        "incorrect",
        "faulty",
        "baked",
        "straight",
        "directly",
        "against the prod",
        "against prod",
        "against the live",
        "against live",
        "production d",
        "production b",
        "production t",
        "production c",
        "prod d",
        "prod b",
        "prod t",
        "prod c",
        "live d",
        "live c",
        "live t",
        "live b",
        "without",
        "crash",
        "delet",
        "caused by",
        "due to",
        "because of",
        "blame",
        "is on ",
        "was on ",
        "lies on ",
        "rests on ",
        "ly on ",
        "all on ",
        "down to",
        "the part of",
        "mistake",
        "error by",
        "errors by",
        "error from",
        "errors from",
        "error made",
        "errors made",
        "blunder",
        "oversight",
        "slip",
        "instead",
        "failure was",
        "cause was",
        "problem was",
        "trigger was",
        "culprit",
        "came from",
        "comes from",
        "originated",
        "trace",
        "peak",
    ),
    reach=(24, 90),
)

WHOSE_MISTAKE = Rule(
    id="whose-mistake",
    form="role-cause",
    title="Whose mistake it was",
    pattern=rx(
        rf"{APOS}s\s+(?:[\w-]+\s+)?(?:mistake|error|typo|blunder|screw-?up|oversight|slip|"
        r"negligence|carelessness|incompetence|misconfiguration|fat[\s-]?finger)s?\b"
        r"(?!\s+(?:handling|messages?|pages?|codes?|rates?))|"
        rf"{APOS}s\s+(?:[\w-]+\s+){{0,2}}?(?:change|deploy|release|migration|script|config|"
        r"commit|push|update|rollout|patch|rule|query|code|job|upgrade|setting|flag)\s+(?:(?:took|brought|knocked)\s+(?:down|out)|broke|caused|"
        r"corrupted|wiped|crashed|deleted)\b"
    ),
    subject=rx(rf"(?:{HANDLE}|\b{ROLE}|\b{BARE_GROUP}|\b(?P<cap1>{CAP_WORD}))$"),
    rationale=(
        "“The DBA's mistake” or “the platform team's change took it down” makes a person or "
        "team the cause. The same change from anyone else would have done the same; what "
        "matters is what let it through and let it do this much harm."
    ),
    suggestion=(
        "Describe the change and what did not catch it: “a configuration change removed the "
        "route; the change passed review because the diff tool hides whitespace lines”."
    ),
    category="blame",
    triggers=(
        "mistake",
        "error",
        "typo",
        "blunder",
        "screw",
        "oversight",
        "slip",
        "negligence",
        "carelessness",
        "incompetence",
        "configur",
        "finger",
        "took",
        "brought",
        "knocked",
        "broke",
        "caused",
        "corrupt",
        "wiped",
        "crash",
        "delet",
    ),
    reach=(40, 40),
)

PASSIVE_AGENT = Rule(
    id="passive-agent",
    form="passive-agent",
    title="Names who did it, in the passive",
    pattern=_rx(
        r"\b(?:was|were|got|gets|been|is|are)\s+(?:\w+ly\s+)?"
        r"(?:(?:deleted|dropped|wiped|removed|overwritten|mis-?configured|broken|caused|"
        r"introduced|missed|ignored|overlooked|forgotten|unplugged|mistyped|corrupted|truncated|"
        r"killed|disabled|silenced|bypassed|skipped|leaked|exposed|revoked|botched|"
        r"(?:shut|taken|brought)\s+down|turned\s+off|messed\s+up)\b"
        rf"{_WORDS}{{0,6}}?\s+by\s+{someone('1')}|"
        r"(?:pushed|run|executed|changed|set|merged|rebooted|reset|triggered|deployed|applied|"
        rf"edited)\b{_WORDS}{{0,6}}?\s+by\s+{someone('2')}{_WORDS}{{0,4}}?\s+(?:{_HARM_MARK})|"
        r"(?:pushed|run|executed|changed|set|merged|rebooted|reset|triggered|deployed|applied|"
        r"edited|copied|scheduled|launched|enabled|moved)\b"
        r"(?=[^.!?\n]{0,40}?\b(?:wrong|zero|without|production|prod|peak)\b)"
        rf"{_WORDS}{{0,6}}?\s+by\s+{someone('3')})"
    ),
    rationale=(
        "“Was deleted by the intern” keeps the person as the cause while sounding neutral. "
        "Who ran the command matters less than what let the command do this."
    ),
    suggestion=(
        "Name the mechanism instead of the agent: “the bucket was deleted by a cleanup command "
        "that accepted a production target without confirmation”."
    ),
    category="blame",
    triggers=("by ",),
    reach=(90, 70),
)

ACCIDENT_ACTOR = Rule(
    id="accident-actor",
    form="accident-actor",
    title="“Accidentally”, with someone doing it",
    pattern=_rx(
        r"(?P<who>\b(?:accidentally|inadvertently|mistakenly|unintentionally|unwittingly|"
        r"erroneously)\s+(?!(?:found|discovered|noticed|caught|fixed|solved|helped|learned|saw|"
        r"spotted|stumbled)\b)\w+|\bby\s+(?:accident|mistake)\b)|"
        r"\b(?:was|were|got)\s+(?:accidentally|inadvertently|mistakenly|unintentionally|"
        rf"erroneously)\s+\w+{_WORDS}{{0,6}}?\s+by\s+{someone('3')}"
    ),
    subject=rx(rf"{anyone('1')}\s+(?:[\w'’-]+\s+){{0,8}}?$"),
    rationale=(
        "“Accidentally” with a person as the actor still tells the story as one person's "
        "slip. Accidents are normal; what matters is why one was this easy and this costly."
    ),
    suggestion=(
        "Describe what made the slip easy and harmful: “the console offers production and "
        "staging in the same list, and deleting a volume asks for no confirmation”."
    ),
    category="blame",
    triggers=(
        "accident",
        "inadvertent",
        "mistaken",
        "unintention",
        "unwitting",
        "erroneous",
        "mistake",
    ),
    reach=(12, 90),
)

PEOPLE_ERROR = Rule(
    id="people-error",
    form="human-error",
    title="“User error” and kin as a cause",
    pattern=_rx(
        r"\b(?:user[\s-]+error(?!s)(?!\s+(?:rates?|messages?|pages?|codes?|counts?|logs?|"
        r"banners?|handling|responses?|states?|budget|dialogs?|toasts?)\b)|user[\s-]+mistakes?|"
        r"(?:people|personnel|staff|manual|sysadmin|dba)[\s-]+(?:errors?|mistakes?|slips?)|"
        r"human[\s-]+(?:faults?|failures?|slips?|blunders?)|pebc?ak|id-?10-?t|"
        r"(?:a|the)\s+people\s+(?:problem|issue))\b"
    ),
    rationale=(
        "“User error”, “manual error” and the like close the question of why: the person "
        "becomes the cause, and the interface or process that allowed the slip stays as it is."
    ),
    suggestion=(
        "Describe what the person met: “the lock-out form gives no warning before the last "
        "attempt, and the reset link expires in five minutes”."
    ),
    category="blame",
    triggers=(
        "user",
        "people",
        "personnel",
        "staff",
        "manual",
        "sysadmin",
        "dba",
        "human",
        "pebk",
        "pebc",
        "id10t",
        "id-10",
    ),
    reach=(20, 40),
    negatable=True,
)

OBVIOUS = Rule(
    id="obvious-in-hindsight",
    form="obviously",
    title="“Obviously” about what people missed",
    pattern=_rx(
        r"\bobviously\b(?=[^.!?;\n]{0,60}?\b(?:no\s?one|nobody|never|not|\w+n['’]t|someone|"
        r"somebody|they|he|she|you|should|wrong|mistake|error|engineers?|developers?|team|dba|"
        r"on-?call|operator|rush\w*|forgot|skipped|ignored|missed)\b)|"
        r"\b(?:clearly|evidently|of\s+course|apparently|plainly),?\s+(?:no\s?one|nobody|noone|"
        r"none\s+of\s+(?:us|them))\b|"
        r"\b(?:clearly|evidently|plainly),?\s+(?:the\s+|our\s+)?[\w-]+(?:\s+[\w-]+)?\s+"
        rf"(?:did{_NT}|never|should|forgot|skipped|ignored|had{_NT}|was{_NT}\s+(?:paying|careful|"
        r"thinking))\b|"
        r"\b(?:glaringly|painfully|blindingly|patently|so|really|pretty|completely|totally|"
        r"very|abundantly|plainly)\s+obvious\b|"
        r"\b(?:glaringly|painfully|blindingly|abundantly|crystal)\s+clear\b|"
        r"\b(?:anyone|anybody|everyone|everybody|a\s+child)\s+could\s+(?:have\s+)?"
        r"(?:see|seen|tell|told)\b|"
        rf"\b(?:should|would|must)(?:\s+have|{APOS}ve)\s+been\s+(?:\w+ly\s+)?obvious\b|"
        r"\b(?:it|this|that)\s+(?:was|is|seems|seemed)\s+obvious\s+that\b|"
        r"\bobvious\s+to\s+(?:anyone|anybody|everyone|everybody|any|all)\b|"
        r"\b(?:mistake|problem|answer|signs?|cause|bug|issue|risk|error|flaw|gap)\s+"
        r"(?:was|were|is|are)\s+(?:\w+ly\s+)?obvious\b"
    ),
    rationale=(
        "What is obvious afterwards was not obvious during the incident. Calling it obvious "
        "tells the people involved they missed something easy, which is rarely true."
    ),
    suggestion=(
        "Describe what could be seen at the time: “the error appeared in one of forty log "
        "streams, and no alert pointed to it”."
    ),
    category="counterfactual",
    triggers=(
        "obvious",
        "clearly",
        "evidently",
        "of course",
        "apparently",
        "plainly",
        "clear",
        "could see",
        "could have seen",
        "could tell",
    ),
    reach=(30, 90),
    negatable=True,
)

SIMPLE_CHECK = Rule(
    id="simple-check",
    form="simple-check",
    title="“A simple check would have…”",
    pattern=_rx(
        r"\b(?:simple|quick|basic|single|trivial|cursory|brief|one-line|\w+-(?:second|minute))"
        r"\s+(?:sanity\s+)?(?:check|test|look|glance|review|grep|query|question|dry[\s-]?run|"
        rf"search|read|peek|ping|conversation|call|message)s?\b{_WORDS}{{0,8}}?\s+"
        rf"(?:would|could|might)(?:\s+have|{APOS}ve)\b|"
        r"\b(?:literally|just|only)\s+(?:one|a\s+single)\s+(?:\w+\s+)?(?:check|look|glance|"
        rf"dry[\s-]?run|test|question|grep|query)\b{_WORDS}{{0,8}}?\s+would(?:\s+have|{APOS}ve)\b|"
        r"\ball\s+(?:it|that)\s+(?:would\s+have\s+taken|took|takes|would\s+take|needed)\s+"
        r"(?:was|is|would\s+have\s+been)\b|"
        r"\ball\s+(?:he|she|they|you|someone|anyone|(?:the|an?)\s+[\w-]+)\s+(?:had|needed)\s+to\s+"
        r"do\s+was\b|"
        rf"\bjust\s+\w+ing\b{_WORDS}{{0,6}}?\s+would(?:\s+have|{APOS}ve)\b|"
        r"\b(?:anyone|anybody|any\s+(?:competent|decent|half[\s-]?decent|reasonable|careful|"
        r"experienced|good|sane|junior|first-year)\s+[\w-]+)\b"
        rf"{_WORDS}{{0,8}}?\s+(?:would|could)(?:\s+have|{APOS}ve)\s+(?:\w+ly\s+)?(?:seen|"
        r"noticed|caught|spotted|known|realized|realised|found|prevented|avoided|stopped|told|"
        r"checked)\b|"
        r"\bwould\s+have\s+taken\s+(?:only\s+|just\s+)?(?:\w+\s+)?(?:seconds?|minutes?)\s+to\b|"
        r"\b(?:one|a\s+single|a)\s+(?:glance|look|peek|grep)\b"
        rf"{_WORDS}{{0,8}}?\s+would(?:\s+have|{APOS}ve)\b|"
        r"\btakes?\s+(?:only\s+|just\s+|about\s+)?(?:ten|five|two|three|thirty|a\s+few|\d+)\s+"
        r"seconds\s+to\s+(?:check|look|verify|run|read|test|confirm|see)\b|"
        r"\b\w+ing\s+(?:[\w-]+\s+){0,4}?takes\s+(?:only\s+|just\s+|about\s+)?(?:ten|five|two|"
        r"three|thirty|a\s+few|\d+)\s+seconds\b"
    ),
    rationale=(
        "“A simple check would have caught it” says the people involved skipped something "
        "easy. Checks that depend on someone thinking of them are exactly what fails under "
        "pressure; the lesson is which check the system should make for them."
    ),
    suggestion=(
        "Turn the check into a safeguard the system runs: “the deploy tool now shows the "
        "target host and asks for confirmation before running a destructive command”."
    ),
    category="counterfactual",
    triggers=(
        "simple",
        "quick",
        "basic",
        "single",
        "trivial",
        "cursory",
        "brief",
        "one-line",
        "-second",
        "-minute",
        "literally",
        "just ",
        "only one",
        "all it",
        "all that",
        "anyone",
        "anybody",
        "any competent",
        "any decent",
        "any half",
        "any reasonable",
        "any careful",
        "any experienced",
        "any good",
        "any sane",
        "any junior",
        "any first",
        "taken",
        "seconds",
        "glance",
        "a look",
        "one look",
        "peek",
        "grep",
        "to do was",
    ),
    reach=(80, 110),
)

SARCASM = Rule(
    id="sarcasm",
    form="sarcasm",
    title="Sarcasm about the people involved",
    pattern=_rx(
        r"\b(?:(?:great|nice|good|fantastic|excellent|stellar|awesome|amazing)\s+"
        r"(?:job|work|going|stuff|one)|well\s+done|kudos|congrat(?:s|ulations)|bravo|"
        r"way\s+to\s+go|slow\s+clap|hats\s+off)\b"
        r"(?=[^.!?\n]{0,100}?\b(?:outage|down|broke|broken|breaking|again|friday|weekend|"
        r"taking|took|another|self-inflicted|wiped|deleted|deleting|deploying|whoever|idea|"
        r"skipping|ignoring|forgetting)\b)"
        r"(?![^.!?\n]{0,100}?\b(?:restor\w*|recover\w*|quick\w*|fast\w*|diagnos\w*|mitigat\w*|"
        r"resolv\w*|help\w*|thank\w*|fix\w*|catch\w*|caught|spott\w*|calm\w*|communicat\w*|"
        r"coordinat\w*)\b)|"
        r"\b(?:some|our\s+resident|a\s+real)\s+(?:genius(?:es)?|bright\s+spark|rocket\s+"
        r"scientists?|hero|wizard|rock\s?star|10x\s+engineer|mastermind)\b|"
        r"\b(?:brilliant|genius|bright)\s+(?:idea|move|plan|decision)\b|"
        r"\b(?:real|really|so|very|what\s+a)\s+(?:smart|clever|brilliant|genius|bright)\s+"
        r"(?:idea|move|plan|decision|call)\b|"
        r"\bwhat\s+could\s+(?:possibly\s+)?go\s+wrong\b|"
        r"\b(?:another|yet\s+another)\s+(?:flawless|perfect|stellar|brilliant|fantastic|"
        r"smooth|great)\s+(?:deploy|release|rollout|change|migration|upgrade|week|launch)\b|"
        rf"\bthanks?\s+(?:you\s+)?for\s+(?:[\w-]+\s+){{0,3}}?(?:outage|downtime|breakage|mess|"
        r"pages?|wake-?up|weekend)\b|"
        r"\bI\s+(?:guess|suppose)\s*,?\s+(?:nobody|no\s?one|someone|they|we)\b|"
        rf"\bwho\s+(?:could|would)(?:\s+have|{APOS}ve)\s+(?:possibly\s+|ever\s+)?(?:predicted|"
        r"guessed|known|thought|imagined|expected|foreseen)\b|"
        rf"{_START}who\s+knew\b|"
        r"\bwho\s+needs\s+(?:\w+\s+){0,2}?(?:tests?|testing|backups?|staging|reviews?|"
        r"monitoring|alerts?|canar(?:y|ies)|rollbacks?|docs|documentation|runbooks?|qa)\b|"
        rf"{_START}who\s+(?:approved|signed\s+off\s+on|reviewed|thought\s+(?:this|that|it)\s+"
        r"was\s+a\s+good\s+idea)\b|\bwhoever\s+(?:thought|decided)\b|"
        r"\bwhose\s+(?:bright\s+|brilliant\s+|great\s+)?idea\s+was\b|"
        r"\bsurprise,?\s+surprise\b|\bwhat\s+a\s+surprise\b|\bshocking(?:ly)?,?\s+I\s+know\b|"
        r"\bcolou?r\s+me\s+(?:surprised|shocked)\b|"
        r"\bin\s+(?:their|his|her|its|our)\s+(?:infinite\s+)?wisdom\b|"
        r"\b(?:apparently|evidently)\b[^.!?\n]{0,60}?\b(?:optional|overrated|too\s+much\s+to\s+"
        r"ask|too\s+hard|beneath)\b|"
        r"\b(?:was|is)\s+(?:apparently\s+)?too\s+much\s+to\s+ask\b|\bbecause\s+of\s+course\b|"
        r"[\"“](?:senior|expert|experts|experienced|professionals?|qualified|engineers?|"
        r"architects?|seniors?)[\"”]|"
        r"\bso[\s-]called\s+(?:[\w-]+\s+)?(?:experts?|engineers?|seniors?|architects?|"
        r"professionals?|team|devops|sres?)\b"
    ),
    rationale=(
        "Sarcasm blames without saying so: everyone can tell who is meant, and nobody can "
        "answer it. It makes the people involved defensive and hides the actual finding."
    ),
    suggestion=(
        "Say plainly what the condition was: “deploys are allowed on Friday afternoons with "
        "no extra review, and this one reached production an hour before the weekend”."
    ),
    category="blame",
    triggers=(
        "great ",
        "nice ",
        "good ",
        "fantastic",
        "excellent",
        "stellar",
        "awesome",
        "amazing",
        "well done",
        "kudos",
        "congrat",
        "bravo",
        "way to go",
        "clap",
        "hats off",
        "genius",
        "bright",
        "rocket",
        "hero",
        "wizard",
        "rockstar",
        "rock star",
        "10x",
        "mastermind",
        "brilliant",
        "smart",
        "clever",
        "go wrong",
        "who could",
        "who would",
        "who knew",
        "who needs",
        "who approved",
        "who signed",
        "who reviewed",
        "who thought",
        "whoever",
        "whose",
        "surprise",
        "shocking",
        "colo",
        "wisdom",
        "optional",
        "overrated",
        "too much",
        "too hard",
        "beneath",
        "of course",
        '"',
        "“",
        "so-called",
        "so called",
        "flawless",
        "perfect",
        "smooth",
        "thank",
        "i guess",
        "i suppose",
    ),
    reach=(70, 110),
)

COUNTERFACTUAL = Rule(
    id="person-counterfactual",
    form="counterfactual-person",
    title="Hindsight about what someone should have done",
    pattern=_rx(
        rf"\bif\s+(?:only\s+)?{someone('1')}\s+had\s+(?:just\s+|simply\s+|actually\s+|"
        r"only\s+|even\s+|bothered\s+to\s+)?(?:not\s+|never\s+)?"
        rf"{_HUMAN_PP}\b|"
        rf"{_START}had\s+{someone('2')}\s+(?:just\s+|simply\s+|actually\s+|only\s+|"
        rf"bothered\s+to\s+)?{_HUMAN_PP}\b|"
        rf"(?P<who>\b(?:could|might)(?:\s+have|{APOS}ve)\s+(?:easily\s+|just\s+|simply\s+|"
        rf"at\s+least\s+)?(?:{_HUMAN_PP}|caught|seen|stopped|prevented|avoided|spotted)\b|"
        r"\b(?:was|were)\s+(?:\w+ly\s+)?(?:supposed|expected|meant|required)\s+to\b|"
        r"\b(?:was|were)\s+responsible\s+for\s+\w+ing\b|"
        r"\bneeded\s+to\s+(?:own|confirm|ensure|make\s+sure)\b)|"
        rf"\b(?:it\s+was|was|is|it{APOS}s)\s+(?:his|her|their|(?:the\s+)?(?:[\w-]+\s+){{0,2}}?"
        rf"{ROLE_NOUN}{APOS}s|(?P<name2>{NAME_WORD}){APOS}s)\s+(?:job|responsibility|duty|task)"
        r"\s+to\b"
    ),
    subject=rx(rf"{_subject('3')}\s+$"),
    rationale=(
        "Imagining what someone could or should have done judges them by an outcome they could "
        "not see. It skips the useful question: why did their actions make sense at the time?"
    ),
    suggestion=(
        "Name what the system could do next time: “the deploy tool will wait for the canary "
        "verdict before promoting a build”, not “if the engineer had waited…”."
    ),
    category="counterfactual",
    triggers=(
        "if ",
        "had ",
        "could have",
        "could've",
        "could’ve",
        "might",
        "supposed",
        "expected",
        "meant",
        "required to",
        "responsib",
        "needed",
        "job",
        "duty",
        "task",
    ),
    reach=(50, 90),
)

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
