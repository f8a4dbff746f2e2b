"""The compiled station modules (issue 15), used only while they match the sources on disk.

`pip install -e .` compiles stations/*.py with Cython into stations/_native/ (see setup.py) and
records the hash of each source. `install()` (run by the package's __init__, before any station
module is imported) puts a finder first on the import path that loads `stations.machine` and the
rest from those files, but only a module whose source still has the recorded hash: an edited module
runs as the Python it now is. TWIN_PURE_PYTHON=1 turns the compiled modules off altogether (the
tests run the pinned results that way too, so both builds are held to the same numbers).
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


def usable(folder: Path = NATIVE, package: Path = PACKAGE) -> dict[str, Path]:
    """Module name -> compiled file, for the modules in `folder`'s manifest built from the source
    now in `package` and for this interpreter (its extension suffix)."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError):
        return {}
    found: dict[str, Path] = {}
    for name, entry in manifest.items() if isinstance(manifest, dict) else ():
        try:
            built, source = folder / entry["file"], package / f"{name.rsplit('.', 1)[1]}.py"
            if (built.exists() and built.name.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))
                    and hashlib.sha256(source.read_bytes()).hexdigest() == entry["source_sha256"]):
                found[name] = built
        except (OSError, KeyError, TypeError, IndexError):
            continue
    return found


class CompiledFinder:
    """Finds the station modules that have a usable compiled build (the others: the usual finders)."""

    def __init__(self, modules: dict[str, Path]) -> None:
        self.modules = modules

    def find_spec(self, fullname: str, path: Optional[Sequence[str]] = None, target: object = None
                  ) -> Optional[ModuleSpec]:
        built = self.modules.get(fullname)
        if built is None:
            return None
        loader = importlib.machinery.ExtensionFileLoader(fullname, str(built))
        return importlib.util.spec_from_file_location(fullname, built, loader=loader)


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
