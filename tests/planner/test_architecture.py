"""The wall between the apps: delegations builds on ceremony, never the reverse (README, "Where things are").

``planner`` is the project (settings, URLs, the admin site, what spans both apps) and may import both; ``ceremony``
never imports ``delegations``, at module level or inside a function, and never names its models, URLs or
migrations, so the programme app stands alone and the other app extends it through its hooks.
"""

import ast
import re
from pathlib import Path

from django.db.migrations.loader import MigrationLoader

ROOT = Path(__file__).resolve().parents[2]
# A delegations module, model label, admin URL name or URL namespace written as a string.
NAMES_DELEGATIONS = re.compile(r"\A(admin:)?delegations[._:]")


def _modules(package):
    return sorted((ROOT / package).rglob("*.py"))


def _docstrings(tree):
    nodes = [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef))]
    return {id(n.body[0].value) for n in nodes if n.body and isinstance(n.body[0], ast.Expr)}


def delegations_references(path):
    """Every import of delegations in the module at ``path``, and every string that names it, with its line."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found, docstrings = [], _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names if alias.name.split(".")[0] == "delegations"]
        elif (
            isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "delegations"
        ):
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            found += [(node.lineno, repr(node.value))] if NAMES_DELEGATIONS.match(node.value) else []
    return found


def test_no_module_of_ceremony_imports_or_names_delegations():
    crossing = {
        str(path.relative_to(ROOT)): refs for path in _modules("ceremony") if (refs := delegations_references(path))
    }
    assert crossing == {}


def test_the_check_finds_an_import_hidden_in_a_function_and_a_model_named_in_a_string(tmp_path):
    module = tmp_path / "example.py"
    module.write_text(
        '"""delegations.models is named in this docstring, which is prose."""\n'
        "def feed():\n"
        "    from delegations.models import Delegation\n"
        "    return Delegation, 'delegations.Delegation', 'admin:delegations_delegation_change', 'delegations'\n"
    )
    assert delegations_references(module) == [
        (3, "delegations.models"), (4, "'delegations.Delegation'"), (4, "'admin:delegations_delegation_change'")
    ]  # fmt: skip


def test_the_programme_apps_migrations_never_depend_on_delegations():
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    ceremony = [key for key in graph.nodes if key[0] == "ceremony"]
    assert ceremony
    assert {
        parent for key in ceremony for parent in graph.node_map[key].parents if parent.key[0] == "delegations"
    } == set()


def test_each_apps_migrations_are_one_line():
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    for app in ("ceremony", "delegations"):
        nodes = [graph.node_map[key] for key in graph.nodes if key[0] == app]
        assert len(graph.root_nodes(app)) == 1
        assert all(len([child for child in node.children if child.key[0] == app]) <= 1 for node in nodes)
