"""The Coventry line twin: discrete-event simulation of lithium-ion cell production lines."""

__version__ = "0.1.0"
