"""The public surface: every public module declares a correct ``__all__``, and importing
``lyra`` stays cheap (no Rust extension, NumPy, adapter or Redis import)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess
import sys
import types

import pytest

import lyra


def _public_modules() -> list[str]:
    names = ["lyra"]
    for info in pkgutil.walk_packages(lyra.__path__, prefix="lyra."):
        parts = info.name.split(".")
        if any(p.startswith("_") for p in parts[1:]):
            continue
        names.append(info.name)
    return sorted(names)


PUBLIC_MODULES = _public_modules()


def test_the_expected_modules_are_public() -> None:
    for required in ("lyra.errors", "lyra.model", "lyra.clock", "lyra.bus", "lyra.book"):
        assert required in PUBLIC_MODULES


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_module_all_is_an_exact_sorted_tuple(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    assert isinstance(exported, tuple), f"{name}.__all__ must be a tuple"
    assert len(set(exported)) == len(exported), f"{name}.__all__ has duplicates"
    for attr in exported:
        assert hasattr(module, attr), f"{name}.__all__ names {attr!r}, which does not exist"
    # every public class/function *defined* in the module is exported
    defined = {
        attr
        for attr, value in vars(module).items()
        if not attr.startswith("_")
        and (inspect.isclass(value) or inspect.isfunction(value))
        and getattr(value, "__module__", None) == name
    }
    missing = defined - set(exported)
    assert not missing, f"{name} defines public names missing from __all__: {sorted(missing)}"


@pytest.mark.parametrize("name", [n for n in PUBLIC_MODULES if n.count(".") == 1])
def test_subpackage_exports_have_docstrings(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__doc__, f"{name} has no module docstring"
    for attr in module.__all__:
        value = getattr(module, attr)
        if isinstance(value, (type, types.FunctionType)):
            assert value.__doc__, f"{name}.{attr} has no docstring"


def test_importing_lyra_is_cheap() -> None:
    code = (
        "import sys, lyra, lyra.model, lyra.clock, lyra.bus, lyra.errors;"
        "heavy = [m for m in ('lyra._native', 'numpy', 'redis', 'aiohttp', 'websockets',"
        " 'lyra.adapters.binance') if m in sys.modules];"
        "print(','.join(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "", f"importing the core pulled in: {out}"


def test_py_typed_marker_ships() -> None:
    from importlib.resources import files

    assert files("lyra").joinpath("py.typed").is_file()
