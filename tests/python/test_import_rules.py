"""Import rules of the Python package that lint-imports (pyproject.toml) cannot see: no
module imports another module's underscore-private names, and no colony._private module
imports the bare package `colony` (whose __init__ pulls in the public API)."""

import ast
import importlib.util
import pathlib

import colony

PACKAGE = pathlib.Path(colony.__file__).parent


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(parts), path, ast.parse(path.read_text(), str(path))


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def test_no_module_imports_private_names_of_another():
    bad = []
    for module, path, tree in _modules():
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
                continue
            if node.module.split(".")[0] != "colony" or node.module == module:
                continue
            for alias in node.names:
                name = alias.name
                if name.startswith("_") and not _is_module(f"{node.module}.{name}"):
                    bad.append(f"{path.name}:{node.lineno}: from {node.module} import {name}")
    assert not bad, "private names imported from another module:\n" + "\n".join(bad)


def test_private_modules_do_not_import_the_package():
    bad = []
    for module, path, tree in _modules():
        if not module.startswith("colony._private"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import) and any(a.name == "colony" for a in node.names):
                bad.append(f"{path.name}:{node.lineno}: import colony")
    assert not bad, "colony._private modules importing the package:\n" + "\n".join(bad)
