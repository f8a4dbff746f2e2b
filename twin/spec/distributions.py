"""Distribution specs for durations, and the fast block samplers the engine draws from.

A spec is inert data (pydantic, discriminated by `dist`); `sampler(generator)` turns it into a
sampler that draws a block of values with one numpy call and hands them out one by one, because a
numpy call per draw would dominate the engine's run time. Every duration is in seconds once parsed.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Callable, Iterator, Literal, Union

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, WithJsonSchema
from pydantic import model_validator

from twin.spec.numbers import CV_MAX, CV_MIN, SHAPE_MAX, SHAPE_MIN, Real
from twin.spec.units import format_duration, parse_duration

BLOCK_SIZE = 1024

Duration = Annotated[
    float,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
    WithJsonSchema({"type": "string", "examples": ["45 s", "20 min", "8 h", "14 d"]}),
]
"""A duration written with its unit in the file, held as seconds (float) in the spec."""


class _DistSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    per: Literal["lot", "cell"] = Field(
        "lot",
        description="For cycle times: one draw covers a whole lot, or one cell of it "
        "(a lot of n cells then takes the sum of n cell times). Other durations are always per event.",
    )

    @property
    def mean_s(self) -> float:  # pragma: no cover - every subclass overrides
        """Expected value in seconds."""
        raise NotImplementedError

    @property
    def variance_s2(self) -> float:  # pragma: no cover - every subclass overrides
        """Variance in seconds squared."""
        raise NotImplementedError

    def _fill(self, generator: np.random.Generator, size: int) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def sampler(self, generator: np.random.Generator) -> "BlockSampler":
        return BlockSampler(lambda size: self._fill(generator, size))


class ConstantDist(_DistSpec):
    dist: Literal["constant"] = Field(description="Always the same value.")
    value: Duration = Field(ge=0, description="The duration.")

    @property
    def mean_s(self) -> float:
        return self.value

    @property
    def variance_s2(self) -> float:
        return 0.0

    def sampler(self, generator: np.random.Generator) -> "ConstantSampler":
        return ConstantSampler(self.value)


class ExponentialDist(_DistSpec):
    dist: Literal["exponential"] = Field(description="Memoryless; coefficient of variation 1.")
    mean: Duration = Field(gt=0, description="Mean duration.")

    @property
    def mean_s(self) -> float:
        return self.mean

    @property
    def variance_s2(self) -> float:
        return self.mean**2

    def _fill(self, generator: np.random.Generator, size: int) -> np.ndarray:
        return generator.exponential(self.mean, size)


class UniformDist(_DistSpec):
    dist: Literal["uniform"] = Field(description="Uniform between low and high.")
    low: Duration = Field(ge=0, description="Smallest duration.")
    high: Duration = Field(ge=0, description="Largest duration.")

    @model_validator(mode="after")
    def _ordered(self) -> "UniformDist":
        if self.low > self.high:
            raise ValueError("uniform needs low <= high")
        return self

    @property
    def mean_s(self) -> float:
        return (self.low + self.high) / 2

    @property
    def variance_s2(self) -> float:
        return (self.high - self.low) ** 2 / 12

    def _fill(self, generator: np.random.Generator, size: int) -> np.ndarray:
        return generator.uniform(self.low, self.high, size)


class TriangularDist(_DistSpec):
    dist: Literal["triangular"] = Field(description="Triangular with low, mode and high.")
    low: Duration = Field(ge=0, description="Smallest duration.")
    mode: Duration = Field(ge=0, description="Most likely duration.")
    high: Duration = Field(ge=0, description="Largest duration.")

    @model_validator(mode="after")
    def _ordered(self) -> "TriangularDist":
        if not (self.low <= self.mode <= self.high) or self.low == self.high:
            raise ValueError("triangular needs low <= mode <= high and low < high")
        return self

    @property
    def mean_s(self) -> float:
        return (self.low + self.mode + self.high) / 3

    @property
    def variance_s2(self) -> float:
        a, c, b = self.low, self.mode, self.high
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18

    def _fill(self, generator: np.random.Generator, size: int) -> np.ndarray:
        return generator.triangular(self.low, self.mode, self.high, size)


class _MeanCvDist(_DistSpec):
    """A distribution given by its mean and coefficient of variation (lognormal, gamma)."""

    mean: Duration = Field(gt=0, description="Mean duration.")
    cv: Real = Field(ge=CV_MIN, le=CV_MAX, description=f"Coefficient of variation (standard deviation / mean), {CV_MIN:g} to {CV_MAX:g}.")

    @property
    def mean_s(self) -> float:
        return self.mean

    @property
    def variance_s2(self) -> float:
        return (self.cv * self.mean) ** 2


class LognormalDist(_MeanCvDist):
    dist: Literal["lognormal"] = Field(description="Lognormal given by its mean and coefficient of variation.")

    def _fill(self, generator: np.random.Generator, size: int) -> np.ndarray:
        sigma2 = math.log1p(self.cv**2)
        return generator.lognormal(math.log(self.mean) - sigma2 / 2, math.sqrt(sigma2), size)


class GammaDist(_MeanCvDist):
    dist: Literal["gamma"] = Field(description="Gamma given by its mean and coefficient of variation.")

    def _fill(self, generator: np.random.Generator, size: int) -> np.ndarray:
        shape = 1.0 / self.cv**2
        return generator.gamma(shape, self.mean / shape, size)


class WeibullDist(_DistSpec):
    dist: Literal["weibull"] = Field(description="Weibull with shape k and scale (the usual failure model).")
    shape: Real = Field(ge=SHAPE_MIN, le=SHAPE_MAX, description="Shape k: below 1 early failures, 1 exponential, "
                        f"above 1 wear-out; {SHAPE_MIN:g} to {SHAPE_MAX:g}.")
    scale: Duration = Field(gt=0, description="Scale (characteristic life).")

    @property
    def mean_s(self) -> float:
        return self.scale * math.gamma(1 + 1 / self.shape)

    @property
    def variance_s2(self) -> float:
        g1, g2 = math.gamma(1 + 1 / self.shape), math.gamma(1 + 2 / self.shape)
        return self.scale**2 * (g2 - g1 * g1)

    def _fill(self, generator: np.random.Generator, size: int) -> np.ndarray:
        return self.scale * generator.weibull(self.shape, size)


class EmpiricalDist(_DistSpec):
    dist: Literal["empirical"] = Field(description="Resample observed durations with equal weight.")
    values: tuple[Duration, ...] = Field(min_length=1, description="Observed durations.")

    @model_validator(mode="after")
    def _non_negative(self) -> "EmpiricalDist":
        if min(self.values) < 0:
            raise ValueError("empirical values must not be negative")
        return self

    @property
    def mean_s(self) -> float:
        return float(np.mean(self.values))

    @property
    def variance_s2(self) -> float:
        return float(np.var(self.values))

    def _fill(self, generator: np.random.Generator, size: int) -> np.ndarray:
        return generator.choice(np.asarray(self.values, dtype=float), size)


def _bare_duration_is_constant(value: Any) -> Any:
    """`cycle_time: 45 s` is shorthand for a constant."""
    if isinstance(value, str):
        return {"dist": "constant", "value": value}
    return value


DistSpec = Annotated[
    Union[
        ConstantDist, ExponentialDist, UniformDist, TriangularDist,
        LognormalDist, GammaDist, WeibullDist, EmpiricalDist,
    ],
    Field(discriminator="dist"),
    BeforeValidator(_bare_duration_is_constant),
]
"""Any duration distribution; a bare duration string means a constant."""


class BlockSampler:
    """Hands out values drawn in blocks of BLOCK_SIZE from one numpy stream.

    `draw` is the `__next__` of a generator over the blocks (a C call per value, as the bare-SimPy
    reference draws, instead of a Python method): the same values in the same order, and `drawn`
    grows by a block when a block is drawn, as before."""

    __slots__ = ("fill", "draw", "drawn")

    def __init__(self, fill) -> None:
        self.fill = fill  # size -> an array of that many values: the next block
        self.drawn = 0
        self.draw: Callable[[], float] = self._values().__next__

    def _values(self) -> Iterator[float]:
        fill = self.fill
        while True:
            block = fill(BLOCK_SIZE).tolist()
            self.drawn += BLOCK_SIZE
            yield from block


class ConstantSampler:
    """The same value every time; draws no random numbers."""

    __slots__ = ("value", "drawn")

    def __init__(self, value: float) -> None:
        self.value = value
        self.drawn = 0

    def draw(self) -> float:
        return self.value
