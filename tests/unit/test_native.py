"""The compiled station modules (issue 15): used only while built from the source on disk, and held to
the same numbers as plain Python (the pinned results, computed again with the compiled modules off)."""

from __future__ import annotations

import ast
import hashlib
import importlib
import importlib.machinery
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from stations import native

ROOT = Path(__file__).resolve().parents[2]
SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]
HOT = ("stations.base", "stations.machine", "stations.monitors", "stations.processing")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _built_package(tmp_path):
    """A package of two modules (one with declarations) built for this interpreter, and its manifest."""
    package, folder = tmp_path / "stations", tmp_path / "stations" / "_native"
    folder.mkdir(parents=True)
    for name in ("plain", "declared", "__init__", "native"):
        (package / f"{name}.py").write_text(f"X = '{name}'\n")
    (package / "declared.pxd").write_text("cdef class Y:\n    cdef public object y\n")
    manifest = {}
    for name in ("plain", "declared"):
        (folder / f"{name}{SUFFIX}").write_bytes(b"")
        pxd = package / f"{name}.pxd"
        manifest[f"stations.{name}"] = {"file": f"{name}{SUFFIX}", "source_sha256": _sha(package / f"{name}.py"),
                                         "declarations_sha256": _sha(pxd) if pxd.exists() else None}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return package, folder, manifest


def test_the_compiled_modules_are_used_together_and_only_while_built_from_what_is_on_disk(tmp_path):
    """They share their classes' C layouts, so one stale or missing module turns them all off."""
    package, folder, manifest = _built_package(tmp_path)
    both = {f"stations.{n}": (folder / f"{n}{SUFFIX}", package / f"{n}.py") for n in ("plain", "declared")}
    assert native.usable(folder, package) == both
    other_python = SUFFIX.replace(f"{sys.version_info.major}{sys.version_info.minor}", "399")
    for spoil in ("source edited", "declarations edited", "declarations added", "not built", "other python",
                  "bare suffix", "manifest unreadable"):
        package, folder, manifest = _built_package(tmp_path / spoil.replace(" ", "_"))
        if spoil == "source edited":
            (package / "plain.py").write_text("X = 'edited since the build'\n")
        elif spoil == "declarations edited":
            (package / "declared.pxd").write_text("cdef class Y:\n    cdef public object y, z\n")
        elif spoil == "declarations added":
            (package / "plain.pxd").write_text("cdef class Z:\n    pass\n")
        elif spoil == "not built":
            del manifest["stations.plain"]
        elif spoil in ("other python", "bare suffix"):
            name = f"plain{other_python}" if spoil == "other python" else "plain.so"
            (folder / name).write_bytes(b"")
            manifest["stations.plain"]["file"] = name
        if spoil == "manifest unreadable":
            (folder / "manifest.json").write_text("{not json")
        else:
            (folder / "manifest.json").write_text(json.dumps(manifest))
        assert native.usable(folder, package) == {}, spoil


def _declared(pxd: Path) -> dict[str, tuple[str | None, set[str]]]:
    """Class -> (its declared base, its declared attributes), read from a .pxd."""
    classes: dict[str, tuple[str | None, set[str]]] = {}
    current = None
    for line in pxd.read_text().splitlines():
        line = line.split("#", 1)[0].rstrip()  # (a comment after the names leaves spaces)
        found = re.match(r"cdef class (\w+)(?:\((\w+)\))?:", line)
        if found:
            current = found.group(1)
            classes[current] = (found.group(2), set())
        # the names after their type: `object`, a declared class, a C number such as `long long`, or a
        # memoryview of C numbers such as `double[::1]`
        elif current and (field := re.match(r"\s+cdef public (?:(?:unsigned|signed|long|short) )*\w+(?:\[[:\d, ]*\])? (.+)", line)):
            classes[current][1].update(a.strip() for a in field.group(1).split(","))
    return classes


def test_every_attribute_a_compiled_class_sets_is_declared():
    """An undeclared attribute of an extension type without a __dict__ fails only at run time, and one
    stored in its __dict__ is a dictionary lookup again: so every one is declared."""
    declared = {}
    for pxd in (ROOT / "stations").glob("*.pxd"):
        declared.update(_declared(pxd))

    def attributes(name):
        base, own = declared[name]
        return own | (attributes(base) if base else set())

    checked = 0
    for source in (ROOT / "stations").glob("*.py"):
        for node in ast.parse(source.read_text()).body:
            if not (isinstance(node, ast.ClassDef) and node.name in declared):
                continue
            sets = {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Store)
                    and isinstance(n.value, ast.Name) and n.value.id == "self"}
            for item in node.body:
                if isinstance(item, ast.Assign) and any(getattr(t, "id", "") == "__slots__" for t in item.targets):
                    sets |= set(ast.literal_eval(item.value))
            assert sets <= attributes(node.name), (source.name, node.name, sorted(sets - attributes(node.name)))
            checked += 1
    assert checked == len(declared)  # every declared class exists in its module


def test_when_one_compiled_file_cannot_be_loaded_the_whole_package_runs_as_python(tmp_path, monkeypatch):
    """install() imports every module from its build, or none: here neither file is machine code."""
    package, folder = tmp_path / "probe_native_pkg", tmp_path / "probe_native_pkg" / "_native"
    folder.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "first.py").write_text("X = 'first, from the source'\n")
    (package / "second.py").write_text("from probe_native_pkg.first import X\nY = X\n")
    manifest = {}
    for name in ("first", "second"):
        (folder / f"{name}{SUFFIX}").write_bytes(b"not machine code")  # a truncated or foreign build
        manifest[f"probe_native_pkg.{name}"] = {"file": f"{name}{SUFFIX}", "source_sha256": _sha(package / f"{name}.py"),
                                                "declarations_sha256": None}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))
    monkeypatch.delenv(native.PURE_PYTHON_ENV, raising=False)
    try:
        assert set(native.usable(folder, package)) == {"probe_native_pkg.first", "probe_native_pkg.second"}
        native.install(folder, package)
        assert not any(isinstance(finder, native.CompiledFinder) and "probe_native_pkg.first" in finder.modules
                       for finder in sys.meta_path)
        second = importlib.import_module("probe_native_pkg.second")
        assert second.Y == "first, from the source" and second.__file__ == str(package / "second.py")
    finally:
        for name in ("probe_native_pkg", "probe_native_pkg.first", "probe_native_pkg.second"):
            sys.modules.pop(name, None)


@pytest.mark.slow
def test_a_build_with_one_unloadable_module_runs_all_as_python_with_the_same_numbers(tmp_path):
    """The real build with its base module replaced by another module's file (it cannot be loaded as
    `stations.base`): compiled monitors must not read a Python Lot or StationRuntime as their C
    structs (they share layouts), so nothing runs compiled, and the numbers are the pinned ones."""
    built = native.usable()
    if not built:
        pytest.skip("no compiled build here (TWIN_EXPECT_COMPILED checks CI has one)")
    import shutil
    shutil.copytree(ROOT / "stations", tmp_path / "stations")
    native_copy = tmp_path / "stations" / "_native"
    shutil.copyfile(native_copy / built["stations.states"][0].name, native_copy / built["stations.base"][0].name)
    script = (
        "import json\n"
        "from stations import native\n"
        "from tests.pinned.test_pinned_results import HERE, _cases, _results\n"
        "assert _results(_cases()['cylindrical_line']) == json.loads((HERE / 'cylindrical_line.json').read_text())\n"
        "print(json.dumps(native.compiled_in_use()))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != native.PURE_PYTHON_ENV}
    env["PYTHONPATH"] = f"{tmp_path}{os.pathsep}{ROOT}"
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def test_every_station_module_runs_compiled_exactly_when_a_build_of_its_source_exists():
    usable = native.usable()
    for name in [f"stations.{p.stem}" for p in (ROOT / "stations").glob("*.py")
                 if p.stem not in ("__init__", "native")]:
        importlib.import_module(name)
        assert (name in native.compiled_in_use()) == (name in usable and not native.pure_python()), name
    if os.environ.get("TWIN_EXPECT_COMPILED") == "1":  # set by CI, which builds them: a silent fallback fails
        assert set(HOT) <= set(native.compiled_in_use())


@pytest.mark.slow
def test_plain_python_gives_the_pinned_results_value_for_value():
    """The pinned tests run in this process (compiled where built); here the same cases run with the
    compiled modules off, so both builds are held to the same numbers."""
    script = (
        "import json, sys\n"
        "from stations import native\n"
        "from tests.pinned.test_pinned_results import HERE, _cases, _results\n"
        "cases = _cases()\n"
        "for name in ('cylindrical_line', 'power_cell_line', 'mm1', 'tandem'):\n"
        "    assert _results(cases[name]) == json.loads((HERE / f'{name}.json').read_text()), name\n"
        "print(json.dumps(native.compiled_in_use()))\n"
    )
    env = {**os.environ, native.PURE_PYTHON_ENV: "1", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
