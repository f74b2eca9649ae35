"""The exact two-way split behind every pairwise re-split: share cases between two practitioners so that
the higher of their two WMT ratios is as low as it can be, within their caps.

A subset-sum over the cases' points, with Python ints as bitsets: bit s of ``reach[i]`` says some subset of
the first i cases sums to s. Pure arithmetic, no search state: ``rebalance.py`` decides who to pair.
"""

from __future__ import annotations

from fractions import Fraction
from typing import NamedTuple


class Pair(NamedTuple):
    """Two practitioners' fixed points, available points and caps (None: uncapped). A tuple: a search
    makes one per pair it weighs, and a frozen dataclass costs several times as much to make."""

    base_p: int
    base_q: int
    available_p: int
    available_q: int
    cap_p: int | None
    cap_q: int | None


def best_split(pair: Pair, weights: list[int]) -> tuple[Fraction, list[bool]] | None:
    """The split of ``weights`` minimising max(ratio p, ratio q) within the caps: the pair's new top ratio
    and, per weight, whether it goes to p (None: no split keeps both within their caps)."""
    reach = [1]
    for w in weights:
        reach.append(reach[-1] | (reach[-1] << w))
    found = _best_sum(pair, sum(weights), reach[-1])
    if found is None:
        return None
    numerator, denominator, s = found
    to_p = [False] * len(weights)
    for i in range(len(weights) - 1, -1, -1):
        if not (reach[i] >> s) & 1:
            to_p[i] = True
            s -= weights[i]
    return Fraction(numerator, denominator), to_p


def best_top(pair: Pair, total: int, sums: int) -> tuple[int, int] | None:
    """``best_split``'s top ratio alone, as (numerator, denominator), from the weights' total and their
    reachable sums (bits of ``sums``): a search asks it of many pairs and splits only the one it picks,
    so it builds just the subset-sum's last row, nothing is traced back and no Fraction is made."""
    found = _best_sum(pair, total, sums)
    return None if found is None else found[:2]


def _best_sum(pair: Pair, total: int, sums: int) -> tuple[int, int, int] | None:
    """Among the reachable sums (bits of ``sums``) p may take within the caps, the one nearest the
    balance on either side that gives the lower top: the top as numerator and denominator, and the sum."""
    low = 0 if pair.cap_q is None else total - (pair.cap_q - pair.base_q)
    high = total if pair.cap_p is None else pair.cap_p - pair.base_p
    low, high = max(low, 0), min(high, total)
    if low > high:
        return None
    a_p, a_q = pair.available_p, pair.available_q
    ideal = ((pair.base_q + total) * a_p - pair.base_p * a_q) // (a_p + a_q)
    best: tuple[int, int, int] | None = None  # the top as numerator and denominator (no Fraction per try), and s
    for s in (_highest_at_most(sums, min(ideal, high)), _lowest_at_least(sums, max(ideal + 1, low))):
        if s is None or not low <= s <= high:
            continue
        top, over = (pair.base_p + s, a_p), (pair.base_q + total - s, a_q)
        if over[0] * top[1] > top[0] * over[1]:
            top = over
        if best is None or top[0] * best[1] < best[0] * top[1]:
            best = (*top, s)
    return best


def _highest_at_most(sums: int, limit: int) -> int | None:
    if limit < 0:
        return None
    masked = sums & ((1 << (limit + 1)) - 1)
    return masked.bit_length() - 1 if masked else None


def _lowest_at_least(sums: int, limit: int) -> int | None:
    rest = sums >> max(limit, 0)
    return (rest & -rest).bit_length() - 1 + max(limit, 0) if rest else None
