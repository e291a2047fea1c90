"""The layering rule, checked on the source: the numeric core never reaches Spark or storage, and
no library module imports the command line. Imports inside functions count too."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "mrnet"

# Runs on numpy / pandas / torch alone, inside UDFs and tests without a cluster.
NUMERIC_CORE = ("mrnet.text", "mrnet.model", "mrnet.wordvectors", "mrnet.retrieval", "mrnet.csvrecords",
                "mrnet.jsonrecords", "mrnet.spelling", "mrnet.vectors",
                "mrnet.training", "mrnet.autoencoders", "mrnet.evaluation.classifiers",
                "mrnet.evaluation.unseen", "mrnet.evaluation.neighbours",
                "mrnet.evaluation.importance", "mrnet.evaluation.markdown",
                "mrnet.evaluation.table2", "mrnet.evaluation.baselines", "mrnet.evaluation.crosslingual")
FORBIDDEN_FOR_CORE = ("pyspark", "deltalake", "mrnet.storage", "mrnet.stages", "mrnet.cli")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    # importing a.b.c runs the packages a and a.b first
    return names | {".".join(n.split(".")[:i]) for n in names for i in range(1, n.count(".") + 1)}


GRAPH = {module_name(p): imports_of(p) for p in PACKAGE.rglob("*.py")}


def within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def reachable(start: str) -> dict[str, str]:
    """Every name imported from ``start``, directly or through mrnet modules: {name: via}."""
    seen, todo = {}, [start]
    while todo:
        module = todo.pop()
        for name in GRAPH.get(module, ()):
            if name not in seen:
                seen[name] = module
                if name in GRAPH:
                    todo.append(name)
    return seen


def test_the_graph_was_read():
    assert "mrnet.model" in GRAPH and "mrnet.cli" in GRAPH
    assert any(within(n, "pyspark") for n in GRAPH["mrnet.stages"] | GRAPH["mrnet.cli"]
               | {n for names in GRAPH.values() for n in names})


@pytest.mark.parametrize("core", NUMERIC_CORE)
def test_numeric_core_never_reaches_spark_or_storage(core):
    modules = [m for m in GRAPH if within(m, core)]
    assert modules, f"{core} is not a module of mrnet any more: update NUMERIC_CORE"
    for module in modules:
        bad = {n: via for n, via in reachable(module).items()
               if any(within(n, f) for f in FORBIDDEN_FOR_CORE)}
        assert not bad, f"{module} reaches {bad} (name: the module that imports it)"


def test_no_library_module_imports_the_cli():
    offenders = {m for m, names in GRAPH.items()
                 if m != "mrnet.cli" and any(within(n, "mrnet.cli") for n in names)}
    assert not offenders
