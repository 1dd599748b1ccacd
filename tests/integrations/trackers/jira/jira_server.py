"""A Jira REST API (version 2) stand-in on loopback, as Jira Cloud or Jira Data Center.

It answers with the example objects of Atlassian's REST API documentation (the page of each is
noted beside it), with the projects, issues and users a test gives it, and checks the requests
as Jira does:

- credentials: Cloud takes ``Authorization: Basic base64(email:API token)``, Data Center
  ``Authorization: Bearer <personal access token>``; anything else is 401;
- a created issue's JSON: project by key, issue type by id, a summary, labels without spaces,
  priority by name, assignee by ``accountId`` (Cloud) or ``name`` (Data Center), a due date as
  ``YYYY-MM-DD``, only fields of the create screen, and every required field without a default
  (400 with Jira's ``errors`` object otherwise);
- searches: ``GET /rest/api/2/search`` (Data Center) or ``GET /rest/api/2/search/jql`` (Cloud)
  with ``key in (…)`` of at most 100 keys and a field list; a key Jira does not hold is refused
  (400 naming it) unless ``validateQuery=warn`` (then a warning);
- the user search's parameter: ``query`` on Cloud, ``username`` on Data Center.

What departs from that lands in ``problems``. The tests can make it refuse the next request
(``refuse_next``: a status and headers, e.g. 429 with ``Retry-After``) and read the requests
it received (``requests``)."""

import base64
import json
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from tests.integrations.trackers.github_server import Server

DOCS = "https://developer.atlassian.com/cloud/jira/platform/rest/v2/"
DC_DOCS = "https://docs.atlassian.com/software/jira/docs/api/REST/9.12.0/"

# "Get project", DOCS api-group-projects/#api-rest-api-2-project-projectidorkey-get
PROJECT_EXAMPLE = {
    "assigneeType": "PROJECT_LEAD",
    "avatarUrls": {
        "16x16": "https://your-domain.atlassian.net/secure/projectavatar?size=xsmall&s=xsmall&pid=10000&avatarId=10011",
        "48x48": "https://your-domain.atlassian.net/secure/projectavatar?size=large&s=large&pid=10000&avatarId=10011",
    },
    "components": [],
    "description": "This project was created as an example for REST.",
    "email": "from-jira@example.com",
    "id": "10000",
    "insight": {"lastIssueUpdateTime": "2021-04-22T05:37:05.000+0000", "totalIssueCount": 100},
    "issueTypes": [],
    "key": "EX",
    "lead": {
        "accountId": "5b10a2844c20165700ede21g",
        "accountType": "atlassian",
        "active": False,
        "displayName": "Mia Krystof",
        "self": "https://your-domain.atlassian.net/rest/api/2/user?accountId=5b10a2844c20165700ede21g",
    },
    "name": "Example",
    "projectTypeKey": "software",
    "properties": {"propertyKey": "propertyValue"},
    "roles": {"Developers": "https://your-domain.atlassian.net/rest/api/2/project/EX/role/10000"},
    "self": "https://your-domain.atlassian.net/rest/api/2/project/EX",
    "simplified": False,
    "style": "classic",
    "url": "https://www.example.com",
    "versions": [],
}

# "Get all statuses for project", DOCS
# api-group-projects/#api-rest-api-2-project-projectidorkey-statuses-get
# (the example's shape, with the statuses of Jira's default workflow and their categories:
# "Get status", DOCS api-group-workflow-statuses/)
STATUSES = {
    "To Do": {"id": "10000", "category": ("new", "To Do", "blue-gray", 2)},
    "In Progress": {"id": "3", "category": ("indeterminate", "In Progress", "yellow", 4)},
    "Done": {"id": "10001", "category": ("done", "Done", "green", 3)},
}


def status_object(name: str, site: str) -> dict:
    about = STATUSES[name]
    key, category_name, color, category_id = about["category"]
    return {
        "description": "The issue is currently being worked on.",
        "iconUrl": f"{site}/images/icons/progress.gif",
        "id": about["id"],
        "name": name,
        "self": f"{site}/rest/api/2/status/{about['id']}",
        "statusCategory": {
            "colorName": color,
            "id": category_id,
            "key": key,
            "name": category_name,
            "self": f"{site}/rest/api/2/statuscategory/{category_id}",
        },
    }


# "Get create metadata issue types for a project", DOCS
# api-group-issues/#api-rest-api-2-issue-createmeta-projectidorkey-issuetypes-get
ISSUE_TYPES = [
    {
        "description": "An error in the code",
        "iconUrl": "https://your-domain.atlassian.net/images/icons/issuetypes/bug.png",
        "id": "1",
        "name": "Bug",
        "self": "https://your-domain.atlassian.net/rest/api/2/issueType/1",
        "subtask": False,
    },
    {
        "description": "A task that needs to be done.",
        "iconUrl": "https://your-domain.atlassian.net/images/icons/issuetypes/task.png",
        "id": "10002",
        "name": "Task",
        "self": "https://your-domain.atlassian.net/rest/api/2/issueType/10002",
        "subtask": False,
    },
]


# "Get create field metadata for a project and issue type id", DOCS
# api-group-issues/#api-rest-api-2-issue-createmeta-projectidorkey-issuetypes-issuetypeid-get
# (the example's field object; Data Center's is the same under "values": DC_DOCS "Get create
# field metadata for a project and issue type id")
def field_meta(field_id: str, name: str, *, required: bool = False, default: bool = False) -> dict:
    return {
        "fieldId": field_id,
        "hasDefaultValue": default,
        "key": field_id,
        "name": name,
        "operations": ["set"],
        "required": required,
        "schema": {"system": field_id, "type": "string"},
    }


SCREEN = [
    field_meta("project", "Project", required=True),
    field_meta("issuetype", "Issue Type", required=True),
    field_meta("summary", "Summary", required=True),
    field_meta("reporter", "Reporter", required=True, default=True),
    field_meta("description", "Description"),
    field_meta("labels", "Labels"),
    field_meta("duedate", "Due date"),
    field_meta("priority", "Priority", default=True),
    field_meta("assignee", "Assignee"),
]
PRIORITY_NAMES = ("Highest", "High", "Medium", "Low", "Lowest")

# "Create issue" answer, DOCS api-group-issues/#api-rest-api-2-issue-post
CREATED_EXAMPLE = {
    "id": "10000",
    "key": "ED-24",
    "self": "https://your-domain.atlassian.net/rest/api/2/issue/10000",
    "transition": {"status": 200, "errorCollection": {"errorMessages": [], "errors": {}}},
}

# "Get issue", DOCS api-group-issues/#api-rest-api-2-issue-issueidorkey-get (the example's
# envelope; its fields are those Jira answers for the ``fields`` asked)
ISSUE_EXAMPLE = {
    "expand": "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
    "fields": {},
    "id": "10002",
    "key": "ED-1",
    "self": "https://your-domain.atlassian.net/rest/api/2/issue/10002",
}


# "Find users", DOCS api-group-user-search/#api-rest-api-2-user-search-get (Cloud: accountId;
# Data Center's "Find users", DC_DOCS: name and key)
def user_object(person: "Person", site: str, deployment: str) -> dict:
    if deployment == "cloud":
        return {
            "accountId": person.account_id,
            "accountType": "atlassian",
            "active": True,
            "avatarUrls": {
                "48x48": f"{site}/secure/useravatar?size=large&ownerId={person.account_id}"
            },
            "displayName": person.display_name,
            "emailAddress": person.email,
            "key": "",
            "name": "",
            "self": f"{site}/rest/api/2/user?accountId={person.account_id}",
            "timeZone": "Australia/Sydney",
        }
    return {
        "self": f"{site}/rest/api/2/user?username={person.name}",
        "name": person.name,
        "key": person.name,
        "emailAddress": person.email,
        "avatarUrls": {"48x48": f"{site}/secure/useravatar?size=large&ownerId={person.name}"},
        "displayName": person.display_name,
        "active": True,
        "timeZone": "Australia/Sydney",
        "locale": "en_AU",
    }


# The error answer's form, DOCS intro/#status-codes ("errorMessages" and "errors")
def errors(messages: list[str] | None = None, fields: dict | None = None) -> dict:
    return {"errorMessages": messages or [], "errors": fields or {}}


JQL = re.compile(r"key in \(([A-Z][A-Z0-9_]*-\d+(?:, [A-Z][A-Z0-9_]*-\d+)*)\)")


# the resolution field of a transition screen ("Get transitions" with transitions.fields)
RESOLUTION_FIELD = {
    "required": True,
    "schema": {"type": "resolution", "system": "resolution"},
    "name": "Resolution",
    "key": "resolution",
    "hasDefaultValue": False,
    "operations": ["set"],
    "allowedValues": [
        {"id": "10000", "name": "Done"},
        {"id": "10001", "name": "Won't Do"},
        {"id": "10002", "name": "Duplicate"},
    ],
}


def jira_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


@dataclass
class Person:
    email: str
    display_name: str
    account_id: str
    name: str


@dataclass
class Site:
    """What one Jira site holds for one account."""

    deployment: str = "cloud"  # or "datacenter"
    email: str = "ann@example.com"
    token: str = "ATATT3xFfGF0sEcReT-test-token=ABCD1234"
    projects: dict[str, str] = field(default_factory=lambda: {"OPS": "Operations"})
    # per project, its create screen's required custom fields without a default: id → name
    required: dict[str, dict[str, str]] = field(default_factory=dict)
    people: list[Person] = field(
        default_factory=lambda: [
            Person("ann@example.com", "Ann Author", "5b10ac8d82e05b22cc7d4ef5", "ann"),
            Person("bob@example.com", "Bob Builder", "5b10a2844c20165700ede21g", "bob"),
        ]
    )
    issues: dict[str, dict] = field(default_factory=dict)
    refuse_next: list[tuple[int, dict]] = field(default_factory=list)
    requests: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def screen(self, project: str) -> list[dict]:
        custom = [
            field_meta(field_id, name, required=True)
            for field_id, name in self.required.get(project, {}).items()
        ]
        return SCREEN + custom + [field_meta("customfield_10020", "Sprint")]

    def add_issue(
        self,
        key: str,
        *,
        summary: str = "An existing issue",
        status: str = "To Do",
        resolution: str | None = None,
        assignee: Person | None = None,
        duedate: str | None = None,
    ) -> dict:
        issue = json.loads(json.dumps(ISSUE_EXAMPLE))
        number = 10000 + len(self.issues) + 1
        issue.update(id=str(number), key=key, self=f"{self.url}/rest/api/2/issue/{number}")
        issue["fields"] = {
            "summary": summary,
            "description": None,
            "labels": [],
            "priority": {"name": "Medium", "id": "3"},
            "duedate": duedate,
            "assignee": self.user(assignee) if assignee else None,
        }
        self.set_status(issue, status, resolution)
        self.issues[key] = issue
        return issue

    def set_status(self, issue: dict, status: str, resolution: str | None = None) -> None:
        issue["fields"]["status"] = status_object(status, self.url)
        issue["fields"]["resolution"] = (
            {"id": "10000", "name": resolution, "description": "", "self": f"{self.url}/x"}
            if resolution
            else None
        )
        issue["fields"]["updated"] = jira_time(datetime.now(UTC))

    def user(self, person: Person) -> dict:
        return user_object(person, self.url, self.deployment)

    def person(self, value: object) -> Person | None:
        wanted = "accountId" if self.deployment == "cloud" else "name"
        if not isinstance(value, dict) or set(value) != {wanted}:
            self.problems.append(f"assignee is not {{{wanted!r}: …}}: {value!r}")
            return None
        for person in self.people:
            if value[wanted] in (person.account_id, person.name):
                return person
        self.problems.append(f"assignee {value!r} is nobody")
        return None


class Handler(BaseHTTPRequestHandler):
    site: Site

    def log_message(self, *args) -> None:  # quiet
        pass

    def _answer(self, status: int, body: object = None, headers: dict | None = None) -> None:
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _refused(self) -> bool:
        site = self.site
        if site.deployment == "cloud":
            pair = f"{site.email}:{site.token}".encode()
            expected = "Basic " + base64.b64encode(pair).decode()
        else:
            expected = f"Bearer {site.token}"
        if self.headers.get("Authorization", "") != expected:
            # DOCS intro/#status-codes: 401 "the authentication credentials are incorrect"
            self._answer(401, errors(["You are not authenticated."]))
            return True
        with site.lock:
            refusal = site.refuse_next.pop(0) if site.refuse_next else None
        if refusal is not None:
            status, headers = refusal
            self._answer(status, errors([f"Refused ({status})."]), headers)
            return True
        return False

    def _begin(self) -> tuple[str, dict[str, list[str]], object] | None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        body = json.loads(raw) if raw else None
        self.site.requests.append(
            {
                "method": self.command,
                "path": parts.path,
                "query": query,
                "headers": {name.lower(): value for name, value in self.headers.items()},
                "body": body,
            }
        )
        if self._refused():
            return None
        if not parts.path.startswith("/rest/api/2/"):
            self._answer(404, errors(["Not found."]))
            return None
        return parts.path.removeprefix("/rest/api/2/"), query, body

    def do_GET(self) -> None:
        begun = self._begin()
        if begun is None:
            return
        path, query, _ = begun
        site = self.site
        if found := re.fullmatch(r"project/([^/]+)(/statuses)?", path):
            key = found.group(1)
            if key not in site.projects:
                return self._answer(404, errors([f"No project could be found with key '{key}'."]))
            if found.group(2):
                return self._answer(200, self._statuses())
            project = json.loads(json.dumps(PROJECT_EXAMPLE))
            project.update(
                key=key, name=site.projects[key], self=f"{site.url}/rest/api/2/project/{key}"
            )
            return self._answer(200, project)
        if found := re.fullmatch(r"issue/createmeta/([^/]+)/issuetypes(?:/([^/]+))?", path):
            return self._createmeta(found.group(1), found.group(2))
        if path == "user/search":
            return self._user_search(query)
        if path in ("search", "search/jql"):
            return self._search(path, query)
        if found := re.fullmatch(r"issue/([^/]+)/transitions", path):
            if found.group(1) not in site.issues:
                return self._answer(
                    404, errors(["Issue does not exist or you do not have permission to see it."])
                )
            return self._answer(200, self._transitions(query))
        if found := re.fullmatch(r"issue/([^/]+)(/editmeta)?", path):
            issue = site.issues.get(found.group(1))
            if issue is None:
                return self._answer(
                    404, errors(["Issue does not exist or you do not have permission to see it."])
                )
            if found.group(2):
                # "Get edit issue metadata", DOCS
                # api-group-issues/#api-rest-api-2-issue-issueidorkey-editmeta-get
                editable = ("summary", "duedate", "priority", "assignee", "labels", "description")
                return self._answer(
                    200, {"fields": {name: field_meta(name, name.title()) for name in editable}}
                )
            return self._answer(200, self._shown(issue, query))
        return self._answer(404, errors(["Not found."]))

    def do_POST(self) -> None:
        begun = self._begin()
        if begun is None:
            return
        path, _, body = begun
        if found := re.fullmatch(r"issue/([^/]+)/transitions", path):
            return self._transition(found.group(1), body)
        if path != "issue":
            return self._answer(404, errors(["Not found."]))
        fields = (body or {}).get("fields") if isinstance(body, dict) else None
        if not isinstance(fields, dict):
            return self._answer(400, errors(["No fields."]))
        project = (fields.get("project") or {}).get("key")
        if project not in self.site.projects:
            return self._answer(400, errors(fields={"project": "valid project is required"}))
        refused = self._check_create(project, fields)
        if refused:
            return self._answer(400, errors(fields=refused))
        site = self.site
        with site.lock:
            number = 1 + sum(1 for key in site.issues if key.startswith(f"{project}-"))
            key = f"{project}-{number}"
            issue = site.add_issue(key, summary=fields["summary"])
            issue["fields"].update(
                description=fields.get("description"),
                labels=fields.get("labels") or [],
                duedate=fields.get("duedate"),
                **{k: v for k, v in fields.items() if k.startswith("customfield_")},
            )
            if "priority" in fields:
                issue["fields"]["priority"] = {"name": fields["priority"]["name"]}
            if "assignee" in fields and (person := site.person(fields["assignee"])):
                issue["fields"]["assignee"] = site.user(person)
        created = dict(CREATED_EXAMPLE, id=issue["id"], key=key, self=issue["self"])
        return self._answer(201, created)

    def do_PUT(self) -> None:
        begun = self._begin()
        if begun is None:
            return
        path, _, body = begun
        found = re.fullmatch(r"issue/([^/]+)", path)
        issue = self.site.issues.get(found.group(1)) if found else None
        if issue is None:
            return self._answer(
                404, errors(["Issue does not exist or you do not have permission to see it."])
            )
        fields = (body or {}).get("fields") if isinstance(body, dict) else None
        if not isinstance(fields, dict):
            return self._answer(400, errors(["No fields."]))
        refused = self._check_values(fields)
        if refused:
            return self._answer(400, errors(fields=refused))
        for name, value in fields.items():
            if name == "assignee":
                person = self.site.person(value) if value is not None else None
                issue["fields"]["assignee"] = self.site.user(person) if person else None
            else:
                issue["fields"][name] = value
        issue["fields"]["updated"] = jira_time(datetime.now(UTC))
        # "Edit issue": 204 No Content, DOCS api-group-issues/#api-rest-api-2-issue-issueidorkey-put
        return self._answer(204)

    # -- answers --------------------------------------------------------------------

    def _transitions(self, query: dict) -> dict:
        """ "Get transitions", DOCS api-group-issues/#api-rest-api-2-issue-issueidorkey-
        transitions-get: the default workflow's transitions to each status; with
        ``expand=transitions.fields``, Done's screen asks for the resolution."""
        expanded = "transitions.fields" in (query.get("expand") or [""])[0]
        answer = []
        for number, name in ((11, "To Do"), (21, "In Progress"), (31, "Done")):
            transition = {
                "id": str(number),
                "name": name,
                "to": status_object(name, self.site.url),
                "hasScreen": name == "Done",
                "isGlobal": True,
                "isInitial": False,
                "isAvailable": True,
                "isConditional": False,
            }
            if expanded:
                transition["fields"] = {"resolution": RESOLUTION_FIELD} if name == "Done" else {}
            answer.append(transition)
        return {"expand": "transitions", "transitions": answer}

    def _transition(self, key: str, body: object) -> None:
        """ "Transition issue": 204, DOCS api-group-issues/#api-rest-api-2-issue-issueidorkey-
        transitions-post; Done needs a resolution of its screen's allowed values."""
        issue = self.site.issues.get(key)
        if issue is None:
            return self._answer(
                404, errors(["Issue does not exist or you do not have permission to see it."])
            )
        chosen = str(((body or {}).get("transition") or {}).get("id") or "")
        names = {"11": "To Do", "21": "In Progress", "31": "Done"}
        if chosen not in names:
            return self._answer(
                400,
                errors(
                    [
                        "It seems that you have tried to perform a workflow operation that is "
                        "not valid."
                    ]
                ),
            )
        resolution = (((body or {}).get("fields") or {}).get("resolution") or {}).get("name")
        allowed = [value["name"] for value in RESOLUTION_FIELD["allowedValues"]]
        if names[chosen] == "Done" and resolution not in allowed:
            return self._answer(400, errors(fields={"resolution": "Resolution is required."}))
        with self.site.lock:
            self.site.set_status(
                issue, names[chosen], resolution if names[chosen] == "Done" else None
            )
        return self._answer(204)

    def _statuses(self) -> list[dict]:
        site = self.site
        return [
            {
                "id": kind["id"],
                "name": kind["name"],
                "self": f"{site.url}/rest/api/2/issueType/{kind['id']}",
                "statuses": [
                    {
                        k: v
                        for k, v in status_object(name, site.url).items()
                        if k != "statusCategory"
                    }
                    for name in STATUSES
                ],
                "subtask": False,
            }
            for kind in ISSUE_TYPES
        ]

    def _createmeta(self, project: str, issue_type: str | None) -> None:
        site = self.site
        if project not in site.projects:
            return self._answer(404, errors([f"No project could be found with key '{project}'."]))
        if issue_type is None:
            entries, cloud_key = ISSUE_TYPES, "issueTypes"
        elif issue_type in {kind["id"] for kind in ISSUE_TYPES}:
            entries, cloud_key = site.screen(project), "fields"
        else:
            return self._answer(404, errors(["Issue type not found."]))
        page = {"maxResults": 200, "startAt": 0, "total": len(entries)}
        if site.deployment == "cloud":
            return self._answer(200, {cloud_key: entries, **page})
        return self._answer(200, {"values": entries, "isLast": True, **page})

    def _user_search(self, query: dict[str, list[str]]) -> None:
        site = self.site
        wanted = "query" if site.deployment == "cloud" else "username"
        if wanted not in query:
            site.problems.append(f"user search without {wanted}: {query}")
            return self._answer(400, errors([f"The {wanted} parameter is required."]))
        text = query[wanted][0].lower()
        found = [p for p in site.people if text in (p.email.lower(), p.name.lower())]
        return self._answer(200, [site.user(person) for person in found])

    def _search(self, path: str, query: dict[str, list[str]]) -> None:
        site = self.site
        expected = "search/jql" if site.deployment == "cloud" else "search"
        if path != expected:
            site.problems.append(f"{path} asked of a {site.deployment} site")
        jql = (query.get("jql") or [""])[0]
        match = JQL.fullmatch(jql)
        if match is None:
            site.problems.append(f"JQL not of the form key in (…): {jql!r}")
            return self._answer(400, errors([f"Error in the JQL Query: {jql!r}"]))
        keys = match.group(1).split(", ")
        if len(keys) > 100 or int((query.get("maxResults") or ["50"])[0]) < len(keys):
            site.problems.append(f"{len(keys)} keys in one search, over maxResults")
        if "fields" not in query:
            site.problems.append("search without a field list")
        missing = [key for key in keys if key not in site.issues]
        warn = (query.get("validateQuery") or [""])[0] == "warn"
        if missing and not warn:
            # JQL's refusal of a key it does not hold (DOCS api-group-issue-search/, 400)
            return self._answer(
                400,
                errors(
                    [
                        f"An issue with key '{key}' does not exist for field 'key'."
                        for key in missing
                    ]
                ),
            )
        issues = [self._shown(site.issues[key], query) for key in keys if key in site.issues]
        if site.deployment == "cloud":
            # "Search for issues using JQL enhanced search (GET)", DOCS
            # api-group-issue-search/#api-rest-api-2-search-jql-get
            return self._answer(200, {"isLast": True, "issues": issues})
        # "Search for issues using JQL (GET)", DC_DOCS #api/2/search-search
        answer = {"expand": "names,schema", "startAt": 0, "maxResults": 100, "total": len(issues)}
        answer["issues"] = issues
        answer["warningMessages"] = [
            f"An issue with key '{key}' does not exist for field 'key'." for key in missing
        ]
        return self._answer(200, answer)

    def _shown(self, issue: dict, query: dict[str, list[str]]) -> dict:
        asked = (query.get("fields") or [""])[0].split(",")
        shown = json.loads(json.dumps(issue))
        if asked != [""]:
            shown["fields"] = {k: v for k, v in shown["fields"].items() if k in asked}
        return shown

    # -- checks ---------------------------------------------------------------------

    def _check_create(self, project: str, fields: dict) -> dict[str, str]:
        screen = {each["fieldId"]: each for each in self.site.screen(project)}
        refused = {
            name: f"Field '{name}' cannot be set. It is not on the appropriate screen, or unknown."
            for name in fields
            if name not in screen
        }
        for field_id, about in screen.items():
            if about["required"] and not about["hasDefaultValue"] and field_id not in fields:
                refused[field_id] = f"{about['name']} is required."
        if (fields.get("issuetype") or {}).get("id") not in {kind["id"] for kind in ISSUE_TYPES}:
            refused["issuetype"] = "valid issue type is required"
        refused.update(self._check_values(fields))
        if refused:
            self.site.problems.append(f"create refused: {refused}")
        return refused

    def _check_values(self, fields: dict) -> dict[str, str]:
        refused: dict[str, str] = {}
        if "summary" in fields and not (isinstance(fields["summary"], str) and fields["summary"]):
            refused["summary"] = "You must specify a summary of the issue."
        for label in fields.get("labels") or []:
            if not isinstance(label, str) or " " in label:
                refused["labels"] = "The label must not contain spaces."
        if (
            fields.get("priority") is not None
            and (fields["priority"] or {}).get("name") not in PRIORITY_NAMES
        ):
            refused["priority"] = "Specify a valid priority."
        due = fields.get("duedate")
        if due is not None and not (
            isinstance(due, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", due)
        ):
            refused["duedate"] = "Error parsing date string: " + str(due)
        if fields.get("assignee") is not None and self.site.person(fields["assignee"]) is None:
            refused["assignee"] = "Specify a valid user."
        if refused:
            self.site.problems.append(f"fields refused: {refused}")
        return refused


def serve(site: Site) -> Server:
    handler = type("BoundHandler", (Handler,), {"site": site})
    server = Server(("127.0.0.1", 0), handler)
    site.url = server.url
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
