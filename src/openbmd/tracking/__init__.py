"""What do we know? Stone Soup tracking of ballistic missiles, its products, and multi-party fusion.

>>> from openbmd.tracking import builtin_scenario, run_scenario
>>> report = run_scenario(builtin_scenario("iran-europe"), "joint")   # doctest: +SKIP

Modules: :mod:`~openbmd.tracking.models` (Stone Soup transition and measurement models),
:mod:`~openbmd.tracking.tracker` (M-of-N initiation, GNN association, deletion),
:mod:`~openbmd.tracking.products` (impact ellipse, launch point, range class),
:mod:`~openbmd.tracking.fusion` (covariance intersection at the joint centre),
:mod:`~openbmd.tracking.scenario` (YAML scenarios), :mod:`~openbmd.tracking.picture` (end to end).
"""

from openbmd.tracking.fusion import PictureTrack, SharedTracks, build_picture, covariance_intersection
from openbmd.tracking.models import (
    BallisticTransitionModel,
    LineOfSightMeasurementModel,
    RadarMeasurementModel,
    RadarRangeRateMeasurementModel,
)
from openbmd.tracking.picture import JOINT, ThreatReport, TrackingReport, fly_raid, run_scenario
from openbmd.tracking.products import ImpactPrediction, LaunchEstimate, estimate_launch, predict_impacts, range_class
from openbmd.tracking.scenario import BUILTIN, Scenario, builtin_scenario, load_scenario, parse_scenario
from openbmd.tracking.tracker import PartyTracker, PartyTracks, TrackerConfig, TrackHistory, track_party

__all__ = [
    "BallisticTransitionModel", "RadarMeasurementModel", "RadarRangeRateMeasurementModel",
    "LineOfSightMeasurementModel", "TrackerConfig", "PartyTracker", "PartyTracks", "TrackHistory", "track_party",
    "ImpactPrediction", "LaunchEstimate", "predict_impacts", "estimate_launch", "range_class",
    "SharedTracks", "PictureTrack", "build_picture", "covariance_intersection",
    "Scenario", "BUILTIN", "builtin_scenario", "load_scenario", "parse_scenario",
    "JOINT", "ThreatReport", "TrackingReport", "fly_raid", "run_scenario",
]
