"""The `twin` command: run, validate and describe scenarios.

Every user error (a bad file, a bad option) ends with a message and exit code 2, never a
traceback; results go to stdout only when complete.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import click
from rich.console import Console

from twin.scenario import Scenario, load_scenario
from twin.yaml_io import ScenarioError

USER_ERROR = 2


def _fail(messages: list[str]) -> None:
    for message in messages:
        click.echo(f"error: {message}", err=True)
    sys.exit(USER_ERROR)


def _load(path: str) -> Scenario:
    try:
        return load_scenario(Path(path))
    except ScenarioError as exc:
        _fail(exc.messages)
        raise  # unreachable


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="coventry-line-twin")
def main() -> None:
    """Digital twin of lithium-ion cell production lines (discrete-event simulation)."""


@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--replications", "-r", type=click.IntRange(min=1), help="Override the file's replications.")
@click.option("--seed", type=click.IntRange(min=0), help="Override the file's root seed.")
@click.option("--workers", "-w", type=click.IntRange(min=1), default=1, show_default=True,
              help="Processes running replications in parallel.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON document on stdout.")
def run(file: str, replications: Optional[int], seed: Optional[int], workers: int, as_json: bool) -> None:
    """Simulate the scenario FILE and report KPIs with 95% confidence intervals."""
    from twin.experiments import run_experiment

    scenario = _load(file)
    total = replications or scenario.run.replications
    err = Console(stderr=True)
    try:
        if as_json or not err.is_terminal:
            result = run_experiment(scenario, replications, seed, workers)
        else:
            with err.status(f"simulating {scenario.name}: 0/{total} replications") as status:
                done = [0]

                def tick(_):
                    done[0] += 1
                    status.update(f"simulating {scenario.name}: {done[0]}/{total} replications")

                result = run_experiment(scenario, replications, seed, workers, on_done=tick)
    except KeyboardInterrupt:
        click.echo("interrupted: no result written", err=True)
        sys.exit(130)
    if as_json:
        click.echo(result.model_dump_json(indent=2))
    else:
        from twin.report import print_report

        print_report(result, Console(width=max(120, Console().width)))


@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
def validate(file: str) -> None:
    """Check the scenario FILE without running it."""
    scenario = _load(file)
    click.echo(
        f"{file}: valid scenario {scenario.name!r} ({len(scenario.stations)} stations, "
        f"{len(scenario.sources)} sources, hash {scenario.content_hash()})"
    )


@main.command()
def schema() -> None:
    """Print the scenario file's JSON schema, every field described."""
    click.echo(json.dumps(Scenario.model_json_schema(by_alias=True), indent=2))


if __name__ == "__main__":  # pragma: no cover
    main()
