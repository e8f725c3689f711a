"""The module graph: no import cycle among spinerules' modules (issue 9).

Function-local imports count too: a cycle hidden inside a function (``knowledge`` importing
``registry`` that imports ``knowledge``) is still two modules that cannot be understood apart.
``from . import x`` counts as an import of ``x``, not of the package.
"""

from __future__ import annotations

import ast
from pathlib import Path

import spinerules

ROOT = Path(spinerules.__file__).resolve().parent


def _modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _imports(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in modules}
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            name = ".".join(base + ([node.module] if node.module else []))
            subs = {f"{name}.{a.name}" for a in node.names} & modules.keys()
            found |= subs or ({name} & modules.keys())
    return found - {module}


def test_no_import_cycle() -> None:
    modules = _modules()
    graph = {m: _imports(m, p, modules) for m, p in modules.items()}
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        for dep in sorted(graph[module]):
            assert dep not in path, "import cycle: " + " -> ".join((*path, dep))
            if dep not in done:
                visit(dep, (*path, dep))
        done.add(module)

    for module in sorted(graph):
        visit(module, (module,))
    assert len(done) == len(graph) > 40


def test_the_knowledge_does_not_import_the_machinery() -> None:
    """style.md: the knowledge modules hold clinical facts and nothing else."""
    modules = _modules()
    machinery = {"spinerules.registry", "spinerules.plugins", "spinerules.api", "spinerules.cli"}
    machinery |= {m for m in modules if m.startswith(("spinerules.engine", "spinerules.formats"))}
    for module, path in modules.items():
        if module.startswith("spinerules.knowledge"):
            assert not _imports(module, path, modules) & machinery, module
