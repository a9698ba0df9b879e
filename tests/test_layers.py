"""The Python layers run one way: adapters -> canonical files -> ingest.

The adapters translate vendor exports into canonical files; ingest loads canonical files
and knows nothing of vendors. So no module of orchestration/ingest imports
orchestration.adapters, and no module of orchestration/adapters imports
orchestration.ingest. What both need lives on the ground floor, in modules directly under
orchestration/ (orchestration/text_files.py, sql_text.py, raw_tables.py), which import
neither layer.

The imports are read from the source with `ast`, so an import inside a function, a
`from orchestration import adapters` or a relative import counts too, and nothing is
imported to find them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE_ROOT = Path(__file__).resolve().parents[1] / "orchestration"

#: the modules both layers use, on the ground floor
GROUND_FLOOR = ("text_files.py", "sql_text.py", "raw_tables.py")


def module_name(path: Path, package_root: Path) -> str:
    """orchestration/ingest/loader.py -> orchestration.ingest.loader (a package's
    __init__.py is the package itself)."""
    parts = list(path.relative_to(package_root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, package_root: Path) -> set[str]:
    """Every module `path` imports, as absolute dotted names. `from a import b` yields both
    `a` and `a.b` (b may be a module), and a relative import is resolved against the
    module's own package."""
    own = module_name(path, package_root)
    own_package = own if path.name == "__init__.py" else own.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = own_package.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def imports_of(path: Path, forbidden: str, package_root: Path) -> list[str]:
    """What `path` imports of `forbidden`: the package itself or a module inside it."""
    return sorted(
        name
        for name in imported_modules(path, package_root)
        if name == forbidden or name.startswith(forbidden + ".")
    )


def violations(layer_dir: Path, forbidden: str, package_root: Path) -> list[str]:
    """'module imports name' for every import of `forbidden` by a module under
    `layer_dir`."""
    return [
        f"{module_name(path, package_root)} imports {name}"
        for path in sorted(layer_dir.rglob("*.py"))
        for name in imports_of(path, forbidden, package_root)
    ]


def test_ingest_never_imports_the_adapters() -> None:
    assert violations(PACKAGE_ROOT / "ingest", "orchestration.adapters", PACKAGE_ROOT) == []


def test_the_adapters_never_import_ingest() -> None:
    assert violations(PACKAGE_ROOT / "adapters", "orchestration.ingest", PACKAGE_ROOT) == []


@pytest.mark.parametrize("module", GROUND_FLOOR)
def test_the_ground_floor_imports_neither_layer(module: str) -> None:
    for layer in ("orchestration.adapters", "orchestration.ingest"):
        assert imports_of(PACKAGE_ROOT / module, layer, PACKAGE_ROOT) == []


def test_the_layers_exist_where_the_checks_look() -> None:
    # a moved or renamed package would make the checks above pass on nothing
    for layer, known_module in (("ingest", "loader.py"), ("adapters", "inbox.py")):
        assert (PACKAGE_ROOT / layer / known_module).is_file()
    for module in GROUND_FLOOR:
        assert (PACKAGE_ROOT / module).is_file()


@pytest.mark.parametrize(
    ("source", "file_name"),
    [
        ("from orchestration.adapters.base import AdapterError\n", "loader.py"),
        ("import orchestration.adapters.registry as registry\n", "loader.py"),
        ("from orchestration import adapters\n", "loader.py"),
        ("def later():\n    from orchestration.adapters import inbox\n", "loader.py"),
        ("from ..adapters.toolkit import xlsx_to_csv\n", "loader.py"),
        ("from .. import adapters\n", "__init__.py"),
    ],
)
def test_the_check_finds_each_way_of_importing_the_other_layer(
    tmp_path: Path, source: str, file_name: str
) -> None:
    """The checker on a throwaway copy of the layout, with one forbidden import planted:
    it must name the planted import, so the two layer tests above can fail."""
    package_root = tmp_path / "orchestration"
    layer = package_root / "ingest"
    layer.mkdir(parents=True)
    (package_root / "__init__.py").write_text("")
    (layer / "__init__.py").write_text("")
    (layer / "clean.py").write_text("from orchestration.contract import ENTITIES\n")
    (layer / file_name).write_text(source, encoding="utf-8")
    found = violations(layer, "orchestration.adapters", package_root)
    planted = module_name(layer / file_name, package_root)
    assert found
    assert all(entry.startswith(f"{planted} imports orchestration.adapters") for entry in found)


def test_the_check_leaves_a_like_named_package_alone(tmp_path: Path) -> None:
    # orchestration.adapters_extra is not orchestration.adapters
    package_root = tmp_path / "orchestration"
    layer = package_root / "ingest"
    layer.mkdir(parents=True)
    (layer / "loader.py").write_text("import orchestration.adapters_extra\n")
    assert violations(layer, "orchestration.adapters", package_root) == []
