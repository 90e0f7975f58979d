"""The package's parts import one way: no cycles, and no part imports a part above it.

The layers, bottom to top (each package's docstring says the same):

    base      searchsvc/*.py that are not cli.py: the data model and shared helpers
    analysis  searchsvc/analysis/   the analyzer and the lexicon
    query     searchsvc/query/      query understanding
    engine    searchsvc/engine/     index format, storage, ranking, Searcher
    ingest    searchsvc/ingest/     pages -> articles -> snapshots
    insights  searchsvc/insights/   what readers search for, counted privately (the desk's data)
    web       searchsvc/web/        the Flask app
    cli       searchsvc/cli.py      the command line

Imports are read from the source with ``ast`` (module-level and inside functions alike), so a
lazy import that climbs back up counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "searchsvc"
LAYERS = ["base", "analysis", "query", "engine", "ingest", "insights", "web", "cli"]
# Modules read by pickle only (the on-disk names of the index's classes), outside the layering
EXEMPT = {"searchsvc._format"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer(module: str) -> str:
    parts = module.split(".")
    if module == "searchsvc.cli":
        return "cli"
    if len(parts) >= 2 and parts[1] in LAYERS:
        return parts[1]
    return "base"


def imports_of(path: Path, module: str, known: set[str]) -> set[str]:
    """The searchsvc modules that ``path`` imports (a name imported from a package counts as
    the submodule when there is one)."""
    tree = ast.parse(path.read_text("utf-8"))
    is_package = path.name == "__init__.py"
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("searchsvc"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                if not is_package:
                    base = base[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("searchsvc"):
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                out.add(sub if sub in known else target)
    return {m for m in out if m in known and m != module}


def graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    known = set(files)
    return {m: imports_of(p, m, known) for m, p in files.items()}


def test_the_parts_are_folders():
    for part in LAYERS[1:-1]:
        init = PACKAGE / part / "__init__.py"
        assert init.exists(), f"searchsvc/{part}/ is not a package"
        doc = ast.get_docstring(ast.parse(init.read_text("utf-8"))) or ""
        assert "May import" in doc, f"searchsvc/{part}/__init__.py does not say what it may import"


@pytest.mark.parametrize("module", sorted(graph()))
def test_no_import_climbs_back_up(module):
    if module in EXEMPT:
        return
    edges = graph()[module]
    rank = LAYERS.index(layer(module))
    upward = sorted(t for t in edges if t not in EXEMPT and LAYERS.index(layer(t)) > rank)
    assert not upward, f"{module} ({layer(module)}) imports a higher layer: {upward}"


def test_no_cycles():
    edges = graph()
    # a package's face (__init__) re-exporting its own modules is not a cycle with them
    for m in list(edges):
        edges[m] = {t for t in edges[m] if not (m.startswith(t + ".") and (PACKAGE.parent / t.replace(".", "/") / "__init__.py").exists())}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m):
        state[m] = 1
        stack.append(m)
        for t in sorted(edges[m]):
            if state.get(t) == 1:
                cycle = stack[stack.index(t):] + [t]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if t not in state:
                visit(t)
        stack.pop()
        state[m] = 2

    for m in sorted(edges):
        if m not in state:
            visit(m)
