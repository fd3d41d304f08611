"""Draws of a catalog entry's uncertain figures, for Monte Carlo over the catalog's stated ranges.

Each figure with a range (an estimate, or an assumption given one) is drawn from a triangular law on
[low, high] with its catalog value as the mode. Draws are *paired*: figure ``key`` under ``seed`` always
gets the same stream of uniform numbers, whatever other figures are drawn, so two analyses (two missiles,
two routes) that share a seed see the same draws of the same figure, and the same seed repeats a run.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from openbmd.catalog.models import Entry, figure_key_matches


@dataclass(frozen=True)
class FigureDraws:
    """``n`` draws of an entry's ranged figures: ``values[:, j]`` is figure ``keys[j]`` (SI, the field's unit).

    ``nominal``, ``low`` and ``high`` hold each figure's catalog value and range.
    """

    entry: str
    seed: int
    keys: tuple[str, ...]
    values: NDArray
    nominal: NDArray
    low: NDArray
    high: NDArray

    def column(self, key: str) -> NDArray:
        """The draws of one figure, (n,); KeyError for a figure that was not drawn."""
        if key not in self.keys:
            raise KeyError(key)
        return self.values[:, self.keys.index(key)]


def uniforms(seed: int, key: str, n: int) -> NDArray:
    """The paired uniform stream of figure ``key`` under ``seed``: n numbers in (0, 1)."""
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, zlib.crc32(key.encode("utf-8"))])
    return rng.random(n)


def triangular(u: NDArray, low: float, mode: float, high: float) -> NDArray:
    """Inverse CDF of the triangular law on [low, high] with ``mode``, at uniforms ``u``."""
    if high <= low:
        return np.full_like(u, mode)
    c = (mode - low) / (high - low)
    left = u < c
    out = np.empty_like(u)
    out[left] = low + np.sqrt(u[left] * (high - low) * (mode - low))
    out[~left] = high - np.sqrt((1.0 - u[~left]) * (high - low) * (high - mode))
    return out


def draw_figures(entry: Entry, n: int, seed: int, patterns: Iterable[str] | None = None) -> FigureDraws:
    """Draw ``n`` values of each of ``entry``'s ranged figures (those matching ``patterns``, e.g.
    ``stages.*.isp_s``; default all). Figures without a range keep their catalog value and are not listed."""
    if n < 1:
        raise ValueError("n must be at least 1")
    pats = tuple(patterns) if patterns is not None else None
    keys, cols, nominal, lows, highs = [], [], [], [], []
    for key in entry.figure_keys():
        if pats is not None and not any(figure_key_matches(p, key) for p in pats):
            continue
        fig = entry.figure(key)
        if not fig.has_range or not fig.high > fig.low:  # type: ignore[operator]
            continue
        value = float(entry.value_of(key))
        keys.append(key)
        cols.append(triangular(uniforms(seed, key, n), float(fig.low), value, float(fig.high)))  # type: ignore[arg-type]
        nominal.append(value)
        lows.append(float(fig.low))  # type: ignore[arg-type]
        highs.append(float(fig.high))  # type: ignore[arg-type]
    values = np.stack(cols, axis=1) if cols else np.zeros((n, 0))
    return FigureDraws(entry.name, int(seed), tuple(keys), values, np.array(nominal), np.array(lows), np.array(highs))
