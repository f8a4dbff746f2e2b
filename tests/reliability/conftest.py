"""The dashboard fixtures (a stored database of the tiny line) are shared with the injection test."""

from tests.dashboard.conftest import stored  # noqa: F401  (a session fixture reused here)
