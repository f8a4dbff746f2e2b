"""A live dashboard in a subprocess and Debian's Chromium driven by Playwright: the one setup shared
by the browser tests (tests/e2e) and docs/make_screenshots.py, so the screenshots show exactly what
the tests check. Playwright is imported only when a browser is asked for; the server is the real
`dashboard` command, so what runs is what a user runs.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Optional

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


def free_port() -> int:
    """A port nobody listens on now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def live_server(db: Path, scenarios_dir: Path, port: Optional[int] = None, timeout_s: float = 30.0,
                cwd: Optional[Path] = None) -> Iterator[str]:
    """`python -m dashboard.serve` on 127.0.0.1 and a free port; yields its base URL once it answers.
    Stopped (with the runs it started) when the block ends. Relative paths are from `cwd`."""
    port = port or free_port()
    log = tempfile.NamedTemporaryFile("w+", prefix="dashboard-server-", suffix=".log", delete=False)
    process = subprocess.Popen(
        [sys.executable, "-m", "dashboard.serve", "--host", "127.0.0.1", "--port", str(port), "--db", str(db),
         "--scenarios", str(scenarios_dir)], stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=cwd,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, Path(log.name), timeout_s)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        Path(log.name).unlink(missing_ok=True)


def _wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the dashboard server exited with code {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url + "/", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise RuntimeError(f"the dashboard server did not answer at {url} within {timeout_s} s:\n{log.read_text()}")


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium (Debian's, at CHROMIUM) as a Playwright Browser."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
