"""The reference: a saturated serial line written directly in SimPy, as small as it can be.

Each machine is one process: get a part from the store in front of it, hold it for an exponential
processing time, put it into the store behind it. `simpy.Store(capacity=k)` between two machines
gives blocking after service (the finished part waits in its machine until the store has room).
The first machine is never starved and the last never blocked. Processing times come from numpy
Generators drawn in blocks, as the twin draws them, so both sides pay the same for randomness.
"""

from __future__ import annotations

from typing import Callable, Iterator

import numpy as np
import simpy

BLOCK_SIZE = 1024  # the twin's block size (twin.spec.distributions.BLOCK_SIZE)


def exponential_draws(rng: np.random.Generator, mean: float) -> Callable[[], float]:
    """A function returning one exponential draw per call, drawn BLOCK_SIZE at a time."""

    def blocks() -> Iterator[float]:
        while True:
            yield from rng.exponential(mean, BLOCK_SIZE).tolist()

    return blocks().__next__


def machine(env: simpy.Environment, draw: Callable[[], float], inbox: simpy.Store | None,
            outbox: simpy.Store | None, done: list[int]):
    part = 0
    while True:
        if inbox is not None:  # the first machine always has a part
            part = yield inbox.get()
        yield env.timeout(draw())
        if outbox is None:  # the last machine is never blocked
            done[0] += 1
        else:
            yield outbox.put(part)


def sample_output(env: simpy.Environment, done: list[int], every: float, counts: list[int]):
    """Completed parts every `every` time units (the twin samples its output series the same way)."""
    while True:
        counts.append(done[0])
        yield env.timeout(every)


def run_bare_line(means: list[float], buffer: int, length: float, seed: int = 1,
                  samples: int = 200) -> dict:
    """Run the line for `length` time units; completed parts, output samples and events scheduled.

    Time is in the unit of `means` (the harness uses hours). Events are counted with SimPy's own
    event-id counter `env._eid` (itertools.count, advanced once per scheduled event).
    """
    env = simpy.Environment()
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(len(means))]
    stores = [simpy.Store(env, capacity=buffer) for _ in means[1:]]
    done = [0]
    counts: list[int] = []
    for i, mean in enumerate(means):
        inbox = stores[i - 1] if i > 0 else None
        outbox = stores[i] if i < len(stores) else None
        env.process(machine(env, exponential_draws(rngs[i], mean), inbox, outbox, done))
    env.process(sample_output(env, done, length / samples, counts))
    env.run(until=length)
    counts.append(done[0])
    return {"parts": done[0], "counts": counts, "events": next(env._eid)}
