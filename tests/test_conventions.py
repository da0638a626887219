"""Workspace conventions the linters cannot see: each package declares exactly what it imports.

`scripts/check-isolated-imports` catches an undeclared import only when nothing else pulls
the library in; alembic, for one, arrives with onebox-bus. So the declarations are compared
with the imports here, by name: every third-party module a package's source imports (its
migrations and `testing` modules included) is declared in its `pyproject.toml`, every
declared dependency is imported, and a library has the same version floor everywhere.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECTS = sorted([ROOT, *(ROOT / "packages").iterdir()], key=lambda path: path.name)

# Declared on purpose although the package never imports them.
RUNTIME_ONLY = {
    "onebox-agent-telegram": {"httptools"},  # uvicorn picks its HTTP parser up on its own
}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    assert match, requirement
    return canonical(match.group())


def declared(project: Path) -> list[str]:
    table = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    extras = [req for reqs in table.get("optional-dependencies", {}).values() for req in reqs]
    return [*table["dependencies"], *extras]


def sources(project: Path) -> list[Path]:
    return sorted((project / "src").rglob("*.py"))


def imported_distributions(project: Path) -> set[str]:
    distributions = importlib.metadata.packages_distributions()
    own = {path.name for path in (project / "src").iterdir()}
    found: set[str] = set()
    for path in sources(project):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.partition(".")[0]
                if top in sys.stdlib_module_names or top in own:
                    continue
                found.update(canonical(dist) for dist in distributions.get(top, [top]))
    return found


@pytest.mark.parametrize("project", PROJECTS, ids=lambda path: path.name)
def test_a_package_declares_exactly_what_it_imports(project: Path) -> None:
    name = canonical(tomllib.loads((project / "pyproject.toml").read_text())["project"]["name"])
    wanted = {requirement_name(req) for req in declared(project)}
    used = imported_distributions(project)
    assert sources(project)
    assert sorted(used - wanted) == [], "imported but not declared"
    assert sorted(wanted - used - RUNTIME_ONLY.get(name, set())) == [], "declared, never imported"


def test_a_library_has_one_version_floor_in_every_package() -> None:
    floors: dict[str, set[str]] = {}
    for project in PROJECTS:
        for requirement in declared(project):
            spec = requirement.split(";")[0]
            floors.setdefault(requirement_name(spec), set()).add(re.sub(r"\[.*?\]", "", spec))
    assert {name: sorted(specs) for name, specs in floors.items() if len(specs) > 1} == {}
