"""Regenerate the dashboard screenshots in docs/ (referenced from the README).

    python docs/make_screenshots.py            # several minutes on two cores

First photographs the home page over an empty database (the first-run offer). Then runs the
cylindrical line (scenarios/cylindrical_line.yaml, fewer replications) with the real
`twin` commands into a temporary results database: the line as it is, a what-if with a second
winder (paired, same seed) with its improvement ranking (`twin bottleneck`), a sweep of the
formation racks and a two-field sweep (a heatmap); then serves the dashboard over it and
photographs each page with the same Playwright + Chromium set-up as the browser tests
(dashboard.live). Nothing in the repository changes except the PNGs.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from dashboard import form
from dashboard.live import CHROMIUM, chromium, live_server
from twin.spec.yaml_io import load_scenario
from twin.experiments.sweep import apply_overrides

REPO = Path(__file__).resolve().parents[1]
LINE = "cylindrical_line.yaml"
VIEWPORT = {"width": 1440, "height": 900}


def twin(*arguments: str) -> None:
    print("twin", " ".join(arguments), file=sys.stderr)
    subprocess.run([sys.executable, "-m", "twin.cli.main", *arguments], check=True, stdout=subprocess.DEVNULL)


def populate(db: Path, scenarios: Path) -> dict[str, int]:
    """Store the runs the pages show; returns their ids."""
    line = load_scenario(scenarios / LINE)
    whatif = apply_overrides(line, {"stations.winding.machines": 2})
    whatif = form.as_whatif(whatif, "cylindrical-line, two winders", line.name, ["winding machines: 1 -> 2"])
    whatif_path = scenarios / "two_winders.yaml"
    overlay = form.whatif_overlay(form.base_data(line), form.base_data(whatif))  # a small `base:` file
    whatif_path.write_text(form.whatif_file(LINE, whatif, overlay, ["What-if made by docs/make_screenshots.py"]),
                           encoding="utf-8")
    common = ["--db", str(db), "--workers", "2", "--replications", "5"]
    twin("compare", str(scenarios / LINE), str(whatif_path), *common)  # runs 1 (base) and 2 (what-if)
    twin("sweep", str(scenarios / LINE), "--set", "stations.formation.machines=60,65,70,75,80,90", "--db", str(db),
         "--workers", "2", "--replications", "3")
    twin("bottleneck", "--run", "2", "--top", "3", "--workers", "2", "--db", str(db))
    twin("sweep", str(scenarios / LINE), "--set", "stations.formation.machines=60,90", "--set",
         "stations.winding.machines=1,2", "--db", str(db), "--workers", "2", "--replications", "3")
    return {"base": 1, "whatif": 2}


def settle(page) -> None:
    """Wait until every graph on the page has drawn."""
    page.wait_for_load_state("networkidle")
    graphs = page.locator("[data-graph]")
    for index in range(graphs.count()):
        graphs.nth(index).locator(".main-svg").first.wait_for()
    page.wait_for_timeout(800)


def photograph(url: str, runs: dict[str, int], out: Path) -> list[Path]:
    shots: list[Path] = []
    with chromium() as browser:
        page = browser.new_page(viewport=VIEWPORT, device_scale_factor=1)
        page.set_default_timeout(120_000)

        def shot(path: str, name: str, full_page: bool = True, down_to: str = "") -> None:
            """The page (`down_to`: only as far as the bottom of that element)."""
            page.goto(url + path)
            settle(page)
            target = out / name
            if down_to:
                box = page.locator(down_to).bounding_box()
                page.screenshot(path=str(target), full_page=True,
                                clip={"x": 0, "y": 0, "width": VIEWPORT["width"], "height": box["y"] + box["height"] + 16})
            else:
                page.screenshot(path=str(target), full_page=full_page)
            shots.append(target)

        shot("/", "dashboard-home.png", full_page=False)
        page.set_viewport_size({"width": 1024, "height": 900})
        shot("/", "dashboard-home-1024.png", full_page=False)
        page.set_viewport_size(VIEWPORT)
        shot(f"/runs/{runs['whatif']}", "dashboard-results.png", down_to='[data-table="improvements"]')
        shot(f"/compare?runs={runs['base']},{runs['whatif']}", "dashboard-compare.png")
        shot("/sweep", "dashboard-sweep-heatmap.png")  # the newest sweep: two fields, a heatmap
        page.locator(".picker-row button.dash-dropdown").first.click()  # the one-field sweep: its line chart
        page.get_by_role("option", name=re.compile(r"formation machines \(6 points")).click()
        page.wait_for_url(re.compile(r"group="))
        settle(page)
        page.keyboard.press("Escape")  # the picker's list closed
        page.get_by_text("Start a sweep", exact=True).click()  # and the form that starts one, open
        page.wait_for_timeout(500)
        target = out / "dashboard-sweep.png"
        page.screenshot(path=str(target), full_page=True)
        shots.append(target)
        shot("/runs", "dashboard-runs.png", full_page=False)

        # the form: an edit, a run in progress, and a bad value with its message
        page.goto(url + f"/scenarios?file={LINE}")
        settle(page)
        machines = page.locator('input[name="formation.machines"]')
        machines.fill("75")
        machines.press("Tab")
        page.locator(".changes").wait_for()
        page.get_by_role("button", name="Run", exact=True).click()
        page.locator(".job progress").wait_for()
        page.get_by_text("1 of", exact=False).wait_for()
        bad = page.locator('input[name="filling.yield"]')
        bad.fill("1.2")
        bad.blur()
        page.locator(".field-error", has_text="less than or equal to 1").wait_for()
        page.wait_for_timeout(500)
        target = out / "dashboard-scenarios.png"
        page.screenshot(path=str(target), full_page=True)
        shots.append(target)
    return shots


def photograph_empty(out: Path, scenarios: Path, root: Path) -> Path:
    """The home page over an empty database: the first-run offer with its estimate."""
    target = out / "dashboard-home-empty.png"
    with live_server(Path("empty.sqlite"), Path(scenarios.name), cwd=root) as url, chromium() as browser:
        page = browser.new_page(viewport=VIEWPORT, device_scale_factor=1)
        page.goto(url + "/")
        settle(page)
        page.screenshot(path=str(target))
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs", help="where the PNGs go (default: docs/)")
    arguments = parser.parse_args()
    if not CHROMIUM.exists():
        sys.exit(f"needs Debian's Chromium at {CHROMIUM} (apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="twin-screenshots-") as temporary:
        root = Path(temporary)
        scenarios = root / "scenarios"
        shutil.copytree(REPO / "scenarios", scenarios)
        db = root / "results.sqlite"
        arguments.out.mkdir(parents=True, exist_ok=True)
        print(f"wrote {photograph_empty(arguments.out, scenarios, root)}", file=sys.stderr)
        runs = populate(db, scenarios)
        with live_server(Path(db.name), Path(scenarios.name), cwd=root) as url:  # the header shows short names
            for path in photograph(url, runs, arguments.out):
                print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
