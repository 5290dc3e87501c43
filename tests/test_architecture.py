"""The dependency rule of shared/ARCHITECTURE.md, enforced with import-linter."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_layers_keep_their_dependency_rule() -> None:
    command = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert command, "import-linter is part of the dev extra: pip install -e '.[dev]'"
    result = subprocess.run([command], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-2000:]
    assert "0 broken" in result.stdout


PACKAGES = ("questions", "audio", "models", "simulator")
MAX_LINES = 450


def test_no_import_cycles_not_even_inside_functions() -> None:
    """Every import, at the top of a module or inside a function, points one way."""
    import grimp

    graph = grimp.build_graph(*PACKAGES)
    modules = sorted(graph.modules)
    cycles = [c for c in _strongly_connected(graph, modules) if len(c) > 1]
    assert cycles == [], cycles


def test_no_source_file_is_over_450_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): lines
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_every_simulator_module_has_a_layer() -> None:
    """A new module must be placed in the layers contract, or it would escape the rule."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (layers,) = [
        c["layers"] for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers"
    ]
    named = {m.strip() for layer in layers for m in layer.replace("|", ":").split(":")}
    modules = {
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for path in (ROOT / "simulator").glob("*.py")
        if path.name != "__init__.py"
    }
    assert modules - named == set(), "add these to a layer in pyproject.toml"


def _strongly_connected(graph: object, modules: list[str]) -> list[list[str]]:
    """Tarjan's algorithm over the import graph (iterative: the graph is small but deep)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in modules:
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]  # type: ignore[attr-defined]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    imported = graph.find_modules_directly_imported_by(child)  # type: ignore[attr-defined]
                    work.append((child, iter(sorted(imported))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                found.append(sorted(component))
    return found
