"""The compiled station modules (issue 15): used only while built from the source on disk, and held to
the same numbers as plain Python (the pinned results, computed again with the compiled modules off)."""

from __future__ import annotations

import hashlib
import importlib
import importlib.machinery
import json
import os
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


def test_a_module_is_used_compiled_only_while_its_source_has_the_recorded_hash(tmp_path):
    package, folder = tmp_path / "stations", tmp_path / "stations" / "_native"
    folder.mkdir(parents=True)
    other_python = SUFFIX.replace(f"{sys.version_info.major}{sys.version_info.minor}", "399")
    files = {"fresh": f"fresh{SUFFIX}", "edited": f"edited{SUFFIX}", "unbuilt": f"unbuilt{SUFFIX}",
             "foreign": f"foreign{other_python}", "bare": "bare.so"}
    for name, file in files.items():
        (package / f"{name}.py").write_text(f"X = '{name}'\n")
        if name != "unbuilt":
            (folder / file).write_bytes(b"")
    manifest = {f"stations.{n}": {"file": f, "source_sha256": _sha(package / f"{n}.py")} for n, f in files.items()}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    (package / "edited.py").write_text("X = 'edited since the build'\n")
    assert native.usable(folder, package) == {"stations.fresh": (folder / f"fresh{SUFFIX}", package / "fresh.py")}
    (folder / "manifest.json").write_text("{not json")
    assert native.usable(folder, package) == {}


def test_a_compiled_file_this_interpreter_cannot_load_falls_back_to_its_source(tmp_path, monkeypatch):
    source, built = tmp_path / "probe_native_fallback.py", tmp_path / f"probe_native_fallback{SUFFIX}"
    source.write_text("X = 'from the source'\n")
    built.write_bytes(b"not machine code")  # a truncated or foreign build
    monkeypatch.setattr(sys, "meta_path", [native.CompiledFinder({"probe_native_fallback": (built, source)}),
                                           *sys.meta_path])
    module = importlib.import_module("probe_native_fallback")
    try:
        assert module.X == "from the source" and module.__file__ == str(source)
        assert not isinstance(module.__loader__, importlib.machinery.ExtensionFileLoader)
    finally:
        sys.modules.pop("probe_native_fallback", None)


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
