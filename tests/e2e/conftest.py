"""A live dashboard (the real `dashboard` command on a free 127.0.0.1 port, a temporary results
database, a temporary scenarios directory holding fast_line.yaml) and Debian's Chromium driven by
Playwright. Every page records its console messages and uncaught errors so each test can assert
there were none. Skipped, with the reason, only when /usr/bin/chromium is missing (.ci/run
installs it)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Iterator

import pytest

from dashboard.live import CHROMIUM, chromium, live_server

FAST_LINE = Path(__file__).parent / "fast_line.yaml"

if not CHROMIUM.exists():
    pytest.skip(f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)",
                allow_module_level=True)


@pytest.fixture(scope="module")
def dashboard_url(tmp_path_factory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("live")
    scenarios = root / "scenarios"
    scenarios.mkdir()
    shutil.copy(FAST_LINE, scenarios / "fast_line.yaml")
    with live_server(root / "results.sqlite", scenarios) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


class Console:
    """Console messages and uncaught page errors of one page."""

    def __init__(self, page: Any) -> None:
        self.messages: list[tuple[str, str]] = []
        page.on("console", lambda message: self.messages.append((message.type, message.text)))
        page.on("pageerror", lambda error: self.messages.append(("pageerror", str(error))))

    @property
    def errors(self) -> list[tuple[str, str]]:
        return [(kind, text) for kind, text in self.messages if kind in ("error", "pageerror")]


@pytest.fixture
def page(browser, dashboard_url) -> Iterator[Any]:
    context = browser.new_context(base_url=dashboard_url, viewport={"width": 1440, "height": 900})
    context.set_default_timeout(20_000)
    opened = context.new_page()
    opened.console = Console(opened)
    yield opened
    context.close()
