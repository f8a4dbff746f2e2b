"""Store layer: the results database (the only code that touches it) and its read model."""
