"""The templates Hindsight ships with (DESIGN §2): Standard, Comprehensive, Lightweight, Security.

Plain data, no models: whatever installs templates into an organization copies these into
``Template`` / ``TemplateSection`` rows (``builtin_key`` = ``BuiltinTemplate.key``, sections in
tuple order). Default texts only use the variables of ``postmortems.variables.VARIABLES``; the
helper prompts are what a facilitator of a blameless review would say next to each section.
"""

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class BuiltinSection:
    key: str
    title: str
    kind: str
    required: bool = False
    default_text: str = ""
    helper_prompt: str = ""


@dataclass(frozen=True)
class BuiltinTemplate:
    key: str
    name: str
    description: str
    default_for_severities: tuple[str, ...]
    sections: tuple[BuiltinSection, ...]


# Section kinds (postmortems.models.SectionKind values), spelled out to keep this module model-free.
MARKDOWN = "markdown"
TIMELINE = "timeline"
ACTION_ITEMS = "action_items"
FIVE_WHYS = "five_whys"
CONTRIBUTING_FACTORS = "contributing_factors"
IMPACT = "impact"
LINKS = "links"
METRICS = "metrics"


# ---------------------------------------------------------------------------------------------
# Sections shared by several templates
# ---------------------------------------------------------------------------------------------

SUMMARY = BuiltinSection(
    key="summary",
    title="Summary",
    kind=MARKDOWN,
    required=True,
    default_text=(
        "**{{incident.id}} · {{incident.title}}** — {{incident.severity}}, "
        "{{incident.duration}} of impact on {{incident.services}}.\n\n"
        "_What happened, who was affected and how it was resolved, in two or three sentences._"
    ),
    helper_prompt=(
        "Write for someone who wasn't there, in words a product manager could follow: what "
        "happened, who was affected and for how long, and how it was resolved. Describe the "
        'system, not the people: "a config change reached production without validation", '
        'not "Sam pushed a bad config".'
    ),
)

TIMELINE_SECTION = BuiltinSection(
    key="timeline",
    title="Timeline",
    kind=TIMELINE,
    required=True,
    default_text="{{incident.timeline}}",
    helper_prompt=(
        "Start at the change or condition that set this up and end at verified recovery. Add "
        "what the tools didn't record: decisions and why they made sense at the time, hypotheses "
        "that turned out wrong, when help arrived. Star the key events; they lead the exports."
    ),
)

ROOT_CAUSE = BuiltinSection(
    key="root-cause",
    title="Root cause",
    kind=MARKDOWN,
    required=True,
    default_text=(
        "**What failed:** _the component or system_\n\n"
        "**Why it failed:** _the technical reason_\n\n"
        "**Why it wasn't caught sooner:** _the gap in testing, review or detection_"
    ),
    helper_prompt=(
        "Explain what failed, why, and why it wasn't caught, specifically enough that an engineer "
        "from another team can follow. Stop at a condition of the system or process, never at a "
        'person: if the answer is "human error", ask what allowed that error to have this impact.'
    ),
)

CONTRIBUTING_FACTORS_SECTION = BuiltinSection(
    key="contributing-factors",
    title="Contributing factors",
    kind=CONTRIBUTING_FACTORS,
    default_text="_Conditions that made this incident possible, bigger or slower to resolve._",
    helper_prompt=(
        "Incidents rarely have a single cause: what made this possible, bigger or slower to fix? "
        "Look beyond code and config to testing, review, deployment and monitoring, and to "
        "knowledge, communication, resources and incentives. For each decision involved, ask "
        '"how did it make sense at the time?"'
    ),
)

FIVE_WHYS_SECTION = BuiltinSection(
    key="five-whys",
    title="Five whys",
    kind=FIVE_WHYS,
    default_text="**Symptom:** {{incident.title}} — why did this happen?",
    helper_prompt=(
        'Start from the symptom and ask "why?" of each answer, about five times, until you reach '
        "a condition the team can change. If an answer names a person, ask instead why the system "
        "made that action easy or its consequences so large. Branch when there is more than one "
        "cause."
    ),
)

ACTION_ITEMS_SECTION = BuiltinSection(
    key="action-items",
    title="Action items",
    kind=ACTION_ITEMS,
    required=True,
    default_text="_Each item has one owner, a due date and a success criterion we can check._",
    helper_prompt=(
        "Make every item SMART: specific, measurable, achievable, relevant and time-bound, with "
        'one owner and a due date. "Add an alert for error rate above 1% on /api/auth", not '
        '"improve monitoring"; "be more careful" is never an action item.'
    ),
)

LESSONS_LEARNED = BuiltinSection(
    key="lessons-learned",
    title="Lessons learned",
    kind=MARKDOWN,
    default_text=(
        "### What went well\n\n- _An alert, runbook or habit that helped_\n\n"
        "### What went poorly\n\n- _A gap in detection, response, tooling or communication_\n\n"
        "### Where we got lucky\n\n- _Something that kept this from being worse_"
    ),
    helper_prompt=(
        "Name what went well so it gets protected, and what went poorly as gaps in systems and "
        'process ("the runbook didn\'t cover failover", not "on-call didn\'t know"). Luck is a '
        "hidden risk: each stroke of it is a candidate action item."
    ),
)

LINKED_EVIDENCE = BuiltinSection(
    key="linked-evidence",
    title="Linked evidence",
    kind=LINKS,
    default_text=(
        "### Alerts\n\n{{incident.alerts}}\n\n"
        "### Error groups\n\n{{incident.errors}}\n\n"
        "### Releases\n\n{{incident.releases}}"
    ),
    helper_prompt=(
        "Link the alerts that fired, the error groups, the release that caused it and the one that "
        "fixed it, plus dashboards, traces and tickets, marking each caused by, fixed by or "
        "related. Readers trust claims they can check."
    ),
)


# ---------------------------------------------------------------------------------------------
# Standard (SEV2)
# ---------------------------------------------------------------------------------------------

STANDARD = BuiltinTemplate(
    key="standard",
    name="Standard",
    description=(
        "The everyday postmortem: impact, timeline, root cause with five whys, contributing "
        "factors, lessons learned and action items."
    ),
    default_for_severities=("SEV2",),
    sections=(
        SUMMARY,
        BuiltinSection(
            key="impact",
            title="Impact",
            kind=IMPACT,
            default_text=(
                "- **Duration:** {{incident.duration}} "
                "({{incident.started}} – {{incident.resolved}})\n"
                "- **Services affected:** {{incident.services}}\n"
                "- **Customer impact:** {{incident.customerImpact}}\n"
                "- **Users affected:** _number or share of users_\n"
                "- **Business impact:** _failed transactions, revenue, SLA, support tickets_"
            ),
            helper_prompt=(
                "Quantify it: how many users, for how long, which functions, and the business "
                "cost (failed transactions, revenue, SLA, support tickets). Estimates are fine "
                "if you say how you arrived at them."
            ),
        ),
        TIMELINE_SECTION,
        ROOT_CAUSE,
        CONTRIBUTING_FACTORS_SECTION,
        FIVE_WHYS_SECTION,
        LESSONS_LEARNED,
        ACTION_ITEMS_SECTION,
        LINKED_EVIDENCE,
    ),
)


# ---------------------------------------------------------------------------------------------
# Comprehensive (SEV1): the blameless writing guide's full structure
# ---------------------------------------------------------------------------------------------

COMPREHENSIVE = BuiltinTemplate(
    key="comprehensive",
    name="Comprehensive",
    description=(
        "The full review for major incidents: impact assessment, contributing factors by level, "
        "five whys, action items by horizon, prevention measures and participants."
    ),
    default_for_severities=("SEV1",),
    sections=(
        BuiltinSection(
            key="executive-summary",
            title="Executive summary",
            kind=MARKDOWN,
            required=True,
            default_text=(
                "**{{incident.id}} · {{incident.title}}** — {{incident.severity}}\n\n"
                "_What happened, what the impact was and how it was resolved, in two or three "
                "sentences._\n\n"
                "- **Duration:** {{incident.started}} – {{incident.resolved}} "
                "({{incident.duration}})\n"
                "- **Time to detect:** {{incident.timeToDetect}}\n"
                "- **Time to resolve:** {{incident.timeToResolve}}\n"
                "- **Services affected:** {{incident.services}}\n"
                "- **Customer impact:** {{incident.customerImpact}}"
            ),
            helper_prompt=(
                "Two or three sentences for a reader who has five minutes and wasn't there: what "
                "happened, the impact, how it was resolved. End with the single most important "
                "thing we are changing."
            ),
        ),
        BuiltinSection(
            key="impact-assessment",
            title="Impact assessment",
            kind=IMPACT,
            required=True,
            default_text=(
                "### User impact\n\n"
                "- **Users affected:** _number or percentage_\n"
                "- **Regions:** _affected regions_\n"
                "- **Duration of impact:** {{incident.duration}}\n\n"
                "### Business impact\n\n"
                "- **Revenue impact:** _estimate, and how it was calculated_\n"
                "- **SLA status:** _met / breached, with details_\n"
                "- **Support tickets:** _count_\n"
                "- **Customer escalations:** _count and severity_\n\n"
                "### Technical impact\n\n"
                "- **Services affected:** {{incident.services}}\n"
                "- **Data impact:** _none / delayed / lost, with details_\n"
                "- **Dependent systems:** _downstream effects_"
            ),
            helper_prompt=(
                "Cover users, business and systems, with numbers wherever you have them: users "
                "affected, revenue, SLA, tickets, escalations, data delayed or lost. Estimates "
                "are fine if you say how you arrived at them."
            ),
        ),
        TIMELINE_SECTION,
        BuiltinSection(
            key="contributing-factors",
            title="Contributing factors",
            kind=CONTRIBUTING_FACTORS,
            required=True,
            default_text="_Primary, secondary and environmental factors, each with its evidence._",
            helper_prompt=(
                "Record each factor at its level: primary factors directly produced the failure; "
                "secondary factors amplified the impact, delayed resolution or let the primary "
                "cause through (a process gap, a missing safeguard or alert); environmental "
                "factors are the surroundings: timing and traffic, on-call capacity, third-party "
                "status. For each, say what happened, why it mattered and the evidence."
            ),
        ),
        replace(FIVE_WHYS_SECTION, required=True),
        BuiltinSection(
            key="root-cause",
            title="Root cause summary",
            kind=MARKDOWN,
            required=True,
            default_text="_One or two paragraphs on the systemic causes the analysis above found._",
            helper_prompt=(
                "Summarise the root cause(s) in one or two paragraphs, focused on systems and "
                "processes rather than individual actions. A reader should see why each action "
                "item below follows from it."
            ),
        ),
        BuiltinSection(
            key="went-well",
            title="What went well",
            kind=MARKDOWN,
            default_text="- _An alert, runbook, decision or habit that helped_",
            helper_prompt=(
                "What should we keep doing? Alerts that caught it early, runbooks that worked, "
                "coordination and updates that kept people informed. Name the practice so it "
                "gets protected, and credit detection: whoever found the problem is not a suspect."
            ),
        ),
        BuiltinSection(
            key="went-poorly",
            title="What went poorly",
            kind=MARKDOWN,
            required=True,
            default_text="- _A gap in detection, response, tooling or communication_",
            helper_prompt=(
                "Where did detection, response or tooling slow us down? Word it as a gap in the "
                'system ("the documentation didn\'t cover this scenario"), not a failing of a '
                'person ("the engineer should have known").'
            ),
        ),
        BuiltinSection(
            key="got-lucky",
            title="Where we got lucky",
            kind=MARKDOWN,
            default_text="- _Something that kept this from being worse_",
            helper_prompt=(
                "What kept this from being worse, and would it hold next time? A quiet hour, "
                "the right person happening to be online, a retry queue nobody designed for "
                "this: luck is a hidden risk, and each one is a candidate action item."
            ),
        ),
        BuiltinSection(
            key="actions-immediate",
            title="Immediate actions (within 1 week)",
            kind=ACTION_ITEMS,
            required=True,
            default_text="_Due within a week: guard against an immediate repeat._",
            helper_prompt=(
                "What must be done this week so it cannot happen again tomorrow: the missing "
                "guard, the alert, the rollback fix. Each item needs one owner, a due date and a "
                "success criterion you can check."
            ),
        ),
        BuiltinSection(
            key="actions-short-term",
            title="Short-term actions (within 1 month)",
            kind=ACTION_ITEMS,
            default_text="_Due within a month: process, testing and monitoring improvements._",
            helper_prompt=(
                "Process, testing and monitoring improvements to finish within a month. Keep "
                'them SMART: "require two approvers for changes to the payment module", not '
                '"review code better".'
            ),
        ),
        BuiltinSection(
            key="actions-long-term",
            title="Long-term actions (within 1 quarter)",
            kind=ACTION_ITEMS,
            default_text="_Due within a quarter: architectural and systemic changes._",
            helper_prompt=(
                "Architectural and systemic changes for the quarter, such as removing a single "
                "point of failure. Give big work a measurable first milestone and an owner so it "
                "doesn't quietly stall."
            ),
        ),
        BuiltinSection(
            key="prevention-measures",
            title="Prevention measures",
            kind=MARKDOWN,
            default_text=(
                "### Detection\n\n"
                "- [ ] _New alert or monitoring that would have caught this sooner_\n"
                "- [ ] _Dashboard or visibility improvement_\n\n"
                "### Prevention\n\n"
                "- [ ] _Automated safeguard against recurrence_\n"
                "- [ ] _Process gate, validation or testing improvement_\n\n"
                "### Response\n\n"
                "- [ ] _Runbook created or updated_\n"
                "- [ ] _Training, knowledge sharing or tooling improvement_"
            ),
            helper_prompt=(
                "Group the changes by what they improve: detection (see it sooner), prevention "
                "(stop it happening) and response (recover faster). Every box should map to an "
                "action item above, or say why it isn't being done."
            ),
        ),
        BuiltinSection(
            key="participants",
            title="Participants",
            kind=MARKDOWN,
            default_text=(
                "- **Incident commander:** {{incident.commander}}\n"
                "- **Responders:** {{incident.participants}}\n"
                "- **Subject-matter experts consulted:** _names_"
            ),
            helper_prompt=(
                "Everyone who responded or helped with the analysis, and their role, so readers "
                "know whom to ask. This records who was involved, never who was at fault."
            ),
        ),
        LINKED_EVIDENCE,
        BuiltinSection(
            key="metrics",
            title="Metrics",
            kind=METRICS,
            default_text=(
                "### Error rate\n\n{{metrics.errorRate}}\n\n### Latency\n\n{{metrics.latency}}"
            ),
            helper_prompt=(
                "Charts for the incident window are captured automatically. Point out what the "
                "reader should notice, such as when errors started to climb and when they "
                "recovered, and add any series that tells more of the story."
            ),
        ),
        BuiltinSection(
            key="document-history",
            title="Document history",
            kind=MARKDOWN,
            default_text="_Every change to this document is recorded on its History page._",
            helper_prompt=(
                "No need to keep a change table by hand: Hindsight keeps the full revision "
                "history automatically on the History page, with a diff between any two "
                "revisions. Use this section only for notes a reader must see, such as a "
                "correction made after publication."
            ),
        ),
    ),
)


# ---------------------------------------------------------------------------------------------
# Lightweight (SEV3, SEV4)
# ---------------------------------------------------------------------------------------------

LIGHTWEIGHT = BuiltinTemplate(
    key="lightweight",
    name="Lightweight",
    description=(
        "A short write-up for minor incidents and near-misses: what happened, why, and what we "
        "will change."
    ),
    default_for_severities=("SEV3", "SEV4"),
    sections=(
        SUMMARY,
        TIMELINE_SECTION,
        BuiltinSection(
            key="what-happened-and-why",
            title="What happened and why",
            kind=MARKDOWN,
            required=True,
            default_text=(
                "_What failed, why, and what made it possible: a few sentences or bullets._"
            ),
            helper_prompt=(
                'Short is fine, shallow is not: ask "why?" until you reach something the team '
                'can change, and ask "what allowed this to happen?" rather than "who". A near-miss '
                "deserves this too: it shows a weakness before it costs anything."
            ),
        ),
        BuiltinSection(
            key="action-items",
            title="Action items",
            kind=ACTION_ITEMS,
            required=True,
            default_text="_One or two specific changes, each with an owner and a due date._",
            helper_prompt=(
                "One or two SMART items beat a long wish list: specific, owned, dated, with a "
                "success criterion. If nothing needs to change, say why."
            ),
        ),
    ),
)


# ---------------------------------------------------------------------------------------------
# Security incident (default for no severity)
# ---------------------------------------------------------------------------------------------

SECURITY = BuiltinTemplate(
    key="security",
    name="Security incident",
    description=(
        "For breaches, exposures and suspicious access: scope, attack vector, containment, data "
        "impact and notification obligations. Keep it restricted until disclosure is agreed."
    ),
    default_for_severities=(),
    sections=(
        BuiltinSection(
            key="summary",
            title="Summary",
            kind=MARKDOWN,
            required=True,
            default_text=SUMMARY.default_text,
            helper_prompt=(
                "What happened, what was exposed or accessed, and the current state (contained, "
                "eradicated, monitoring). Don't paste secrets, indicators that are still "
                "sensitive or customer data here; link to the restricted evidence store."
            ),
        ),
        BuiltinSection(
            key="detection-and-scope",
            title="Detection and scope",
            kind=MARKDOWN,
            required=True,
            default_text=(
                "- **Detected:** {{incident.detected}} "
                "({{incident.timeToDetect}} after impact began)\n"
                "- **How it was detected:** _alert, customer report, third party, researcher_\n"
                "- **Systems involved:** {{incident.services}}\n"
                "- **Data involved:** _categories and volume; access confirmed or only possible_\n"
                "- **Window of exposure:** _first and last known unauthorised activity_\n\n"
                "### Alerts\n\n{{incident.alerts}}"
            ),
            helper_prompt=(
                "Which systems and data were involved, over what window, and how do we know? "
                "Separate what is confirmed from what is possible, and say how we found out: "
                "if someone outside told us, that is a detection gap worth an action item."
            ),
        ),
        TIMELINE_SECTION,
        BuiltinSection(
            key="attack-vector",
            title="Attack vector and vulnerability",
            kind=MARKDOWN,
            required=True,
            default_text=(
                "**Entry point:** _how access was gained or data exposed_\n\n"
                "**Vulnerability or misconfiguration:** _what made that possible_\n\n"
                "**Why it went unnoticed:** _the missing control or signal_"
            ),
            helper_prompt=(
                "Describe the entry point, the weakness it used and why no control stopped or "
                "flagged it. Phishing and mistakes succeed against careful people, so ask what "
                "the system should have caught, not who clicked."
            ),
        ),
        BuiltinSection(
            key="containment-and-eradication",
            title="Containment and eradication",
            kind=MARKDOWN,
            required=True,
            default_text=(
                "### Containment\n\n"
                "_How access was cut off, and when: credentials rotated, keys revoked, hosts "
                "isolated._\n\n"
                "### Eradication\n\n"
                "_How the foothold or exposure was removed, and how we verified it is gone._\n\n"
                "### Recovery\n\n"
                "_How systems were returned to a known-good state._"
            ),
            helper_prompt=(
                'Give the time of each step and how it was verified; "we rotated the keys" '
                "should say which keys and how we know nothing still uses the old ones. Note "
                "which decisions traded evidence preservation for speed, and why that made sense."
            ),
        ),
        BuiltinSection(
            key="data-and-customer-impact",
            title="Data and customer impact",
            kind=IMPACT,
            required=True,
            default_text=(
                "- **Customer impact:** {{incident.customerImpact}}\n"
                "- **Data categories:** _personal data, credentials, payment data, internal only_\n"
                "- **Records / customers affected:** _count, confirmed or potential_\n"
                "- **Jurisdictions:** _where affected customers are_\n"
                "- **Evidence of misuse:** _none found / suspected / confirmed_"
            ),
            helper_prompt=(
                "Whose data, which categories, how many records, and is misuse confirmed, "
                "suspected or ruled out? These answers decide the notification obligations below, "
                "so record how each was established."
            ),
        ),
        BuiltinSection(
            key="notification-obligations",
            title="Notification obligations",
            kind=MARKDOWN,
            required=True,
            default_text=(
                "- [ ] Legal / privacy officer consulted on whether this is notifiable — _date_\n"
                "- [ ] Regulators notified where required (e.g. 72 hours under GDPR) — "
                "_authority, date, reference_\n"
                "- [ ] Affected customers notified — _channel, date, message linked_\n"
                "- [ ] Contractual notices to customers and partners — _deadlines met?_\n"
                "- [ ] Payment processor / card networks informed, if payment data was involved\n"
                "- [ ] Law enforcement contacted, if appropriate\n"
                "- [ ] Cyber insurer notified\n"
                "- [ ] Public statement or status page update, if any\n"
                "- [ ] Reasoning recorded for each notification decided against"
            ),
            helper_prompt=(
                "Work through the checklist with legal and privacy: who must be told, by when, "
                "and who was told when. Record the reasoning for each notification you decide "
                "against; deadlines run from when we became aware, not from this review."
            ),
        ),
        ROOT_CAUSE,
        CONTRIBUTING_FACTORS_SECTION,
        BuiltinSection(
            key="action-items",
            title="Action items",
            kind=ACTION_ITEMS,
            required=True,
            default_text=ACTION_ITEMS_SECTION.default_text,
            helper_prompt=(
                "Close the vector, then the gaps that let it go unnoticed: each item SMART, with "
                'one owner and a due date. "Enforce MFA on the admin console by Friday", not '
                '"improve security awareness".'
            ),
        ),
        BuiltinSection(
            key="lessons-learned",
            title="Lessons learned",
            kind=MARKDOWN,
            default_text=LESSONS_LEARNED.default_text,
            helper_prompt=(
                "What went well in detection and response, what went poorly, and where we got "
                "lucky. Security incidents invite blame; keep the focus on the controls, "
                "processes and incentives that made each step make sense at the time."
            ),
        ),
    ),
)


BUILTIN_TEMPLATES: list[BuiltinTemplate] = [STANDARD, COMPREHENSIVE, LIGHTWEIGHT, SECURITY]


def get_builtin_template(key: str) -> BuiltinTemplate:
    """The built-in with this key; ``KeyError`` if there is none."""
    for template in BUILTIN_TEMPLATES:
        if template.key == key:
            return template
    raise KeyError(key)


def builtin_default_for_severity(severity: str) -> BuiltinTemplate | None:
    """The built-in that is the default for this severity, if any."""
    for template in BUILTIN_TEMPLATES:
        if severity in template.default_for_severities:
            return template
    return None
