"""Per-dataset memo: what a report asks of one dataset many times, computed once.

A report loads one dataset and asks it the same questions cell after cell (its catalog, the peers of an
edition, the rows of a country). :func:`per_dataset` keeps each answer beside the dataset object it came
from (the last few datasets only), so a new dataset (a new report's) never sees an old answer. Frames
handed out are shallow copies: with copy-on-write a caller's change never reaches the memo.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")
KEEP = 2
"""Datasets remembered at once (a kernel serves one report at a time)."""
_MEMOS: list[tuple[Any, dict[Hashable, Any]]] = []


def _memo_of(data: Any) -> dict[Hashable, Any]:
    for held, memo in _MEMOS:
        if held is data:
            return memo
    memo: dict[Hashable, Any] = {}
    _MEMOS.insert(0, (data, memo))
    del _MEMOS[KEEP:]
    return memo


def per_dataset(data: Any, key: Hashable, make: Callable[[], T]) -> T:
    """``make()`` computed once per dataset object and ``key``."""
    memo = _memo_of(data)
    if key not in memo:
        memo[key] = make()
    return memo[key]


def forget() -> None:
    """Drop every memo (tests; a kernel's reset drops the module's datasets anyway)."""
    _MEMOS.clear()
