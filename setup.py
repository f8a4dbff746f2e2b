"""Optional compiled build of the station behaviours (issue 15): Cython compiles stations/*.py, with the
class declarations of stations/*.pxd (each class an extension type whose attributes are C fields).

The modules are built next to the package in stations/_native/ rather than beside their sources, and
stations/native.py loads them only while every source and declaration they were built from is the one
on disk, so after an edit the package runs as the Python it now is (never as stale machine code). When
Cython or a C compiler is missing, or a module fails to build, the install goes on and everything runs
as plain Python: the same numbers (the pinned results are checked both ways), only slower
(docs/benchmarks.md).
"""

from __future__ import annotations

import importlib.util
import json
import time
from pathlib import Path

from setuptools import setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent


def _loader_module():
    """stations/native.py on its own (standard library only), not through the package: importing
    `stations` would load an earlier build's modules. The loader and the build share its rules."""
    spec = importlib.util.spec_from_file_location("_stations_native", HERE / "stations" / "native.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_native = _loader_module()
NATIVE = _native.NATIVE.name  # stations/_native/: the compiled modules and their manifest
BUILT_FROM: dict[str, dict[str, str | None]] = {}
"""Module stem -> SHA-256 of the source and of its declarations (`.pxd`, None without one) as Cython read
them (taken before it reads them: an edit made while the build runs must not be recorded against machine
code made from the text before it)."""


def _sources() -> list[Path]:
    return sorted(p for p in (HERE / "stations").glob("*.py") if p.stem not in _native.NOT_COMPILED)


class BuildNative(build_ext):
    """build_ext that records, beside the modules it built (in the build and, for an editable install,
    in the source tree), the hash of the source each was built from, and nothing else: what an
    earlier build left there and this one did not make is removed, not stamped as current."""

    def run(self) -> None:
        folders = {Path(self.get_ext_fullpath(ext.name)).parent for ext in self.extensions} | {
            HERE / "stations" / NATIVE}
        for folder in folders:
            folder.mkdir(parents=True, exist_ok=True)  # an editable install copies the modules into the tree
            for stale in [folder / "manifest.json", *folder.glob("*.so"), *folder.glob("*.pyd")]:
                stale.unlink(missing_ok=True)
        started = time.time() - 1.0
        super().run()
        for folder in folders:
            _write_manifest(folder, started)


def _write_manifest(folder: Path, started: float) -> None:
    manifest: dict[str, dict[str, str | None]] = {}
    for stem, hashes in BUILT_FROM.items():
        built = [p for p in sorted(folder.glob(f"{stem}.*")) if p.suffix in (".so", ".pyd")
                 and p.stat().st_mtime >= started]
        if built:  # a module that failed to build (optional) has no file: the package runs as Python
            manifest[f"stations.{stem}"] = {"file": built[0].name, **hashes}
    if manifest:
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")


def _extensions() -> list:
    try:
        from Cython.Build import cythonize
    except ImportError:
        return []  # no Cython: plain Python
    from setuptools import Extension

    sources = _sources()
    sha = _native.file_sha256
    BUILT_FROM.update({p.stem: {"source_sha256": sha(p), "declarations_sha256": sha(p.with_suffix(".pxd"))}
                       for p in sources})
    modules = cythonize(
        [Extension(f"stations.{p.stem}", [str(p.relative_to(HERE))]) for p in sources],
        build_dir="build/cython", language_level=3, quiet=True,
        force=True,  # the C files are regenerated each time: a cached one may carry other directives
        # binding=False: methods as plain C functions. annotation_typing=False: annotations stay hints,
        # so a `float` argument is not turned into a C double and every value keeps its Python type
        # (the same numbers and types as plain Python; typing them measured no faster).
        # nonecheck: a typed variable holding None raises as plain Python would (never reads a field of None).
        compiler_directives={"binding": False, "annotation_typing": False, "nonecheck": True},
    )
    for ext in modules:  # built into stations/_native/, under the name the loader looks for
        ext.name = f"stations.{NATIVE}.{ext.name.rsplit('.', 1)[1]}"
        ext.optional = True
        # the C doubles of the monitors' levels must round as Python's floats do: no fused multiply-add
        ext.extra_compile_args = [*ext.extra_compile_args, "-ffp-contract=off"]
    return modules


setup(ext_modules=_extensions(), cmdclass={"build_ext": BuildNative})
