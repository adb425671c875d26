"""The layer table of docs/architecture.md, enforced by reading every import of every module (ast, nothing is
executed; imports inside functions and under TYPE_CHECKING count too).

Each module under workers/ and schedules/ belongs to exactly one layer; a layer may import only the layers it
lists, and never the third-party packages it names. A new module or package fails here until it is given a
layer, in LAYERS and in the table (the table must name every package of LAYERS).
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from tests.support.services import ROOT


@dataclass(frozen=True)
class Layer:
    modules: tuple[str, ...]  # dotted prefixes
    may_import: frozenset[str]  # other layers; a layer always imports itself
    never: frozenset[str] = frozenset()  # third-party top-level packages
    stdlib_only: bool = False


SERVICES = frozenset({"celery", "kombu", "psycopg", "psycopg_pool", "redis"})
PRESENTATION = frozenset({"typer", "rich", "click", "starlette", "uvicorn", "jinja2", "prometheus_client"})
BELOW_SERVICES = SERVICES | PRESENTATION

LAYERS: dict[str, Layer] = {
    "data": Layer(("workers.models", "workers.errors", "workers.versions", "workers.safetext", "workers.taskspec",
                   "workers.listings"),
                  frozenset(), stdlib_only=True),
    "package": Layer(("workers",), frozenset(), stdlib_only=True),  # workers/__init__.py: the version
    "settings": Layer(("workers.settings",), frozenset(), BELOW_SERVICES),
    "readers": Layer(("workers.decoding", "workers.urls", "workers.htmlguard", "workers.dates"),
                     frozenset({"data"}), BELOW_SERVICES),
    "stages": Layer(("workers.feeds", "workers.fetch", "workers.clean", "workers.extract"),
                    frozenset({"data", "settings", "readers"}), BELOW_SERVICES),
    "registry": Layer(("workers.registry",), frozenset({"data"}), stdlib_only=True),
    "glue": Layer(("workers.pipeline",), frozenset({"data", "settings", "stages"}), BELOW_SERVICES),
    "storage": Layer(("workers.db",), frozenset({"data", "settings", "registry"}),
                     frozenset({"celery", "kombu", "redis"}) | PRESENTATION),
    "shared state": Layer(("workers.fetch.politeness",), frozenset({"data", "settings", "stages"}),
                          frozenset({"celery", "kombu", "psycopg", "psycopg_pool"}) | PRESENTATION),
    "observability": Layer(("workers.observability",), frozenset({"data", "settings", "storage"}),
                           PRESENTATION - {"prometheus_client"}),
    "schedule": Layer(("schedules",), frozenset({"data"}), stdlib_only=True),
    "tasks": Layer(("workers.tasks",), frozenset({"data", "settings", "readers", "stages", "registry", "glue",
                                                  "storage", "shared state", "observability", "schedule"}),
                   PRESENTATION),
    "launch": Layer(("workers.launch",), frozenset({"data", "settings", "observability"}), PRESENTATION),
    "devtools": Layer(("workers.devtools",), frozenset({"data", "settings"}), BELOW_SERVICES),
    "web": Layer(("workers.web",), frozenset({"data", "settings", "stages", "registry", "storage"}),
                 frozenset({"celery", "kombu", "typer"})),
    "cli": Layer(("workers.cli",), frozenset({"data", "settings", "readers", "stages", "registry", "glue", "storage",
                                              "shared state", "observability", "schedule", "tasks", "launch",
                                              "devtools", "web"})),
}
# A stage uses the readers below it, never another stage (clean and feeds once imported each other).
STAGES_APART = True


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
    files = [*sorted((ROOT / "workers").rglob("*.py")), *sorted((ROOT / "schedules").rglob("*.py"))]
    return {_module_name(p): p for p in files if "seeds" not in p.relative_to(ROOT).parts}


def imports_of(name: str, path: Path) -> set[str]:
    """Every module `name` imports, absolute, with `from pkg import sub` resolved to pkg.sub when sub is one."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in modules())
    return found


def layer_of(module: str) -> str | None:
    """The layer whose prefix matches `module` most closely (workers.taskspec is data, not the package)."""
    best: tuple[int, str] | None = None
    for layer, spec in LAYERS.items():
        for prefix in spec.modules:
            if (module == prefix or module.startswith(prefix + ".")) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), layer)
    return best[1] if best else None


def _stage(module: str) -> str:
    return ".".join(module.split(".")[:2])


def test_every_module_has_a_layer() -> None:
    unplaced = [m for m in modules() if layer_of(m) is None]
    assert unplaced == [], "give these a layer in tests/unit/test_layers.py and docs/architecture.md"


@pytest.mark.parametrize("module", sorted(modules()))
def test_imports_follow_the_layer_table(module: str) -> None:
    layer = layer_of(module)
    assert layer is not None
    spec = LAYERS[layer]
    wrong: list[str] = []
    for imported in sorted(imports_of(module, modules()[module])):
        top = imported.split(".")[0]
        if top in ("workers", "schedules"):
            target = layer_of(imported)
            if target is None:
                continue  # a name that is not a module of ours (e.g. from workers import __version__)
            if target not in (layer, "package") and target not in spec.may_import:
                wrong.append(f"{imported} ({target})")
            elif STAGES_APART and layer == target == "stages" and _stage(imported) != _stage(module):
                wrong.append(f"{imported} (another stage)")
        elif top == "__future__":
            continue
        elif spec.stdlib_only and top not in sys.stdlib_module_names:
            wrong.append(f"{imported} (not the standard library)")
        elif top in spec.never:
            wrong.append(imported)
    assert wrong == [], f"{module} is in layer {layer!r}, which must not import these"


def test_the_architecture_table_names_every_layer_package() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    table = text.split("## Layers", 1)[1].split("\n## ", 1)[0]
    paths = re.findall(r"`((?:workers|schedules)[\w/.]*)`", table)
    named = {m.strip("/").removesuffix(".py").replace("/", ".") for m in paths}
    missing = sorted(p for spec in LAYERS.values() for p in spec.modules if p not in named and p != "workers")
    assert missing == [], "docs/architecture.md's layer table leaves these out"


def test_the_walk_sees_imports_inside_functions_and_resolves_submodules() -> None:
    # devtools.replay reads the settings only inside main(); `from workers import taskspec` names a module
    assert "workers.settings" in imports_of("workers.devtools.replay", modules()["workers.devtools.replay"])
    assert "workers.taskspec" in imports_of("schedules.beat", modules()["schedules.beat"])
    assert layer_of("workers.taskspec") == "data" and layer_of("workers.feeds.parse") == "stages"


SETTINGS_AS_PARAMETER = ("data", "readers", "stages", "registry", "glue", "schedule")


@pytest.mark.parametrize("module", sorted(m for m in modules() if layer_of(m) in SETTINGS_AS_PARAMETER))
def test_stages_take_their_settings_as_a_parameter(module: str) -> None:
    tree = ast.parse(modules()[module].read_text(encoding="utf-8"))
    named = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    named |= {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
    assert "get_settings" not in named, f"{module} reads the process settings itself: take `settings` as a parameter"
