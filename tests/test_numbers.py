"""The publisher's rounding and the printed number formats."""

import pandas as pd
import pytest

from ocdata.numbers import on_grid, parse_count, parse_glued, round_half_up


@pytest.mark.parametrize(
    ("value", "expected"),
    [(4.625, 4.63), (4.615, 4.62), (37 / 8, 4.63), (5.325, 5.33), (4.1666666, 4.17), (2.0, 2.0), (4.6249, 4.62)],
)
def test_round_half_up(value, expected):
    assert round_half_up(value) == expected


def test_round_half_up_differs_from_python_round():
    assert round(4.625, 2) == 4.62  # half to even: the reason round_half_up exists
    assert round_half_up(4.625) == 4.63


def test_round_half_up_series():
    out = round_half_up(pd.Series([4.625, 3.125, 1.0]))
    assert out.tolist() == [4.63, 3.13, 1.0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4.330.18", (4.33, 0.18)),  # DOMAIN: score and change glued
        ("7.00-0.50", (7.0, -0.5)),
        ("3.50 n/a", (3.5, None)),  # new indicator in 2023
        ("10.000.00", (10.0, 0.0)),
        ("5.25-0.07", (5.25, -0.07)),
        ("3.79 5.60 4.90", None),  # the 2025 page's pyramid numbers are not a glued value
        ("Human trafficking", None),
    ],
)
def test_parse_glued(text, expected):
    assert parse_glued(text) == expected


@pytest.mark.parametrize(("text", "expected"), [("10,423", 10423), ("10, 914", 10914), ("1642", 1642)])
def test_parse_count(text, expected):
    assert parse_count(text) == expected


def test_on_grid():
    assert on_grid(4.5) and on_grid(10.0)
    assert not on_grid(4.25)
