"""Who counts as a person in the blameless-language rules, as regular-expression pieces.

A person is an @handle, a role or team ("the on-call engineer", "the network team", "our
vendor's technician", "ops"), a pronoun, a capitalised first name from the built-in list or the
organization's members (group ``name…``, checked after matching), or, for wording only people do
("forgot to", "accidentally deleted", "fat-fingered"), any capitalised word that is not a known
tool, product or sentence opener (group ``cap…``), so names the list does not know still count.
"""

from __future__ import annotations

from .base import APOS


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Common first names, lower case. Words that are also months, tools or everyday words at the
# start of a sentence (May, Will, Ruby, Cassandra, Aurora, Travis, Hugo…) are left out on purpose.
FIRST_NAMES = _wordset(
    """
    aaron abby abdul adam adrian ahmed aidan aiko akira alan albert alberto alejandro alex
    alexander alexandra alexei alexis alfred ali alice alicia alison amanda amber amelia amir
    amit amy ana anders andre andrea andreas andrew andy angela anika anita ann anna anne annie
    anthony anton antonio anya arjun arthur ashley aya ayesha barbara ben benjamin bernard beth
    betty bianca bob bobby brad bradley brandon brenda brian bridget brooke bruce bruno bryan
    caleb camila carl carla carlos carmen carol caroline carolyn catherine charles charlie
    charlotte chen cheryl chloe chris christian christina christine christopher claire clara
    colin connor craig cristina daniel daniela danielle dave david deborah debbie denise dennis
    derek diana diane diego dimitri dmitri dominic donna doris dorothy doug douglas dylan ed
    eddie edward elena eli elizabeth ella ellen elliot emily emma eric erik erin ethan eva evan
    fatima felix fernando fiona francesca francis frank fred freya gabriel gabriela gary george
    georgia gerald gina giorgio giulia gloria gordon greg gregory hana hannah harold harry
    hassan heather heidi helen henry hiro hiroshi holly howard hugh ian igor ingrid irene isaac
    isabel isabella ivan jack jacob jacqueline jake james jamie jan jane janet janice jason
    javier jay jean jeff jeffrey jen jennifer jenny jeremy jerry jess jessica jim jimmy joan
    joanna joe joel johan johannes john johnny jon jonas jonathan jordan jorge jose joseph josh
    joshua juan judith judy julian julie justin kai kaito kamal karen karin karl kate katherine
    kathleen kathy katie kayla keith kelly ken kenji kenneth kevin kim kimberly kirsten klaus
    kumar kyle lara larry laura lauren lea leah lee leila lena leo leon liam lily linda lisa
    liz lorenzo louis louise lucas lucia lucy luis luke lukas magnus maria marie marina mario
    marta martha martin mary mateo matt matteo matthew maya megan mehmet mei melissa mia michael
    michelle miguel mike mikhail mohammed mohammad monica nadia nancy naomi natalia natalie
    nathan neil nicholas nick nicole nikhil nikolai nina noah noor nora oleg olga oliver olivia
    omar oscar owen pablo pamela paolo patricia patrick paul paula pedro peter philip pierre
    pooja priya rachel rafael rahul raj rajesh ralph ramon randy raul rebecca richard rick
    riley rita rob robert roberto robin roger ronald rosa ross roy ruth ryan sam samantha samir
    samuel sandra sara sarah scott sean sebastian sergei sergio shannon sharon shawn sofia
    sophia sophie stefan stephanie stephen steve steven sunil susan suzanne sven takeshi tamara
    tanya tara teresa terry theo theresa thomas tim timothy tina todd tom tomas tommy tony
    tracy tyler valentina vanessa vera veronica victor victoria vikram vincent virginia vivek
    walter wei wendy william xavier yan yang yasmin yuki yusuf zach zachary zara zoe
    """
)

# Never a person, whatever a caller passes as names: determiners, pronouns, months, modal verbs.
NOT_NAMES = _wordset(
    """
    a an the this that these those it its they them their we our us i you your he she his her
    some any each every all no none one another other such what which who whose when where
    while after before then there here if but and or so because since although though as
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday will can could would should might
    must shall
    """
)

NAME_WORD = r"(?-i:[A-Z][a-z]+(?:-[A-Z][a-z]+)?)"
# Any capitalised word, accents included ("Björn"): a person only where the verb is one.
CAP_WORD = r"(?-i:[A-ZÀ-Þ][a-zß-ÿ]+(?:-[A-ZÀ-Þ][a-zß-ÿ]+)?)"
HANDLE = r"(?<![\w@])@\w(?:[\w-]|\.(?=\w))*"
ROLE_NOUN = (
    r"(?:engineers?|developers?|devs?|sres?|admins?|administrators?|sysadmins?|dbas?|interns?|"
    r"new\s+hires?|hires?|juniors?|contractors?|consultants?|on-?call(?:ers?)?|reviewers?|"
    r"responders?|teammates?|employees?|colleagues?|co-?workers?|team\s+members?|"
    r"technicians?|techs?|captains?|architects?|programmers?|coders?|testers?|commanders?|"
    r"(?:release|engineering|product|incident|project)\s+managers?|leads?|staff|folks|guys|"
    r"personnel|vendors?|providers?|suppliers?|partners?|teams?|squads?|departments?|crews?|"
    r"ops|devops)"
)
TAIL = r"(?:\s+(?:from|on|in|at|of)\s+(?:the\s+|our\s+|their\s+)?[\w-]+(?:\s+team)?\b)?"
# "the admin form", "the on-call rotation": the role word names a thing, not a person.
_NOT_A_THING = (
    r"(?!\s+(?:form|panel|console|page|ui|api|tool|rotation|channel|account|handbook|runbook|"
    r"pager|laptop|role|access|credentials|password|portal|interface|view|mode|shift|schedule|"
    r"group|list|queue|dashboard|script)\b)"
)
ROLE = (
    r"(?:the|an?|our|their|that|this|one|some|his|her|my|your|another|whichever)\s+"
    rf"(?:[\w'’-]+\s+){{0,2}}?{ROLE_NOUN}\b{_NOT_A_THING}{TAIL}"
)
BARE_GROUP = (
    r"(?:ops|devops|devs|developers|engineers|sysadmins|admins|dbas|interns|contractors|"
    r"management|leadership|engineering)"
)
PRONOUN = r"(?:he|she|someone|somebody)"
PRONOUN_ANY = r"(?:he|she|they|someone|somebody|anyone|anybody|everyone|whoever|you)"


# "The vendor's outage caused…" names an event or a system of theirs, not a person.
_THEIR_SYSTEMS = (
    r"(?:outage|incident|failure|downtime|systems?|services?|api|network|platform|"
    r"infrastructure|servers?|cluster|database|endpoint|region|hardware|software)"
)


def person(group: str) -> str:
    """A person as a subject: a known first name (checked after matching, by ``group``), an
    @handle, a role or a personal pronoun, optionally with a possessive ("Bob's deploy")."""
    name = rf"(?P<{group}>{NAME_WORD})(?:\s+{NAME_WORD})?"
    possessive = rf"(?:{APOS}s(?!\s+{_THEIR_SYSTEMS}\b)(?:\s+[\w-]+){{1,2}}?)?"
    return rf"(?:{HANDLE}|\b{ROLE}|\b{PRONOUN}|\b{name})\b{possessive}"


def anyone(suffix: str) -> str:
    """Any person as a subject, for wording only people do: roles, teams, pronouns, known names
    (group ``name<suffix>``) and any capitalised word that is not a tool (``cap<suffix>``)."""
    return (
        rf"(?:{HANDLE}|\b{ROLE}|\b{BARE_GROUP}\b|\b{PRONOUN_ANY}\b{TAIL}|"
        rf"\b(?P<cap{suffix}>{CAP_WORD})\b)"
    )


def someone(suffix: str) -> str:
    """A person in the middle of a sentence (an agent after "by", who "had" done something):
    like ``anyone``, but a capitalised word followed by another ("Black Friday") is not one."""
    return (
        rf"(?:{HANDLE}|\b{ROLE}|\b(?:{PRONOUN_ANY}|him|her|them)\b{TAIL}|"
        rf"\b(?P<cap{suffix}>{CAP_WORD})\b(?!\s+{CAP_WORD}))"
    )


# Capitalised words that open sentences or name tools, products and companies: never read as an
# unknown person's name.
NOT_PEOPLE = NOT_NAMES | _wordset(
    """
    then later finally also unfortunately eventually again today yesterday tonight meanwhile
    initially nobody someone somebody everyone anyone everybody anybody engineering management
    leadership ops devops staging production prod monitoring alerting testing deploy deploys
    deployment release rollout traffic customers users support security legal marketing sales
    finance obviously clearly apparently evidently honestly frankly basically sadly luckily
    fortunately instead however therefore thus meanwhile nothing everything something anything
    redis kafka postgres mysql mongo mongodb nginx apache terraform kubernetes jenkins ansible
    docker vault consul envoy istio linkerd elasticsearch opensearch prometheus grafana datadog
    sentry cloudflare akamai fastly stripe slack jira github gitlab bitbucket heroku azure google
    amazon microsoft apple facebook meta netflix cassandra rabbit rabbitmq celery sidekiq airflow
    spark hadoop zookeeper etcd helm argo flux spinnaker chef puppet salt nagios pagerduty
    opsgenie okta cron systemd linux windows chrome safari firefox lambda python java node ruby
    rails django go rust php dependabot renovate bazel gradle maven npm pip yarn webpack vercel
    netlify twilio sendgrid mailgun zendesk salesforce oracle vitess citus aurora dynamo
    snowflake bigquery looker tableau memcached varnish haproxy traefik calico cilium coredns
    bind unbound route nomad packer vagrant openstack vmware proxmox ceph minio gluster
    cassandra scylla clickhouse druid presto trino kinesis sqs sns pubsub nats pulsar
    logstash kibana fluentd fluentbit loki tempo jaeger zipkin honeycomb splunk newrelic
    dynatrace bugsnag rollbar cloudwatch cloudtrail iam gcp aws ec2 rds eks gke aks ecs
    our their his her the a an this that it we they he she you
    """
)
