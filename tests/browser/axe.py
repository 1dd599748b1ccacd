"""axe-core, the accessibility auditor, run inside a Playwright page.

The script is the npm package pinned in tests/counterparts/vendor (installed by ``make install``),
injected into the page under test; nothing is fetched from a CDN."""

from pathlib import Path

VENDOR = Path(__file__).parent.parent / "counterparts" / "vendor"
AXE_SCRIPT = VENDOR / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")

# WCAG 2.x A and AA rules, and axe's best practices (landmarks, one main heading, …).
RUN_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}


def axe_violations(page, context: str | dict | None = None) -> list[dict]:
    """The serious and critical violations axe finds in the page as it stands (or in
    ``context``, a selector or axe context object)."""
    assert AXE_SCRIPT.is_file(), f"{AXE_SCRIPT} is missing: run `make install`"
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # add_script_tag would be an inline script, refused by the page's CSP; evaluate is not.
        page.evaluate(AXE_SCRIPT.read_text())
    results = page.evaluate(
        "([context, options]) => axe.run(context || document, options)",
        [context, RUN_OPTIONS],
    )
    return [v for v in results["violations"] if v["impact"] in BLOCKING_IMPACTS]


def describe(violations: list[dict]) -> str:
    """One paragraph per violation: the rule, its help, and the elements it found."""
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']}")
        for node in violation["nodes"][:8]:
            target = " ".join(str(part) for part in node["target"])
            summary = node.get("failureSummary", "").replace("\n", " ")
            lines.append(f"    {target} — {summary}")
        if len(violation["nodes"]) > 8:
            lines.append(f"    … and {len(violation['nodes']) - 8} more")
    return "\n".join(lines)


def assert_accessible(page, where: str, context: str | dict | None = None) -> None:
    """Fail with every serious or critical violation axe finds, its elements and how to fix it."""
    violations = axe_violations(page, context)
    assert not violations, f"{where} ({page.url}):\n{describe(violations)}"
