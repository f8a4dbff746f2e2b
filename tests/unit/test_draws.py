"""`BlockDraws` (stations.draws) reads a block sampler's stream as the sampler does: the same values
in the same order, and the numpy stream left in the same state after any number of draws (a block is
drawn when its first value is wanted, not before), so swapping one for the other moves no number."""

from functools import partial

import numpy as np
from hypothesis import given, settings, strategies as st

from stations.draws import BlockDraws, read_in_c
from twin.spec.distributions import BLOCK_SIZE, BlockSampler, ConstantSampler


def _fills(generator: np.random.Generator) -> dict:
    return {
        "uniform": generator.random,
        "binomial": partial(generator.binomial, 255, 0.02),
        "exponential": lambda size: generator.exponential(30.0, size),
    }


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), draws=st.integers(0, 3 * BLOCK_SIZE + 5),
       kind=st.sampled_from(["uniform", "binomial", "exponential"]))
def test_block_draws_give_the_block_samplers_values_and_leave_the_stream_where_it_would_be(seed, draws, kind):
    ours, theirs = np.random.default_rng(seed), np.random.default_rng(seed)
    reader, sampler = BlockDraws(_fills(ours)[kind]), BlockSampler(_fills(theirs)[kind])
    assert [reader.draw() for _ in range(draws)] == [sampler.draw() for _ in range(draws)]
    assert ours.bit_generator.state == theirs.bit_generator.state
    if draws:  # and the next value too, across a block's end
        assert reader.draw() == sampler.draw()


def test_exactly_one_block_drawn_leaves_the_next_block_undrawn():
    generator, untouched = np.random.default_rng(7), np.random.default_rng(7)
    reader = BlockDraws(generator.random)
    for _ in range(BLOCK_SIZE):
        reader.draw()
    untouched.random(BLOCK_SIZE)
    assert generator.bit_generator.state == untouched.bit_generator.state


def test_read_in_c_takes_over_block_samplers_only():
    block = BlockSampler(np.random.default_rng(1).random)
    assert type(read_in_c(block)) is BlockDraws and read_in_c(block).fill is block.fill
    constant = ConstantSampler(5.0)
    assert read_in_c(constant) is constant
