"""The layer contracts of pyproject.toml ([tool.importlinter]), checked by import-linter: every
layer imports only the layers below it, there are no import loops, and the dashboard never imports
SimPy or the engine. A new upward import fails here, in CI, with the chain that breaks it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_layers_import_only_downwards():
    checked = subprocess.run(
        [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True))"],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert checked.returncode == 0, checked.stdout[-4000:] + checked.stderr[-2000:]
    assert "0 broken" in checked.stdout
