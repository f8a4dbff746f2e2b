"""The Dash dashboard of the twin: create_app() builds it over a results database and a scenarios
directory; `twin dashboard` (dashboard.serve.dashboard_command) serves it."""
