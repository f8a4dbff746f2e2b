"""`twin dashboard --host` other than loopback is refused unless --allow-remote."""

from click.testing import CliRunner

from dashboard.serve import dashboard_command, is_loopback


def test_a_remote_host_needs_allow_remote():
    out = CliRunner().invoke(dashboard_command, ["--host", "0.0.0.0"])
    assert out.exit_code == 2 and "--allow-remote" in out.output and "Traceback" not in out.output


def test_remote_debug_is_refused_even_when_allowed():
    out = CliRunner().invoke(dashboard_command, ["--host", "0.0.0.0", "--allow-remote", "--debug"])
    assert out.exit_code == 2 and "WARNING" in out.output and "never with --allow-remote" in out.output


def test_loopback_addresses():
    assert all(map(is_loopback, ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"]))
    assert not any(map(is_loopback, ["0.0.0.0", "::", "10.0.0.1", "example.com", ""]))
