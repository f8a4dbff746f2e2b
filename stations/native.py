"""The compiled station modules (issue 15), used only while they match the sources on disk.

`pip install -e .` compiles stations/*.py with Cython into stations/_native/ (see setup.py) and
records the hash of each source and of its declarations (`.pxd`). `install()` (run by the package's
__init__, before any station module is imported) puts a finder first on the import path that loads
`stations.machine` and the rest from those files, but only while every source and declaration still
has its recorded hash: after an edit the package runs as the Python it now is. TWIN_PURE_PYTHON=1
turns the compiled modules off altogether (the tests run the pinned results that way too, so both
builds are held to the same numbers).
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
from types import ModuleType
from typing import Optional, Sequence

PURE_PYTHON_ENV = "TWIN_PURE_PYTHON"
PACKAGE = Path(__file__).resolve().parent
NATIVE = PACKAGE / "_native"
THIS_INTERPRETER = importlib.machinery.EXTENSION_SUFFIXES[0]  # e.g. .cpython-311-x86_64-linux-gnu.so


NOT_COMPILED = ("__init__", "native")  # the package itself and this loader stay Python


def _sha(path: Path) -> Optional[str]:
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
            entry = manifest[f"stations.{source.stem}"]
            built = folder / entry["file"]
            if not (built.exists() and built.name.endswith(THIS_INTERPRETER)
                    and _sha(source) == entry["source_sha256"]
                    and _sha(source.with_suffix(".pxd")) == entry.get("declarations_sha256")):
                return {}
        except (OSError, KeyError, TypeError, AttributeError):
            return {}
        found[f"stations.{source.stem}"] = (built, source)
    return found


class CompiledLoader(importlib.machinery.ExtensionFileLoader):
    """Loads a compiled module, or its source when this interpreter cannot load the file (a truncated
    build, say): importing `stations` never fails because of a build."""

    def __init__(self, fullname: str, built: Path, source: Path) -> None:
        super().__init__(fullname, str(built))
        self.source = source
        self.compiled = True

    def create_module(self, spec: ModuleSpec) -> Optional[ModuleType]:
        try:
            return super().create_module(spec)
        except ImportError:
            self.compiled = False
            return None  # the default module, for the source below

    def exec_module(self, module: ModuleType) -> None:
        if self.compiled:
            super().exec_module(module)
            return
        source = importlib.machinery.SourceFileLoader(self.name, str(self.source))
        module.__file__, module.__loader__ = str(self.source), source
        source.exec_module(module)


class CompiledFinder:
    """Finds the station modules that have a usable compiled build (the others: the usual finders)."""

    def __init__(self, modules: dict[str, tuple[Path, Path]]) -> None:
        self.modules = modules

    def find_spec(self, fullname: str, path: Optional[Sequence[str]] = None, target: object = None
                  ) -> Optional[ModuleSpec]:
        if fullname not in self.modules:
            return None
        built, source = self.modules[fullname]
        return importlib.util.spec_from_file_location(fullname, built, loader=CompiledLoader(fullname, built, source))


def pure_python() -> bool:
    """TWIN_PURE_PYTHON is set (to anything but 0): the compiled modules are not used."""
    return os.environ.get(PURE_PYTHON_ENV, "") not in ("", "0")


def install() -> None:
    """Put the finder for the compiled station modules first on the import path (once)."""
    if pure_python():
        return
    if any(isinstance(finder, CompiledFinder) for finder in sys.meta_path):
        return
    modules = usable()
    if modules:
        sys.meta_path.insert(0, CompiledFinder(modules))


def compiled_in_use() -> list[str]:
    """The station modules imported so far that run compiled."""
    return sorted(name for name, module in list(sys.modules.items())
                  if name.startswith("stations.") and isinstance(getattr(module, "__loader__", None),
                                                                 importlib.machinery.ExtensionFileLoader))
