"""Vendors' published webhook schemas and example payloads (npm packages pinned by
``vendor/package-lock.json``; ``make install`` installs them), for the integration tests to
check their fixtures and parsers against what the vendor says it sends."""

import copy
import json
from functools import cache
from pathlib import Path

import jsonschema

OCTOKIT = Path(__file__).parent / "vendor" / "node_modules" / "@octokit"


@cache
def _github_events() -> dict[str, list[dict]]:
    examples = OCTOKIT / "webhooks-examples" / "api.github.com" / "index.json"
    index = json.loads(examples.read_text())
    return {event["name"]: event["examples"] for event in index}


def github_examples(event: str) -> list[dict]:
    """GitHub's documented example payloads of ``event`` (e.g. "deployment_status"), as
    octokit publishes them from GitHub's documentation."""
    return copy.deepcopy(_github_events()[event])


@cache
def _github_schema() -> dict:
    return json.loads((OCTOKIT / "webhooks-schemas" / "schema.json").read_text())


def github_schema_errors(payload: dict, definition: str) -> list[str]:
    """Where ``payload`` departs from GitHub's published schema of ``definition`` (e.g.
    "deployment_status$created"): empty when it conforms."""
    schema = _github_schema()
    validator = jsonschema.Draft7Validator(
        {"definitions": schema["definitions"], "$ref": f"#/definitions/{definition}"}
    )
    return [
        f"{'.'.join(map(str, error.absolute_path)) or '(top)'}: {error.message[:200]}"
        for error in validator.iter_errors(payload)
    ]
