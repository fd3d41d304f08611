"""Does a deployment threaten strategic forces? Corridors, engageability, speed thresholds, border distances,
and publicly proposed criteria checked against a deployment."""

from openbmd.assurance.assess import (
    Armed,
    AssuranceResult,
    SiteCheck,
    arm,
    assess,
    assess_years,
    engageable,
    evaluate_criteria,
    sensitivity,
    site_checks,
)
from openbmd.assurance.corridors import FORCES, TARGET_SETS, Corridors, force_bases, strategic_corridors, target_places
from openbmd.assurance.threshold import LADDER_MPS, latest_launch_s, speed_thresholds_mps

__all__ = [
    "Armed", "AssuranceResult", "SiteCheck", "arm", "assess", "assess_years", "engageable", "evaluate_criteria", "site_checks", "sensitivity",
    "FORCES", "TARGET_SETS", "Corridors", "force_bases", "strategic_corridors", "target_places",
    "LADDER_MPS", "latest_launch_s", "speed_thresholds_mps",
]
