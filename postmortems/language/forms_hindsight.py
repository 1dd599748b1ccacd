"""Rule families for hindsight aimed at people: "obviously", "a simple check would have…",
sarcasm, and counterfactuals about what someone should or could have done."""

from __future__ import annotations

from .base import APOS, Rule, rx
from .fragments import CLAUSE_START, HUMAN_DONE, NOT, WORDS, gated_rx, subject
from .people import NAME_WORD, ROLE, ROLE_NOUN, someone

OBVIOUS = Rule(
    id="obvious-in-hindsight",
    form="obviously",
    title="“Obviously” about what people missed",
    pattern=gated_rx(
        r"\bobviously\b(?=[^.!?;\n]{0,60}?\b(?:no\s?one|nobody|never|not|\w+n['’]t|someone|"
        r"somebody|they|he|she|you|should|wrong|mistake|error|engineers?|developers?|team|dba|"
        r"on-?call|operator|rush\w*|forgot|skipped|ignored|missed)\b)|"
        r"\b(?:clearly|evidently|of\s+course|apparently|plainly),?\s+(?:no\s?one|nobody|noone|"
        r"none\s+of\s+(?:us|them))\b|"
        r"\b(?:clearly|evidently|plainly),?\s+(?:the\s+|our\s+)?[\w-]+(?:\s+[\w-]+)?\s+"
        rf"(?:did{NOT}|never|should|forgot|skipped|ignored|had{NOT}|was{NOT}\s+(?:paying|careful|"
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
    pattern=gated_rx(
        r"\b(?:simple|quick|basic|single|trivial|cursory|brief|one-line|\w+-(?:second|minute))"
        r"\s+(?:sanity\s+)?(?:check|test|look|glance|review|grep|query|question|dry[\s-]?run|"
        rf"search|read|peek|ping|conversation|call|message)s?\b{WORDS}{{0,8}}?\s+"
        rf"(?:would|could|might)(?:\s+have|{APOS}ve)\b|"
        r"\b(?:literally|just|only)\s+(?:one|a\s+single)\s+(?:\w+\s+)?(?:check|look|glance|"
        rf"dry[\s-]?run|test|question|grep|query)\b{WORDS}{{0,8}}?\s+would(?:\s+have|{APOS}ve)\b|"
        r"\ball\s+(?:it|that)\s+(?:would\s+have\s+taken|took|takes|would\s+take|needed)\s+"
        r"(?:was|is|would\s+have\s+been)\b|"
        r"\ball\s+(?:he|she|they|you|someone|anyone|(?:the|an?)\s+[\w-]+)\s+(?:had|needed)\s+to\s+"
        r"do\s+was\b|"
        rf"\bjust\s+\w+ing\b{WORDS}{{0,6}}?\s+would(?:\s+have|{APOS}ve)\b|"
        r"\b(?:anyone|anybody|any\s+(?:competent|decent|half[\s-]?decent|reasonable|careful|"
        r"experienced|good|sane|junior|first-year)\s+[\w-]+)\b"
        rf"{WORDS}{{0,8}}?\s+(?:would|could)(?:\s+have|{APOS}ve)\s+(?:\w+ly\s+)?(?:seen|"
        r"noticed|caught|spotted|known|realized|realised|found|prevented|avoided|stopped|told|"
        r"checked)\b|"
        r"\bwould\s+have\s+taken\s+(?:only\s+|just\s+)?(?:\w+\s+)?(?:seconds?|minutes?)\s+to\b|"
        r"\bwould\s+have\s+been\s+(?:trivial|easy|simple|straightforward)\s+to\s+(?:test|check|"
        r"catch|spot|see|verify|notice|run|find)\b|"
        r"\b(?:caught|avoided|prevented|spotted|found)\s+by\s+(?:simply|just|merely)\s+\w+ing\b|"
        r"\b(?:\w+|a\s+few)\s+(?:seconds|minutes)\s+of\s+\w+ing\b"
        rf"{WORDS}{{0,6}}?\s+would(?:\s+have|{APOS}ve)\b|"
        r"\b(?:one|a\s+single|a)\s+(?:glance|look|peek|grep)\b"
        rf"{WORDS}{{0,8}}?\s+would(?:\s+have|{APOS}ve)\b|"
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
        "simply",
        "merely",
        "minutes of",
        "seconds of",
        "easy to",
        "straightforward",
    ),
    reach=(80, 110),
)

SARCASM = Rule(
    id="sarcasm",
    form="sarcasm",
    title="Sarcasm about the people involved",
    pattern=gated_rx(
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
        r"\b(?:is|are)\s+optional\s+(?:around\s+here|here|on\s+this\s+team)\b|"
        r"\bbold\s+(?:move|choice|call|decision)\s+to\s+(?:skip|ignore|disable|deploy|push|run|"
        r"turn|remove|delete)\b|"
        rf"{CLAUSE_START}(?:gotta\s+|got\s+to\s+)?love\s+(?:that|how)\b|"
        r"[\"“](?:temporary|tested|reviewed|fixed|working)[\"”]|"
        r"\b(?:another|yet\s+another)\s+(?:flawless|perfect|stellar|brilliant|fantastic|"
        r"smooth|great)\s+(?:deploy|release|rollout|change|migration|upgrade|week|launch)\b|"
        rf"\bthanks?\s+(?:you\s+)?for\s+(?:[\w-]+\s+){{0,3}}?(?:outage|downtime|breakage|mess|"
        r"pages?|wake-?up|weekend)\b|"
        r"\bI\s+(?:guess|suppose)\s*,?\s+(?:nobody|no\s?one|someone|they|we)\b|"
        rf"\bwho\s+(?:could|would)(?:\s+have|{APOS}ve)\s+(?:possibly\s+|ever\s+)?(?:predicted|"
        r"guessed|known|thought|imagined|expected|foreseen)\b|"
        rf"{CLAUSE_START}who\s+knew\b|"
        r"\bwho\s+needs\s+(?:\w+\s+){0,2}?(?:tests?|testing|backups?|staging|reviews?|"
        r"monitoring|alerts?|canar(?:y|ies)|rollbacks?|docs|documentation|runbooks?|qa)\b|"
        rf"{CLAUSE_START}who\s+(?:approved|signed\s+off\s+on|reviewed|thought\s+(?:this|that|it)\s+"
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
        "bold",
        "love",
    ),
    reach=(70, 110),
)

COUNTERFACTUAL = Rule(
    id="person-counterfactual",
    form="counterfactual-person",
    title="Hindsight about what someone should have done",
    pattern=gated_rx(
        rf"\bif\s+(?:only\s+)?{someone('1')}\s+had\s+(?:just\s+|simply\s+|actually\s+|"
        r"only\s+|even\s+|bothered\s+to\s+)?(?:not\s+|never\s+)?"
        rf"{HUMAN_DONE}\b|"
        rf"{CLAUSE_START}had\s+{someone('2')}\s+(?:just\s+|simply\s+|actually\s+|only\s+|"
        rf"bothered\s+to\s+)?{HUMAN_DONE}\b|"
        rf"(?P<who>\b(?:could|might)(?:\s+have|{APOS}ve)\s+(?:easily\s+|just\s+|simply\s+|"
        rf"at\s+least\s+)?(?:{HUMAN_DONE}|caught|seen|stopped|prevented|avoided|spotted)\b|"
        r"\b(?:was|were)\s+(?:\w+ly\s+)?(?:supposed|expected|meant|required)\s+to\b|"
        r"\b(?:was|were)\s+responsible\s+for\s+\w+ing\b|"
        r"\bneeded\s+to\s+(?:own|confirm|ensure|make\s+sure)\b)|"
        r"\bwas\s+on\s+(?:" + ROLE + r"|him|her|them)\s+to\b|"
        rf"\b(?:it\s+was|was|is|it{APOS}s)\s+(?:his|her|their|(?:the\s+)?(?:[\w-]+\s+){{0,2}}?"
        rf"{ROLE_NOUN}{APOS}s|(?P<name2>{NAME_WORD}){APOS}s)\s+(?:job|responsibility|duty|task)"
        r"\s+to\b"
    ),
    subject=rx(rf"{subject('3')}\s+$"),
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
        "was on ",
    ),
    reach=(50, 90),
)
