"""The layout DESIGN.md describes, kept by a test: fronts (``cli/``, ``web/``,
and the processes that run them, ``devstack`` and ``demo/``) import the
domain, never the other way round; no import cycle among the CLI's modules;
no flat ``cli_*`` / ``cohort_*`` / ``application_*`` modules beside the
packages that now hold them."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "mentorflow"
FRONTS = ("mentorflow.cli", "mentorflow.web")
RUNS_FRONTS = ("cli", "web", "demo", "devstack.py")


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_the_domain_never_imports_a_front() -> None:
    offenders = {
        module_name(path): sorted(m for m in imports(path) if m.startswith(FRONTS))
        for path in PACKAGE.rglob("*.py")
        if path.relative_to(PACKAGE).parts[0] not in RUNS_FRONTS
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_the_cli_modules_import_each_other_without_a_cycle() -> None:
    graph = {
        module_name(path): {m for m in imports(path) if m.startswith("mentorflow.cli.")}
        for path in (PACKAGE / "cli").glob("*.py")
    }
    visiting: list[str] = []
    done: set[str] = set()

    def visit(name: str) -> None:
        assert name not in visiting, f"import cycle: {' -> '.join([*visiting, name])}"
        if name in done:
            return
        visiting.append(name)
        for dependency in graph.get(name, set()):
            visit(dependency)
        visiting.pop()
        done.add(name)

    for name in graph:
        visit(name)
    assert "mentorflow.cli.main" in done


def test_no_flat_module_repeats_a_package_name() -> None:
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    flat = [
        p.name
        for p in PACKAGE.glob("*.py")
        for name in packages
        if p.stem.startswith((f"{name}_", f"{name.removesuffix('s')}_"))
    ]
    assert flat == []
