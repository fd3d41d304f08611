"""Draws of a catalog entry's uncertain figures, for Monte Carlo over the catalog's stated ranges.

Each figure with a range (an estimate, or an assumption given one) is drawn from a triangular law on
[low, high] with its catalog value as the mode. Draws are *paired*: figure ``key`` under ``seed`` always
gets the same stream of uniform numbers, whatever other figures are drawn, so two analyses (two missiles,
two routes) that share a seed see the same draws of the same figure, and the same seed repeats a run.
Drawn with a ``stream`` (an entry's name), an entry's figures get streams of their own: several entries in one
analysis vary independently, and the same entry meets the same draws in every analysis under that seed.

:class:`CatalogVariants` turns such draws into whole catalogs (the named entries replaced by their variants),
and :class:`VariantStudy` gathers what an analysis concludes in each: the share of draws in which each
conclusion holds, percentiles of each quantity, and the figures each is most sensitive to (rank correlation,
:func:`sensitivity`; the one ranking every uncertainty study uses).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from openbmd.catalog.lookup import Catalog
from openbmd.catalog.models import Deployment, Entry, Interceptor, Place, figure_key_matches
from openbmd.errors import InputError

E = TypeVar("E", bound=Entry)

MAX_VARIANTS = 10_000
"""The most catalog variants one study draws."""
PERCENTILES: tuple[float, ...] = (5.0, 50.0, 95.0)
"""The percentiles every uncertainty study reports."""


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


def draw_figures(entry: Entry, n: int, seed: int, patterns: Iterable[str] | None = None,
                 stream: str | None = None) -> FigureDraws:
    """Draw ``n`` values of each of ``entry``'s ranged figures (those matching ``patterns``, e.g.
    ``stages.*.isp_s``; default all). Figures without a range keep their catalog value and are not listed.
    ``stream`` (e.g. the entry's name) gives the figures streams of their own, unpaired with other entries'."""
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
        u = uniforms(seed, f"{stream}.{key}" if stream else key, n)
        cols.append(triangular(u, float(fig.low), value, float(fig.high)))  # type: ignore[arg-type]
        nominal.append(value)
        lows.append(float(fig.low))  # type: ignore[arg-type]
        highs.append(float(fig.high))  # type: ignore[arg-type]
    values = np.stack(cols, axis=1) if cols else np.zeros((n, 0))
    return FigureDraws(entry.name, int(seed), tuple(keys), values, np.array(nominal), np.array(lows), np.array(highs))


# --- sensitivity: which drawn figure moves a result --------------------------------------------------------

def rank_correlations(x: NDArray, y: NDArray) -> NDArray:
    """Spearman rank correlation of each column of ``x`` (n, k) with ``y`` (n,), ties at their mean rank
    (so a yes/no ``y`` works); 0 where a column or ``y`` is constant."""
    from scipy.stats import rankdata

    ry = rankdata(y)
    rx = rankdata(x, axis=0) if x.size else np.zeros_like(x)
    dx, dy = rx - rx.mean(axis=0), ry - ry.mean()
    sx, sy = np.sqrt((dx ** 2).mean(axis=0)), np.sqrt((dy ** 2).mean())
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (dx * dy[:, None]).mean(axis=0) / (sx * sy)
    return np.where((sx > 0) & (sy > 0), r, 0.0)


def sensitivity(keys: Sequence[str], x: NDArray, y: NDArray) -> list[tuple[str, float]]:
    """Each drawn figure ``keys[j]`` (draws ``x[:, j]``) by its rank correlation with the result ``y`` (n,),
    strongest first; variants where ``y`` is NaN are left out, and fewer than 3 left (or a ``y`` the same in all)
    give no ranking."""
    y = np.asarray(y, dtype=float)
    ok = np.isfinite(y)
    if ok.sum() < 3 or np.ptp(y[ok]) == 0:
        return []
    r = rank_correlations(np.asarray(x, dtype=float)[ok], y[ok])
    return sorted(((k, float(v)) for k, v in zip(keys, r)), key=lambda kv: -abs(kv[1]))


def check_variant_count(n: Any, argument: str = "uncertainty") -> int:
    """``n`` if it is a whole number of variants from 0 (none) to :data:`MAX_VARIANTS`; else InputError."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 0 <= n <= MAX_VARIANTS:
        raise InputError(f"must be a whole number of variants from 0 (none) to {MAX_VARIANTS:,}, got {n!r}", argument)
    return int(n)


# --- whole-catalog variants --------------------------------------------------------------------------------

def with_figures(entry: E, values: Mapping[str, float]) -> E:
    """A copy of ``entry`` with the figures at ``values``' keys (``stages.2.isp_s``) set, whole-number fields
    rounded. Not re-validated: the draws lie within each figure's stated range."""
    out: Any = entry
    for key, value in values.items():
        out = _set(out, key.split("."), float(value))
    return out


def _set(obj: Any, parts: list[str], value: float) -> Any:
    head, rest = parts[0], parts[1:]
    if isinstance(obj, list):
        items = list(obj)
        items[int(head) - 1] = _set(items[int(head) - 1], rest, value)
        return items
    current = getattr(obj, head)
    if rest:
        return obj.model_copy(update={head: _set(current, rest, value)})
    whole = isinstance(current, int) and not isinstance(current, bool)
    return obj.model_copy(update={head: int(round(value)) if whole else value})


def referenced(catalog: Catalog, names: Iterable[str]) -> list[Entry]:
    """The catalog entries called ``names`` (names not in the catalog, e.g. ``"lat,lon"``, are skipped) and
    those they use: a deployment's sites, interceptors and sensors, a place's sensors, an interceptor's
    fire-control radar. Each once, in the order met."""
    seen: dict[str, Entry] = {}
    todo = [n for n in names if n]
    while todo:
        name = todo.pop(0)
        if name in seen or name not in catalog:
            continue
        entry = seen[name] = catalog.get(name)
        if isinstance(entry, Deployment):
            todo += [x for e in entry.emplacements for x in (e.site, e.interceptor)] + list(entry.sensors)
        elif isinstance(entry, Place):
            todo += [m.sensor for m in entry.sensors]
        elif isinstance(entry, Interceptor) and entry.fire_control_radar:
            todo.append(entry.fire_control_radar)
    return list(seen.values())


@dataclass(frozen=True)
class CatalogVariants:
    """``n`` variants of a catalog: each of ``entries`` with its ranged figures drawn (seeded, one stream per
    entry and figure), the rest of the catalog as it is. ``keys`` name the drawn figures ``entry.figure``."""

    base: Catalog
    entries: tuple[Entry, ...]
    draws: tuple[FigureDraws, ...]
    seed: int
    n: int

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(f"{d.entry}.{k}" for d in self.draws for k in d.keys)

    @property
    def values(self) -> NDArray:
        """(n, figures): the draws, columns in the order of :attr:`keys` (SI)."""
        cols = [d.values for d in self.draws]
        return np.concatenate(cols, axis=1) if cols else np.zeros((self.n, 0))

    def catalog(self, i: int) -> Catalog:
        """Variant ``i`` (0-based) as a catalog: the drawn entries replaced (or added, if not in the base)."""
        changed = {e.name: with_figures(e, dict(zip(d.keys, d.values[i]))) for e, d in zip(self.entries, self.draws)}
        kept = [changed.pop(e.name, e) for e in self.base]
        return Catalog(kept + list(changed.values()))

    def figures_json(self) -> list[dict[str, Any]]:
        """Each drawn figure: ``{figure, value, low, high}`` (SI)."""
        return [{"figure": f"{d.entry}.{k}", "value": float(v), "low": float(lo), "high": float(hi)}
                for d in self.draws for k, v, lo, hi in zip(d.keys, d.nominal, d.low, d.high)]


def catalog_variants(catalog: Catalog, entries: Iterable[Entry], n: int, seed: int, *,
                     fixed: Mapping[str, Iterable[str]] | None = None) -> CatalogVariants:
    """Draw ``n`` variants of ``entries`` (each once, by name) in ``catalog``; ``fixed`` maps an entry name to
    figure keys (or patterns) that stay at their value (e.g. a figure the analysis overrides)."""
    unique = list({e.name: e for e in entries}.values())
    hold = {k: tuple(v) for k, v in (fixed or {}).items()}
    draws = []
    for e in unique:
        keep = hold.get(e.name, ())
        keys = [k for k in e.figure_keys() if not any(figure_key_matches(p, k) for p in keep)]
        draws.append(draw_figures(e, n, seed, keys, stream=e.name))
    if not any(d.keys for d in draws):
        raise InputError("none of the catalog figures this analysis uses carries an estimate range; there is "
                         "nothing to draw", "uncertainty")
    return CatalogVariants(catalog, tuple(unique), tuple(draws), int(seed), int(n))


@dataclass(frozen=True)
class Outcome:
    """What one run of an analysis concludes: yes/no ``conclusions`` and numeric ``quantities`` (SI), by name;
    ``maps`` hold per-point yes/no arrays (e.g. a footprint's defended grid)."""

    conclusions: Mapping[str, bool] = field(default_factory=dict)
    quantities: Mapping[str, float] = field(default_factory=dict)
    maps: Mapping[str, NDArray] = field(default_factory=dict)


@dataclass(frozen=True)
class VariantStudy:
    """An analysis run on each of ``variants``: per conclusion the nominal answer and one per draw (1 holds, 0 not,
    NaN where the draw could not decide it, e.g. its missile falls short of the target); per quantity the nominal
    value and one per draw (NaN where a draw gave none); per map the share of draws per point."""

    variants: CatalogVariants
    nominal: Outcome
    conclusions: Mapping[str, NDArray]
    quantities: Mapping[str, NDArray]
    map_shares: Mapping[str, NDArray]

    @property
    def n(self) -> int:
        return self.variants.n

    def decided(self, conclusion: str) -> int:
        """How many draws decided ``conclusion`` (held or not)."""
        return int(np.count_nonzero(np.isfinite(self.conclusions[conclusion])))

    def share(self, conclusion: str) -> float:
        """The share (0..1) of the draws deciding ``conclusion`` in which it holds (NaN if none decided it)."""
        x = self.conclusions[conclusion]
        x = x[np.isfinite(x)]
        return float(x.mean()) if x.size else math.nan

    def percentiles(self, quantity: str, q: tuple[float, ...] = PERCENTILES) -> NDArray:
        x = self.quantities[quantity]
        x = x[np.isfinite(x)]
        return np.percentile(x, q) if x.size else np.full(len(q), np.nan)

    def sensitivity(self, name: str) -> list[tuple[str, float]]:
        """The drawn figures by rank correlation with a conclusion (1 where it holds) or a quantity."""
        y = self.conclusions[name] if name in self.conclusions else self.quantities[name]
        return sensitivity(self.variants.keys, self.variants.values, y)

    def to_json(self, top: int = 3) -> dict[str, Any]:
        """``{trials, seed, percentiles, conclusions: [{conclusion, nominal, holds_share, draws, sensitivity}],
        quantities: [{quantity, nominal, p5, p50, p95, sensitivity}], maps: {name: share per point},
        figures: [...]}``; ``draws`` counts the draws that decided the conclusion, ``sensitivity`` lists the
        ``top`` figures as ``{figure, rank_correlation}``."""
        def ranked(name: str) -> list[dict[str, Any]]:
            return [{"figure": k, "rank_correlation": round(r, 3)} for k, r in self.sensitivity(name)[:top] if r]

        conclusions = [{"conclusion": c, "nominal": bool(self.nominal.conclusions.get(c, False)),
                        "holds_share": _num(round(self.share(c), 4)), "draws": self.decided(c),
                        "sensitivity": ranked(c)} for c in self.conclusions]
        quantities = []
        for name in self.quantities:
            nominal = self.nominal.quantities.get(name, math.nan)
            quantities.append({"quantity": name, "nominal": _num(nominal),
                               **{f"p{q:g}": _num(v) for q, v in zip(PERCENTILES, self.percentiles(name))},
                               "sensitivity": ranked(name)})
        return {"trials": self.n, "seed": self.variants.seed, "percentiles": list(PERCENTILES),
                "conclusions": conclusions, "quantities": quantities,
                "maps": {k: np.round(v, 4).tolist() for k, v in self.map_shares.items()},
                "figures": self.variants.figures_json()}


def study(variants: CatalogVariants, nominal: Outcome, evaluate: Callable[[Catalog], Outcome],
          progress: Callable[[int], None] | None = None) -> VariantStudy:
    """Run ``evaluate`` on each variant catalog in turn (the analysis inside is batched; the variants are few)
    and gather its outcomes beside the ``nominal`` one. A conclusion or quantity a variant does not state is NaN
    there (undecided); a map it does not give counts as no point."""
    runs = []
    for i in range(variants.n):
        runs.append(evaluate(variants.catalog(i)))
        if progress is not None:
            progress(1)
    names = list(dict.fromkeys([*nominal.conclusions, *(c for r in runs for c in r.conclusions)]))
    quantities = list(dict.fromkeys([*nominal.quantities, *(q for r in runs for q in r.quantities)]))

    def column(name: str, kind: str) -> NDArray:
        return np.array([float(getattr(r, kind).get(name, math.nan)) for r in runs])

    def share(name: str) -> NDArray:
        zero = np.zeros(np.shape(nominal.maps[name]))
        return np.mean([np.asarray(r.maps.get(name, zero), dtype=float) for r in runs], axis=0)

    return VariantStudy(variants, nominal, {c: column(c, "conclusions") for c in names},
                        {q: column(q, "quantities") for q in quantities}, {m: share(m) for m in nominal.maps})


def _num(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None
