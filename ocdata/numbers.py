"""Number handling shared by every stage: the publisher's rounding and the printed number formats."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

# Scores are multiples of 0.5 averaged over at most 15 indicators, so an exact mean is a fraction
# whose denominator divides 60: it is either exactly on a rounding boundary or at least 1e-4 away.
# The nudge absorbs binary representation error (4.625 stored as 4.62499999...) and nothing else.
_NUDGE = 1e-9

GLUED = re.compile(r"^(?P<score>\d{1,2}\.\d{2})\s*(?P<change>n/a|[+-]?\d{1,2}\.\d{2})$")
"""A web profile's score and change printed together: ``4.330.18``, ``7.00-0.50``, ``3.50 n/a``."""

COUNT = re.compile(r"\d{1,3}(?:,\s?\d{3})+|\d+")
"""A count with thousands separators; tolerates the stray space of ``10, 914``."""


def round_half_up(x: float | pd.Series | np.ndarray, ndigits: int = 2):
    """Round half away from zero's upper side, as the publisher does: 4.625 -> 4.63.

    Python's ``round`` and numpy round half to even and would give 4.62.
    """
    factor = 10.0**ndigits
    if isinstance(x, pd.Series):
        return np.floor(x.astype("float64") * factor + 0.5 + _NUDGE) / factor
    return float(np.floor(float(x) * factor + 0.5 + _NUDGE) / factor)


def on_grid(score: float, step: float = 0.5) -> bool:
    """Whether a score is a multiple of ``step`` (indicators are scored in steps of 0.5)."""
    return abs(score / step - round(score / step)) < 1e-9


def parse_glued(text: str) -> tuple[float, float | None] | None:
    """Split ``4.330.18`` into ``(4.33, 0.18)``; ``3.50 n/a`` gives ``(3.5, None)``; else ``None``."""
    match = GLUED.match(text.strip())
    if match is None:
        return None
    change = match["change"]
    return float(match["score"]), None if change == "n/a" else float(change)


def parse_count(text: str) -> int:
    """Parse ``10,423`` or ``10, 914`` (stray space after the comma) into an int."""
    return int(re.sub(r"[,\s]", "", text))
