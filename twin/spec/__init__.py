"""Spec layer: what a scenario says (pydantic models, YAML loading with located errors, units,
distributions) and the random streams it is drawn from. Inert: no SimPy, and nothing above it."""
