"""The `dashboard` command (registered in the twin CLI as `twin dashboard`): serve the dashboard
on one host and port. Runs started from the page are subprocesses of this server; stopping the
server stops them, and each keeps its finished replications (status 'interrupted')."""

from __future__ import annotations

import logging
import signal
import sys

import click

from twin.store.database import DEFAULT_PATH as DEFAULT_DB  # the constant only: the app is imported when the command runs


@click.command("dashboard")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Only loopback (127.0.0.1, ::1, localhost) unless --allow-remote.")
@click.option("--allow-remote", is_flag=True,
              help="Allow a --host other than loopback. The dashboard has no login: anyone who reaches it can "
                   "start runs and write scenario files.")
@click.option("--port", type=click.IntRange(1, 65535), default=8050, show_default=True, help="Port to listen on.")
@click.option("--db", envvar="TWIN_DB", default=DEFAULT_DB, show_default=True, metavar="PATH",
              help="Results database (SQLite file). [env: TWIN_DB]")
@click.option("--scenarios", "scenarios_dir", default="scenarios", show_default=True, metavar="DIR",
              type=click.Path(file_okay=False), help="Directory of scenario files; what-ifs are saved here.")
@click.option("--debug", is_flag=True, help="Dash debug mode (reloader and in-page error reports).")
def dashboard_command(host: str, port: int, db: str, scenarios_dir: str, debug: bool, allow_remote: bool) -> None:
    """Open the dashboard in a browser: scenarios, what-if runs, results, comparisons, sweeps."""
    if not is_loopback(host):
        if not allow_remote:
            raise click.UsageError(f"--host {host} would make the dashboard reachable from other machines, and it "
                                   "has no login (anyone could start runs and write files); give --allow-remote "
                                   "to do it anyway")
        click.echo(f"WARNING: serving on {host} to other machines with no authentication: anyone who can reach "
                   "this port can start runs and write scenario files.", err=True)
        if debug:
            raise click.UsageError("--debug runs code sent from the page: never with --allow-remote")
    from dashboard.app import create_app
    from dashboard.jobs import JobManager

    jobs = JobManager(db)
    app = create_app(db, scenarios_dir, jobs=jobs)
    if not debug:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per poll request
    click.echo(f"dashboard on http://{host}:{port}/  (results {db}, scenarios {scenarios_dir}; Ctrl-C stops)", err=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # a plain `kill` also stops the runs it started
    try:
        app.run(host=host, port=port, debug=debug)
    finally:
        jobs.stop_all()


def is_loopback(host: str) -> bool:
    """True for an address only this machine can reach (127.0.0.0/8, ::1, 'localhost')."""
    import ipaddress

    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


if __name__ == "__main__":  # pragma: no cover
    dashboard_command()
