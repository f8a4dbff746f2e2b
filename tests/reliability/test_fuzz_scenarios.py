"""A fuzzer over the shipped scenario files (issue 13): any mutation of any file in scenarios/ gives
`twin validate` exit 0 or a clean exit 2 (an `error:` line, no traceback), and a file that
validates also runs (`twin run`, shortened to a few simulated hours so 500 examples take minutes)
to exit 0 or a clean exit 2. A traceback or a run longer than HANG_S fails the test with the input.

Mutations work on the parsed tree (replace a value by a hostile one, drop a key, add an unknown
key, duplicate or empty a list, point a reference at nothing or at itself) and on the text (cut it,
insert a character, repeat a line). FUZZ_EXAMPLES sets the number of examples (default 500).
"""

from __future__ import annotations

import copy
import os
import shutil
import signal
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from twin.cli.main import main

pytestmark = pytest.mark.slow  # hypothesis searches: CI runs them, the fast loop (-m "not slow") does not

SCENARIOS = Path(__file__).parents[2] / "scenarios"
FILES = sorted(p.name for p in SCENARIOS.glob("*.yaml"))
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "500"))
HANG_S = 60
RUN_OVERRIDE = {"length": "3 h", "warmup": "30 min", "replications": 2}

HOSTILE: list[Any] = [
    0, 1, -1, 2, 0.0, -0.5, 0.5, 1.5, 1e-300, 1e300, -1e300, float("inf"), float("-inf"), float("nan"),
    True, False, None, "", " ", "0 s", "-1 s", "1e-9 s", "1e300 s", "1e12 h", "1 ms", "nan s", "inf h", "abc",
    "exit", "auto", "saturated", "lognormal", [], [1, 2], {}, {"dist": "exponential"}, {"dist": "weibull"},
    2**63, 2**64, -(2**63), 10**20, 10**6, "x\nbase: /etc/passwd #", "\x00", "é" * 300, [[[[[]]]]],
    {"dist": "constant", "value": "0 s"}, {"dist": "exponential", "mean": "0 s"},
    {"dist": "empirical", "values": []}, {"dist": "triangular", "low": "1 s", "mode": "0 s", "high": "1 s"},
]


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every key path in the tree (the root excluded)."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            found.append(prefix + (key,))
            found.extend(_paths(value, prefix + (key,)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.append(prefix + (index,))
            found.extend(_paths(value, prefix + (index,)))
    return found


def _parent(tree: Any, path: tuple) -> Any:
    for part in path[:-1]:
        tree = tree[part]
    return tree


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, str]:
    """(file name, mutated YAML text)."""
    name = draw(st.sampled_from(FILES))
    text = (SCENARIOS / name).read_text(encoding="utf-8")
    tree = yaml.safe_load(text)
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(tree)
        path = draw(st.sampled_from(paths))
        parent, key = _parent(tree, path), path[-1]
        action = draw(st.sampled_from(["replace", "replace", "replace", "drop", "unknown", "duplicate", "reference",
                                       "scale"]))
        if action == "replace":
            parent[key] = copy.deepcopy(draw(st.sampled_from(HOSTILE)))
        elif action == "drop":
            del parent[key]
        elif action == "unknown" and isinstance(parent[key], dict):
            parent[key][draw(st.sampled_from(["extra", "machnies", "yeild", "base", "every"]))] = 1
        elif action == "duplicate" and isinstance(parent[key], list) and parent[key]:
            parent[key].append(copy.deepcopy(parent[key][0]))
        elif action == "reference" and isinstance(parent[key], dict):
            names = [s.get("name") for s in tree.get("stations", []) if isinstance(s, dict)] + ["ghost", "exit"]
            field = draw(st.sampled_from(["next", "to", "name"]))
            parent[key][field] = draw(st.sampled_from(names))
        elif action == "scale" and isinstance(parent[key], (int, float)) and not isinstance(parent[key], bool):
            parent[key] = parent[key] * draw(st.sampled_from([0, -1, 1000, 1e-6, 1e9]))
    out = yaml.safe_dump(tree, sort_keys=False, allow_unicode=True)
    edit = draw(st.sampled_from(["none", "none", "none", "cut", "insert", "repeat"]))
    if edit == "cut":
        out = out[: draw(st.integers(0, len(out)))]
    elif edit == "insert":
        at = draw(st.integers(0, len(out)))
        out = out[:at] + draw(st.sampled_from(["\t", ":", "- ", "&a ", "*a", "{", "]", "\n  ", "!!python/object:x "])) + out[at:]
    elif edit == "repeat":
        lines = out.splitlines(keepends=True)
        at = draw(st.integers(0, max(0, len(lines) - 1)))
        out = "".join(lines[: at + 1] + lines[at: at + 1] + lines[at + 1:])
    return name, out


class Hang(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise Hang


def _invoke(arguments: list[str]) -> Any:
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(HANG_S)
    try:
        return CliRunner().invoke(main, arguments)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _check(result: Any, arguments: list[str], text: str) -> None:
    if isinstance(result.exception, Hang):
        pytest.fail(f"twin {' '.join(arguments)} ran longer than {HANG_S} s on:\n{text}")
    if result.exit_code not in (0, 2) or (result.exception is not None and not isinstance(result.exception, SystemExit)):
        pytest.fail(f"twin {' '.join(arguments)} exited {result.exit_code} with {result.exception!r} on:\n{text}\n"
                    f"output:\n{result.output}")
    assert "Traceback" not in result.output, result.output
    if result.exit_code == 2:
        assert result.output.strip(), "an error exit prints what is wrong"


@pytest.mark.slow
@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(case=mutated())
def test_no_mutation_of_a_shipped_scenario_gives_a_traceback_or_a_hang(case, tmp_path_factory):
    name, text = case
    folder = tmp_path_factory.mktemp("fuzz")
    for other in FILES:  # what-ifs name their base: keep the bases beside them
        shutil.copy(SCENARIOS / other, folder / other)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    validated = _invoke(["validate", str(path)])
    _check(validated, ["validate", name], text)
    event(f"validate exit {validated.exit_code}")
    if validated.exit_code != 0:
        return
    tree = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # as twin reads it: libyaml
    tree["run"] = {**(tree.get("run") or {}), **RUN_OVERRIDE} if isinstance(tree.get("run"), dict) or "base" in tree \
        else tree.get("run")
    path.write_text(yaml.safe_dump(tree, sort_keys=False), encoding="utf-8")
    ran = _invoke(["run", str(path), "--no-store", "--json"])
    _check(ran, ["run", name], text)
    event(f"run exit {ran.exit_code}")
