"""One Monte Carlo trial of one mode, replayed event by event: launches, first tracks, shots, kills, leakers.

The trial is drawn exactly as :func:`openbmd.exercise.montecarlo.run_trials_mc` draws it for the same
``trials`` and ``seed``, so the replay of trial k is the k-th trial of that run (its outcome is checked
against the run's own per-trial arrays in the tests).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from openbmd.catalog import Catalog
from openbmd.earth import EarthModel
from openbmd.engagement.firecontrol import AUTHORITY_OF_BIT
from openbmd.errors import InputError
from openbmd.exercise.geometry import CAUSES, Objects, fly_raid, prepare
from openbmd.exercise.montecarlo import replay_draws, run_logged
from openbmd.exercise.scenario import MODES, Scenario
from openbmd.flight.threats import ObjectKind

@dataclass(frozen=True)
class ReplayShot:
    """One salvo as fired: at object ``target`` (index into the replay's objects), by ``battery``, s."""

    target: int
    battery: str
    party: str
    decision_group: int
    wave: int
    launch_t_s: float
    intercept_t_s: float
    interceptors: int
    killed: bool
    authority: str


@dataclass(frozen=True)
class ReplayObject:
    """One flown object of the trial: its kind, raid entry, target, launch/impact times (s), first track
    time by any sensor (s, None if never tracked), kill time (None if it survived) and, for a leaking
    warhead, why it leaked."""

    index: int
    kind: str
    raid: int
    missile: str
    origin: str
    target: str
    launch_t_s: float
    impact_t_s: float | None
    first_track_t_s: float | None
    killed_t_s: float | None
    leaked: bool
    leak_cause: str | None


@dataclass(frozen=True)
class TrialReplay:
    """What happened in trial ``trial`` of ``mode``, with the geometry to draw it."""

    scenario: str
    mode: str
    trial: int
    trials: int
    seed: int
    objects: tuple[ReplayObject, ...]
    shots: tuple[ReplayShot, ...]
    sensors: tuple[str, ...]
    first_track_s: NDArray = field(repr=False, compare=False)
    """(S, N) when each sensor post first holds a track on each object in this trial, s (inf: never)."""
    flown: Objects | None = field(default=None, repr=False, compare=False)

    @property
    def leakers(self) -> int:
        return sum(o.leaked for o in self.objects)

    def events(self) -> list[dict[str, Any]]:
        """Every event in time order: launch, first track (per object), shot, kill, leak (impact)."""
        ev: list[dict[str, Any]] = []
        for o in self.objects:
            ev.append({"t_s": o.launch_t_s, "event": "launch", "object": o.index, "kind": o.kind})
            if o.first_track_t_s is not None:
                s = int(np.argmin(self.first_track_s[:, o.index]))
                ev.append({"t_s": o.first_track_t_s, "event": "track", "object": o.index, "sensor": self.sensors[s]})
            if o.killed_t_s is not None:
                ev.append({"t_s": o.killed_t_s, "event": "kill", "object": o.index})
            elif o.impact_t_s is not None and o.kind == "warhead":
                ev.append({"t_s": o.impact_t_s, "event": "leak", "object": o.index, "cause": o.leak_cause})
        for s in self.shots:
            ev.append({"t_s": s.launch_t_s, "event": "shot", "object": s.target, "battery": s.battery,
                       "intercept_t_s": s.intercept_t_s, "killed": s.killed, "authority": s.authority})
        return sorted(ev, key=lambda e: (e["t_s"], e["event"]))

    def to_json(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "mode": self.mode, "trial": self.trial, "trials": self.trials,
                "seed": self.seed, "leakers": self.leakers,
                "objects": [vars(o) for o in self.objects], "shots": [vars(s) for s in self.shots],
                "events": self.events()}

    def to_dataframe(self):
        """One row per shot (pandas)."""
        import pandas as pd

        return pd.DataFrame([vars(s) for s in self.shots],
                            columns=[f.name for f in ReplayShot.__dataclass_fields__.values()])


def replay_trial(scenario: Scenario, catalog: Catalog, earth: EarthModel, mode: str, trial: int, *,
                 trials: int = 10_000, seed: int = 1) -> TrialReplay:
    """Replay trial ``trial`` (0-based) of ``mode`` from a ``trials``-trial run with ``seed``."""
    if mode not in MODES:
        raise InputError(f"unknown mode {mode!r}; use any of {', '.join(MODES)}", "mode")
    if mode == "sectoral" and not scenario.cooperation.sectors:
        raise InputError("the sectoral mode needs cooperation.sectors in the scenario", "mode")
    if not 0 <= trial < trials:
        raise InputError(f"must be in 0..{trials - 1}", "trial")
    objects = fly_raid(scenario, catalog, earth)
    prep = prepare(scenario, catalog, earth, objects, (mode,))[mode]
    draws = replay_draws(prep, trials, seed, trial)
    raw, log = run_logged(prep, draws)
    rows = log[0][log[0, :, 0] >= 0]
    shots = tuple(ReplayShot(int(r[0]), prep.battery_names[int(r[1])], prep.parties[prep.party[int(r[1])]],
                             int(r[2]), int(r[3]), float(r[4]), float(r[5]), int(r[6]), bool(r[7]),
                             AUTHORITY_OF_BIT.get(int(r[8]), "none")) for r in rows)
    first = draws["starts"][0]
    survived, cause = raw["survived"][0], raw["cause"][0]
    th = objects.threats
    out = []
    for i in range(len(th.kind)):
        raid = int(th.shot[i])
        entry = scenario.raid[raid]
        hits = [s.intercept_t_s for s in shots if s.target == i and s.killed]
        t_track = float(first[:, i].min()) if first.size else np.inf
        out.append(ReplayObject(
            i, ObjectKind(int(th.kind[i])).name.lower(), raid, entry.missile, entry.origin, entry.target,
            float(th.launch_t_s[i]), float(th.impact_t_s[i]) if np.isfinite(th.impact_t_s[i]) else None,
            t_track if np.isfinite(t_track) else None, None if survived[i] else min(hits),
            bool(survived[i] and th.kind[i] == int(ObjectKind.WARHEAD)),
            CAUSES[int(cause[i]) - 1] if cause[i] > 0 else None))
    return TrialReplay(scenario.name, mode, trial, trials, seed, tuple(out), shots,
                       tuple(prep.tracks.posts.names), first, objects)
