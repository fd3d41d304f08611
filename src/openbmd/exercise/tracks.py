"""When does each sensor hold a track on each object? Track timing per trial, from the track-quality model.

Each sensor's firm track on an object comes at its first visibility plus a track delay, drawn per
trial and per (party, object) from :class:`openbmd.tracking.quality.TrackQualityModel` (calibrated
against the full tracker, in revisits of each sensor; or the catalog timeline's fixed delay). One
draw serves all of a party's sensors, so a sensor added can only bring a track forward.

A fire-control or surveillance radar searching on its own sees an object only inside its search
range (:data:`~openbmd.exercise.geometry.SEARCH_RANGE_FACTOR` of its track range). A **cue**, any
earlier track its party holds (an early-warning radar's, space IR's, or under data exchange a
partner's, ``latency_s`` later), points it at the object, so it acquires at its full range as soon
as the object is there. The cooperation mode decides whose tracks cue: ``own`` (independent) or
``exchange`` (every other mode).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from openbmd.tracking.quality import TrackQualityModel

if TYPE_CHECKING:
    from openbmd.exercise.geometry import Posts

SHARING = ("own", "exchange")


@dataclass(frozen=True)
class TrackTiming:
    """Track timing of one mode over the scenario's sensor posts (see :class:`~openbmd.exercise.geometry.Posts`)."""

    posts: "Posts"
    model: TrackQualityModel
    sharing: str
    latency_s: float

    def __post_init__(self) -> None:
        if self.sharing not in SHARING:
            raise ValueError(f"sharing must be one of {SHARING}")

    def starts(self, u: NDArray) -> NDArray:
        """(T, S, N) time each post holds a firm track on each object, s (inf: never), for uniforms ``u`` (T, P, N)."""
        g = self.posts
        n_t, n_p, n = u.shape
        s = len(g.names)
        if s == 0:
            return np.full((n_t, 0, n), np.inf)
        d = np.empty((n_t, s, n))
        for q in range(s):  # S (a dozen) vectorised draws
            d[:, q] = self.model.delay_s(int(g.model_class[q]), u[:, g.owner[q]], g.revisit_s[q])
        searching = g.first_uncued_s[None] + d
        cue = np.full((n_t, n_p, n), np.inf)
        for p in range(n_p):
            mine = g.owner == p
            if mine.any():
                cue[:, p] = searching[:, mine].min(axis=1)
        if self.sharing == "exchange" and n_p > 1:
            shared = cue.copy()
            for p in range(n_p):
                others = np.delete(cue, p, axis=1).min(axis=1) + self.latency_s
                shared[:, p] = np.minimum(cue[:, p], others)
            cue = shared
        cued = np.maximum(g.first_cued_s[None], cue[:, g.owner]) + d
        return np.minimum(searching, cued)
