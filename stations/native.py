"""The compiled station modules (issue 15), used only while they match the sources on disk.

`pip install -e .` compiles stations/*.py with Cython into stations/_native/ (see setup.py) and
records the hash of each source and of its declarations (`.pxd`). `install()` (run by the package's
__init__, before any station module is imported) puts a finder first on the import path and imports
`stations.machine` and the rest from those files, all of them or none, and only while every source
and declaration still has its recorded hash: after an edit the package runs as the Python it now is.
TWIN_PURE_PYTHON=1 turns the compiled modules off altogether (the tests run the pinned results that
way too, so both builds are held to the same numbers).
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import json
import os
import sys
from importlib.machinery import ModuleSpec
from pathlib import Path
from typing import Optional, Sequence

PURE_PYTHON_ENV = "TWIN_PURE_PYTHON"
PACKAGE = Path(__file__).resolve().parent
NATIVE = PACKAGE / "_native"
THIS_INTERPRETER = importlib.machinery.EXTENSION_SUFFIXES[0]  # e.g. .cpython-311-x86_64-linux-gnu.so


NOT_COMPILED = ("__init__", "native")  # the package itself and this loader stay Python


def file_sha256(path: Path) -> Optional[str]:
    """The SHA-256 of a file's bytes, None when there is no such file (a module without a .pxd)."""
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def usable(folder: Path = NATIVE, package: Path = PACKAGE) -> dict[str, tuple[Path, Path]]:
    """Module name -> (compiled file, source) for every station module, or nothing.

    The compiled modules share their classes' C layouts (a `.pxd` beside a module declares them, and a
    module that subclasses another's class reads them at import), so they are used together or not at
    all: only when `folder`'s manifest lists every module of `package`, each built for this interpreter
    (its own extension suffix, not a bare `.so`) from the source and declarations now on disk. One
    edited module runs the whole package as plain Python until the next build."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError):
        return {}
    found: dict[str, tuple[Path, Path]] = {}
    for source in sorted(package.glob("*.py")):
        if source.stem in NOT_COMPILED:
            continue
        try:
            entry = manifest[f"{package.name}.{source.stem}"]
            built = folder / entry["file"]
            if not (built.exists() and built.name.endswith(THIS_INTERPRETER)
                    and file_sha256(source) == entry["source_sha256"]
                    and file_sha256(source.with_suffix(".pxd")) == entry.get("declarations_sha256")):
                return {}
        except (OSError, KeyError, TypeError, AttributeError):
            return {}
        found[f"{package.name}.{source.stem}"] = (built, source)
    return found


class CompiledFinder:
    """Finds the station modules that have a usable compiled build (the others: the usual finders)."""

    def __init__(self, modules: dict[str, tuple[Path, Path]]) -> None:
        self.modules = modules

    def find_spec(self, fullname: str, path: Optional[Sequence[str]] = None, target: object = None
                  ) -> Optional[ModuleSpec]:
        if fullname not in self.modules:
            return None
        built, _ = self.modules[fullname]
        return importlib.util.spec_from_file_location(
            fullname, built, loader=importlib.machinery.ExtensionFileLoader(fullname, str(built)))


def pure_python() -> bool:
    """TWIN_PURE_PYTHON is set (to anything but 0): the compiled modules are not used."""
    return os.environ.get(PURE_PYTHON_ENV, "") not in ("", "0")


def install(folder: Path = NATIVE, package: Path = PACKAGE) -> None:
    """Import every station module from its compiled build, now and together, or none of them.

    They share their classes' C layouts, so a module that cannot be loaded compiled (a truncated or
    foreign file) while the others are would leave compiled code reading the fields of a Python
    object: the package then runs wholly as Python, and importing `stations` never fails because of
    a build."""
    if pure_python():
        return
    modules = usable(folder, package)
    if not modules or any(isinstance(finder, CompiledFinder) and finder.modules.keys() & modules.keys()
                          for finder in sys.meta_path):
        return
    finder = CompiledFinder(modules)
    sys.meta_path.insert(0, finder)
    try:
        for name in modules:
            importlib.import_module(name)
    except Exception:  # noqa: BLE001 - any failure to load one: the whole package as Python
        sys.meta_path.remove(finder)
        parent = sys.modules.get(package.name)
        for name in modules:
            sys.modules.pop(name, None)
            if parent is not None and hasattr(parent, name.rsplit(".", 1)[1]):
                delattr(parent, name.rsplit(".", 1)[1])


def compiled_in_use() -> list[str]:
    """The station modules imported so far that run compiled."""
    return sorted(name for name, module in list(sys.modules.items())
                  if name.startswith(f"{PACKAGE.name}.") and isinstance(getattr(module, "__loader__", None),
                                                                 importlib.machinery.ExtensionFileLoader))
