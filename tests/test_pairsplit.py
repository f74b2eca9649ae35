"""The exact two-way split against every subset: the lowest possible higher ratio, within both caps (and
the top alone, as a search weighs pairs, the same)."""

from __future__ import annotations

import itertools
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from optimiser.pairsplit import Pair, best_split, best_top


@settings(max_examples=300, deadline=None)
@given(
    weights=st.lists(st.integers(1, 300), max_size=8),
    base=st.tuples(st.integers(0, 900), st.integers(0, 900)),
    available=st.tuples(st.integers(1, 1500), st.integers(1, 1500)),
    caps=st.tuples(st.one_of(st.none(), st.integers(0, 2000)), st.one_of(st.none(), st.integers(0, 2000))),
)
def test_best_split_matches_every_subset(weights, base, available, caps):
    pair = Pair(base[0], base[1], available[0], available[1], caps[0], caps[1])
    best = None
    for to_p in itertools.product([True, False], repeat=len(weights)):
        load_p = base[0] + sum(w for w, mine in zip(weights, to_p, strict=True) if mine)
        load_q = base[1] + sum(w for w, mine in zip(weights, to_p, strict=True) if not mine)
        if (caps[0] is not None and load_p > caps[0]) or (caps[1] is not None and load_q > caps[1]):
            continue
        top = max(Fraction(load_p, available[0]), Fraction(load_q, available[1]))
        best = top if best is None or top < best else best
    found = best_split(pair, weights)
    sums = 1
    for w in weights:
        sums |= sums << w
    top_alone = best_top(pair, sum(weights), sums)
    if best is None:
        assert found is None and top_alone is None
        return
    assert top_alone is not None and Fraction(*top_alone) == best
    assert found is not None and found[0] == best
    top, to_p = found
    load_p = base[0] + sum(w for w, mine in zip(weights, to_p, strict=True) if mine)
    load_q = base[1] + sum(weights) - (load_p - base[0])
    assert max(Fraction(load_p, available[0]), Fraction(load_q, available[1])) == top
