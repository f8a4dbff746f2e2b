"""Errors that name the key they are about, through pydantic's own error location.

A check that needs more than one field (a batch station's buffer against its batch size) or more
than one spec (a `to:` naming a station) raises `located_error(loc, message)` from a model
validator: a `ValidationError` whose `loc` is relative to the model being validated. pydantic
prefixes the outer locations as the error travels up, so the YAML loader and the dashboard form
both see the exact key (('stations', 2, 'next')) with no text to parse.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

SPEC_ERROR = "spec"
"""The error type of every located check; its message is complete (no input to append)."""


def located_error(loc: tuple[str | int, ...], message: str, input_value: Any = None) -> ValidationError:
    """An error about the key at `loc` (relative to the model whose validator raises it)."""
    error = PydanticCustomError(SPEC_ERROR, "{message}", {"message": message})
    return ValidationError.from_exception_data(
        "spec", [InitErrorDetails(type=error, loc=loc, input=input_value)]
    )
