"""One door into Whoosh: its private names are used in ``searchsvc/engine/whooshformat.py`` only, and only
with the whoosh-reloaded release that module was written against."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from searchsvc.engine import whooshformat

DOOR = Path(whooshformat.__file__).resolve()
PACKAGE = DOOR.parent.parent  # the whole searchsvc package (the door is searchsvc/engine/whooshformat.py)


def _whoosh_names(tree: ast.AST) -> set[str]:
    """Names a module binds to Whoosh objects: what it imports from whoosh, and classes deriving from them."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("whoosh"):
            names |= {alias.asname or alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            names |= {alias.asname or alias.name for alias in node.names if alias.name.startswith("whoosh")}
    return names


def private_whoosh_uses(path: Path) -> list[str]:
    """Where a module reaches a Whoosh name starting with "_": imported from whoosh, read off an object
    other than its own ``self``/``cls``/module, or, in a class deriving from a Whoosh class, a private
    method it overrides or a private attribute of ``self`` it does not set itself."""
    tree = ast.parse(path.read_text("utf-8"))
    whoosh = _whoosh_names(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("whoosh"):
            found += [f"{path.name}:{node.lineno} imports {a.name}" for a in node.names if a.name.startswith("_")]
        elif isinstance(node, ast.ClassDef):
            bases = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases}
            if bases & whoosh or any(isinstance(b, ast.Call) for b in node.bases):  # a Whoosh class, or a factory's
                found += [f"{path.name}:{d.lineno} overrides {d.name} in {node.name}" for d in node.body
                          if isinstance(d, ast.FunctionDef) and _private(d.name)]
                for inner in ast.walk(node):
                    if (isinstance(inner, ast.Attribute) and isinstance(inner.value, ast.Name)
                            and inner.value.id == "self" and _private(inner.attr)
                            and not _own(node, inner.attr)):
                        found.append(f"{path.name}:{inner.lineno} self.{inner.attr} in {node.name}")
        elif (isinstance(node, ast.Attribute) and _private(node.attr) and not
              (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls", "os", "sys"))):
            found.append(f"{path.name}:{node.lineno} .{node.attr}")
    return found


NAMEDTUPLE_API = {"_replace", "_asdict", "_fields", "_make", "_field_defaults"}  # public, underscored to spare field names


def _private(attr: str) -> bool:
    return (attr.startswith("_") and not (attr.startswith("__") and attr.endswith("__"))
            and attr not in NAMEDTUPLE_API)


def _own(cls: ast.ClassDef, attr: str) -> bool:
    """Whether the class defines ``attr`` itself (a method, or an assignment to self.<attr> in its methods)."""
    for node in ast.walk(cls):
        if isinstance(node, ast.FunctionDef) and node.name == attr:
            return True
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Attribute) and t.attr == attr and isinstance(t.value, ast.Name)
                   and t.value.id == "self" for t in targets):
                return True
    return False


def test_no_module_but_the_door_uses_a_private_whoosh_name():
    modules = [p for p in PACKAGE.rglob("*.py") if p != DOOR]
    assert len(modules) > 30
    assert [use for path in modules for use in private_whoosh_uses(path)] == []


def test_the_scan_finds_a_private_whoosh_name_where_there_is_one(tmp_path):
    """The check above can fail: the old postings.py, columns.py and codec.py reached into Whoosh."""
    sample = tmp_path / "old.py"
    sample.write_text(
        "from whoosh.system import _INT_SIZE\n"
        "from whoosh.codec.whoosh3 import W3PostingsWriter\n"
        "class W(W3PostingsWriter):\n"
        "    def _write_block(self):\n"
        "        self._postfile.write(b'')\n"
        "def f(leaf, matcher):\n"
        "    matcher._goto(0)\n"
        "    return leaf._perdoc\n")
    uses = private_whoosh_uses(sample)
    assert any("_INT_SIZE" in u for u in uses) and any("_postfile" in u for u in uses)
    assert any("._goto" in u for u in uses) and any("._perdoc" in u for u in uses)
    assert any("overrides _write_block" in u for u in uses)


def test_the_door_states_its_release_and_refuses_any_other():
    assert whooshformat.WHOOSH_RELOADED == "2.7.5"
    whooshformat.check_version()  # the installed one
    with pytest.raises(whooshformat.WhooshVersionError) as raised:
        whooshformat.check_version("2.8.0")
    assert "whoosh-reloaded 2.7.5" in str(raised.value) and "installed is 2.8.0" in str(raised.value)


def test_importing_the_engine_with_another_whoosh_release_stops_with_that_message(tmp_path):
    """A real import of the package with the installed release reported as 2.7.6: the service cannot start."""
    program = (
        "import importlib.metadata as m\n"
        "real = m.version\n"
        "m.version = lambda name: '2.7.6' if name.lower() == 'whoosh-reloaded' else real(name)\n"
        "import searchsvc.engine.search\n")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(PACKAGE.parent)}, timeout=120)
    assert done.returncode != 0
    assert "WhooshVersionError" in done.stderr
    assert "written against whoosh-reloaded 2.7.5; installed is 2.7.6" in done.stderr
