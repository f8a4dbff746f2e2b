"""The `twin` command (thin: parse, call, print). `python -m twin.cli` runs it."""
