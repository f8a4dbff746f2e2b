"""Power, money and rates written with their units, parsed once at the edge (like twin.spec.units for time).

Energy and cost fields of a scenario or plant file carry their unit in the YAML ("45 kW", "2.4 M GBP",
"0.25 GBP/kWh", "35 GBP/h"); inside the twin power is kW, money GBP, rates GBP per kWh or per hour.
A bare number is refused so that "45" is never silently read as watts or kilowatts.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Callable

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

KW_PER_UNIT: dict[str, float] = {"W": 1e-3, "kW": 1.0, "MW": 1e3}
GBP_SCALE: dict[str, float] = {"": 1.0, "k": 1e3, "M": 1e6}

_NUMBER = r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"
_POWER = re.compile(rf"^\s*{_NUMBER}\s*([a-zA-Z]+)\s*$")
_MONEY = re.compile(rf"^\s*{_NUMBER}\s*(k|M)?\s*GBP\s*(/\s*(?:kWh|h))?\s*$")


def _finite(value: float, text: str) -> float:
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{text!r} must be a finite amount, at least 0")
    return value


def parse_power_kw(text: object) -> float:
    """kW in a power string such as '45 kW', '500 W' or '1.2 MW'."""
    if isinstance(text, bool) or not isinstance(text, str):
        raise ValueError(f"a power needs a unit, for example '45 kW' or '500 W' (got {text!r})")
    match = _POWER.match(text)
    if not match or match.group(2) not in KW_PER_UNIT:
        raise ValueError(f"{text!r} is not a power: write a number and W, kW or MW, for example '45 kW'")
    return _finite(float(match.group(1)) * KW_PER_UNIT[match.group(2)], text)


def _money_parser(per: str) -> Callable[[object], float]:
    unit = f"GBP{per}"

    def parse(text: object) -> float:
        if isinstance(text, bool) or not isinstance(text, str):
            raise ValueError(f"an amount needs its unit, for example '1.10 {unit}' (got {text!r})")
        match = _MONEY.match(text)
        if not match or (match.group(3) or "").replace(" ", "") != per:
            raise ValueError(f"{text!r} is not an amount in {unit}: write for example '2.4 M {unit}' or '1.10 {unit}'")
        return _finite(float(match.group(1)) * GBP_SCALE[match.group(2) or ""], text)

    return parse


def format_power_kw(kw: float) -> str:
    return f"{kw!r} kW"


def _money_writer(per: str) -> Callable[[float], str]:
    return lambda gbp: f"{float(gbp)!r} GBP{per}"


PowerKW = Annotated[float, BeforeValidator(parse_power_kw), PlainSerializer(format_power_kw, return_type=str),
                    WithJsonSchema({"type": "string", "examples": ["45 kW", "500 W", "1.2 MW"]})]
"""A power written with its unit, held as kW."""

MoneyGBP = Annotated[float, BeforeValidator(_money_parser("")), PlainSerializer(_money_writer(""), return_type=str),
                     WithJsonSchema({"type": "string", "examples": ["2.4 M GBP", "1.10 GBP"]})]
"""An amount of money written as 'x GBP' (k and M allowed), held as GBP."""

GBPPerKWh = Annotated[float, BeforeValidator(_money_parser("/kWh")),
                      PlainSerializer(_money_writer("/kWh"), return_type=str),
                      WithJsonSchema({"type": "string", "examples": ["0.25 GBP/kWh"]})]
"""An energy price, held as GBP per kWh."""

GBPPerHour = Annotated[float, BeforeValidator(_money_parser("/h")), PlainSerializer(_money_writer("/h"), return_type=str),
                       WithJsonSchema({"type": "string", "examples": ["35 GBP/h"]})]
"""A labour rate, held as GBP per hour of one person."""
