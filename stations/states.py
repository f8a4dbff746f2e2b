"""Machine states: the one list of them. One timeline per machine, mutually exclusive, summing to
calendar time; every KPI, table, figure and label reads the names from here.

SEMI E10 mapping (docs/engine.md): working = productive; setup = engineering/standby (changeover);
starved, blocked, waiting_batch = standby; down = unscheduled down; off_shift = non-scheduled
(planned maintenance windows count as off_shift too).
"""

from __future__ import annotations

WORKING, SETUP, STARVED, BLOCKED, DOWN, OFF_SHIFT, WAITING_BATCH = range(7)
STATE_NAMES = ("working", "setup", "starved", "blocked", "down", "off_shift", "waiting_batch")
"""State names by index: the keys of every `states` mapping in the results."""

IS_IDLE = (False, False, True, True, False, True, True)
"""Roser's active period method: a machine is active unless it waits for work or for room
downstream. Off-shift time is not active either (the method excludes it from the analysis)."""
