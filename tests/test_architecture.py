"""The import contracts in pyproject.toml (``[tool.importlinter]``, run by ``make test``) hold
on the code, and break when a module imports the wrong way.

The wrong imports are written into a copy of the source in a temporary directory, which
``lint-imports`` then reads instead of the checkout: the checkout itself is never touched."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PACKAGES = (
    "config",
    "organizations",
    "incidents",
    "postmortems",
    "actionitems",
    "dashboard",
    "demo",
    "hindsight_bench",
)

# One wrong-way import per contract: (module file, the line added, contract it breaks, the
# offending import as lint-imports reports it).
WRONG_IMPORTS = [
    (
        "organizations/roles.py",
        "import postmortems.models",
        "Apps import downwards only",
        "organizations.roles -> postmortems.models",
    ),
    (
        "postmortems/language/rules.py",
        "import postmortems.models",
        "The language rules engine imports none of our code",
        "postmortems.language.rules -> postmortems.models",
    ),
    (
        "postmortems/analytics/patterns.py",
        "import postmortems.meetings.services",
        "Leaf sub-domains of postmortems do not know each other",
        "postmortems.analytics.patterns -> postmortems.meetings.services",
    ),
    (
        "postmortems/permissions.py",
        "import postmortems.review.transitions",
        "The postmortems core does not import its sub-packages",
        "postmortems.permissions -> postmortems.review.transitions",
    ),
]


def lint_imports(source: Path) -> subprocess.CompletedProcess:
    """Run ``lint-imports`` on the packages under ``source`` with ``source``'s contracts."""
    return subprocess.run(  # noqa: S603 - our own console script, fixed arguments
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(source / "pyproject.toml")],
        cwd=source,
        env={"PYTHONPATH": str(source), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def copy_of_the_source(destination: Path) -> Path:
    """The packages and pyproject.toml of the checkout, Python files only."""
    keep_python = shutil.ignore_patterns("__pycache__", "*.pyc", "*.html", "*.txt", "*.css")
    for package in PACKAGES:
        shutil.copytree(ROOT / package, destination / package, ignore=keep_python)
    shutil.copy(ROOT / "pyproject.toml", destination / "pyproject.toml")
    return destination


# Django's own places in an app: in no contract.
UNCHECKED_POSTMORTEMS_MODULES = {"migrations", "management", "templatetags"}


def contract(contract_id: str) -> dict:
    with (ROOT / "pyproject.toml").open("rb") as file:
        contracts = tomllib.load(file)["tool"]["importlinter"]["contracts"]
    return next(each for each in contracts if each["id"] == contract_id)


def test_every_module_of_postmortems_is_named_in_its_contracts():
    """The postmortems contracts list its modules by name: a new one must be added to them."""
    children = {
        f"postmortems.{path.stem}"
        for path in (ROOT / "postmortems").iterdir()
        if (path.suffix == ".py" and path.stem != "__init__")
        or (path.is_dir() and (path / "__init__.py").exists())
    } - {f"postmortems.{name}" for name in UNCHECKED_POSTMORTEMS_MODULES}
    core = contract("postmortems-core")
    outside_language = set(contract("language")["forbidden_modules"])

    assert set(core["source_modules"]) | set(core["forbidden_modules"]) == children
    assert {m for m in outside_language if m.startswith("postmortems.")} == children - {
        "postmortems.language"
    }


def test_the_code_keeps_every_contract():
    result = lint_imports(ROOT)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.fixture(scope="module")
def broken_source(tmp_path_factory) -> Path:
    source = copy_of_the_source(tmp_path_factory.mktemp("wrong_imports"))
    for module, line, _, _ in WRONG_IMPORTS:
        path = source / module
        path.write_text(f"{path.read_text()}\n{line}\n")
    return source


@pytest.fixture(scope="module")
def broken_report(broken_source) -> subprocess.CompletedProcess:
    return lint_imports(broken_source)


def test_a_wrong_way_import_fails_the_check(broken_report):
    assert broken_report.returncode == 1, broken_report.stdout + broken_report.stderr
    assert f"Contracts: 0 kept, {len(WRONG_IMPORTS)} broken." in broken_report.stdout


@pytest.mark.parametrize(
    ("contract", "offending_import"),
    [(contract, offending) for _, _, contract, offending in WRONG_IMPORTS],
    ids=[module for module, _, _, _ in WRONG_IMPORTS],
)
def test_the_report_names_the_contract_and_the_import(broken_report, contract, offending_import):
    broken = broken_report.stdout[broken_report.stdout.index("Broken contracts") :]
    start = broken.index(contract)
    others = [broken.index(other) for _, _, other, _ in WRONG_IMPORTS if other != contract]
    section = broken[start : min([end for end in others if end > start], default=len(broken))]

    assert offending_import in section
