"""Service layer: what a command or a dashboard job does around an experiment: plan it, run it on
an executor, store each replication as it finishes, report progress as data."""
