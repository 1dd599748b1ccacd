"""Rule families for who is blamed: judgement words, "user error" and kin, a person who
slipped ("forgot", "didn't check"), "accidentally" with an actor, the passive with an agent, a
person or team as the cause, and whose mistake it was."""

from __future__ import annotations

from .base import APOS, Rule, rx
from .fragments import (
    ADVERB,
    DETERMINER,
    EXPLAINED_AFTER,
    HARM_MARK,
    NOT,
    WORDS,
    gated_rx,
    subject,
)
from .people import BARE_GROUP, CAP_WORD, HANDLE, ROLE, anyone, someone

JUDGEMENT = Rule(
    id="judges-people",
    form="judgement",
    title="Judges the people involved",
    pattern=gated_rx(
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
    pattern=gated_rx(
        # "Nobody bothered to check" (but "nobody skipped anything" is not a slip)
        r"\b(?:nobody|no\s?one|none\s+of\s+(?:us|them|the\s+[\w-]+))\s+(?:\w+\s+){0,3}?"
        r"(?:bothered|cared|thought)\s+to\b|"
        r"(?P<who>\b(?:fail(?:ed|s)\s+to\s+(?:check|notice|verify|read|follow|test|review|"
        r"escalate|ask)|neglect(?:ed|s)|forg(?:ot|ets)|skipped|overlooked|"
        r"ignored\s+(?:the\s+|all\s+|three\s+|two\s+|several\s+|multiple\s+|repeated\s+)?"
        r"(?:[\w-]+\s+){0,2}?(?:warnings?|alerts?|pages?|runbook|process|checklist|advice|"
        r"feedback|instructions|procedure|review|errors?|signs?)|"
        r"never\s+(?:once\s+|even\s+)?(?:bothered|tested|checked|read|looked|verified|reviewed|"
        r"ran|run|followed|asked|updated|documented|considered|thought|escalated|paged|"
        r"responded|acknowledged|noticed|rolled\s+back)|rubber[\s-]?stamped|"
        rf"did{NOT}\s+(?:even\s+)?(?:bother|check|test|read|look|verify|review|notice|ask|"
        r"follow|escalate|run|wait|listen|think|care|update|document|tell|inform|communicate)|"
        rf"could{NOT}\s+be\s+bothered|(?:bothered|cared|thought)\s+to|messed\s+up|screwed\s+up|"
        rf"botched|bungled|fat[\s-]?fingered|mistyped|typo{APOS}?d|made\s+(?:a|an|another)\s+"
        r"(?:\w+\s+)?(?:mistake|error|blunder|typo))\b)"
    ),
    # "The developer who wrote it did not test…", "it was Liesel who skipped…"
    subject=rx(
        rf"{anyone('1')}(?:\s+(?:who|that)(?:\s+[\w'’-]+){{0,4}}?)?\s+{ADVERB}(?:had\s+|has\s+)?$"
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
        "nobody",
        "no one",
        "noone",
        "none of",
        "thought to",
    ),
    reach=(12, 80),
    unless_after=EXPLAINED_AFTER,
)

ROLE_CAUSE = Rule(
    id="person-as-cause",
    form="role-cause",
    title="A person or team as the cause",
    pattern=gated_rx(
        # something harmful, or the wrong or untested thing, done by the subject…
        # (not "revoked the leaked tokens": after a determiner the word describes a thing)
        r"(?P<who>(?<!\bthe\s)(?<!\ba\s)(?<!\ban\s)(?<!\ball\s)(?<!\bour\s)(?<!\bits\s)"
        r"\b(?:(?:took|brought|knocked)\s+(?:down|out|over)|broke|wiped|corrupted|"
        rf"trashed|nuked|mis-?configured|mistyped|typo{APOS}?d|destroyed|leaked|melted|"
        r"overloaded)\b|"
        rf"\b(?:{HARM_MARK}))|"
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
        rf"(?:\b(?!{DETERMINER}\b)(?P<cap1>{CAP_WORD})|{subject('1')})(?:\s+(?:who|that))?"
        r"(?:\s+(?:had|has))?\s+"
        rf"{ADVERB}"
        r"(?:(?:ran|running|pushed|pushing|deployed|deploying|shipped|"
        r"shipping|applied|merged|typed|entered|restarted|rebooted|rebooting|deleted|deleting|"
        r"dropped|dropping|removed|reset|promoted|changed|edited|unplugged|pulled|revoked|"
        r"disabled|turned\s+off|shut\s+down|killed|signed\s+off\s+on|signing\s+off\s+on|"
        r"rolled\s+out|introduced|committed|exposed|announced|launched|released|started|"
        r"scheduled|triggered|enabled|flipped|copied|moved|migrated|upgraded|updated|modified|"
        r"configured|locked|sent)\b(?:\s+[\w'’-]+){0,6}?\s+|(?(cap1)(?!)))$"
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
        "melted",
        "overload",
        "zero",
        "at once",
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
    pattern=gated_rx(
        r"\b(?:was|were|got|gets|been|is|are)\s+(?:\w+ly\s+)?"
        r"(?:(?:deleted|dropped|wiped|removed|overwritten|mis-?configured|broken|caused|"
        r"introduced|missed|ignored|overlooked|forgotten|unplugged|mistyped|corrupted|truncated|"
        r"killed|disabled|silenced|bypassed|skipped|leaked|exposed|revoked|botched|purged|"
        r"erased|destroyed|trashed|nuked|muted|suppressed|overridden|decommissioned|"
        r"(?:shut|taken|brought|torn)\s+down|turned\s+off|messed\s+up)\b"
        rf"{WORDS}{{0,6}}?\s+by\s+{someone('1')}|"
        r"(?:pushed|run|executed|changed|set|merged|rebooted|reset|triggered|deployed|applied|"
        rf"edited)\b{WORDS}{{0,6}}?\s+by\s+{someone('2')}{WORDS}{{0,4}}?\s+(?:{HARM_MARK})|"
        r"(?:pushed|run|executed|changed|set|merged|rebooted|reset|triggered|deployed|applied|"
        r"edited|copied|scheduled|launched|enabled|moved)\b"
        r"(?=[^.!?\n]{0,40}?\b(?:wrong|zero|without|production|prod|peak)\b)"
        rf"{WORDS}{{0,6}}?\s+by\s+{someone('3')}|"
        # any passive, when the agent misjudged it
        rf"\w+(?:ed|en|wn)\b{WORDS}{{0,6}}?\s+by\s+{someone('4')}\s+(?:who|that)\s+(?:misread|"
        rf"misunderstood|assumed|forgot|did{NOT}|never|had\s+too\s+much|thought))|"
        # any passive, when what was done was the wrong or an untested thing
        r"\b(?:wrong|bad|broken|buggy|untested|faulty|incorrect)\s+(?:[\w-]+\s+){0,3}?"
        r"(?:was|were|got)\s+(?:\w+ly\s+)?\w+(?:ed|en|wn)\b"
        rf"{WORDS}{{0,6}}?\s+by\s+{someone('5')}"
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
    pattern=gated_rx(
        r"(?P<who>\b(?:accidentally|inadvertently|mistakenly|unintentionally|unwittingly|"
        r"erroneously)\s+(?!(?:found|discovered|noticed|caught|fixed|solved|helped|learned|saw|"
        r"spotted|stumbled)\b)\w+|\bby\s+(?:accident|mistake)\b)|"
        r"\b(?:was|were|got)\s+(?:accidentally|inadvertently|mistakenly|unintentionally|"
        rf"erroneously)\s+\w+{WORDS}{{0,6}}?\s+by\s+{someone('3')}"
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
    pattern=gated_rx(
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
