"""Can we hit it? Interceptor fly-out tables, engagement windows and timelines, defended footprints.

>>> from openbmd.catalog import load_catalog
>>> from openbmd.earth import wgs84
>>> from openbmd.engagement import flyout_table
>>> table = flyout_table(load_catalog().interceptor("sm3-iia"), wgs84())
>>> round(float(table.time_to_reach_s(500e3, 200e3)))      # s to 500 km out, 200 km up
159
"""

from openbmd.engagement.deployment import (
    ShotEngagement,
    batteries,
    deployment_posts,
    engage_shot,
    timeline_for,
)
from openbmd.engagement.fireunit import FireUnit, fire_unit
from openbmd.engagement.flyout import FlyoutTable, flyout_table, ground_range_m, kinematic_reach
from openbmd.engagement.footprint import (
    REGIONS,
    Footprint,
    ThreatGrid,
    defended_footprint,
    grid_axes,
    region_box,
    threat_grid,
)
from openbmd.engagement.opportunity import (
    Fleet, committable_launch_times, fleet, ladder_fleet, launch_times, opportunity_launch_times)
from openbmd.engagement.windows import (
    EngagementBatch,
    EngagementWindow,
    Opportunity,
    engage,
    window_of,
    windows_of,
)

__all__ = [
    "FlyoutTable", "flyout_table", "ground_range_m", "kinematic_reach",
    "FireUnit", "fire_unit", "Fleet", "fleet", "ladder_fleet", "launch_times", "opportunity_launch_times",
    "committable_launch_times",
    "EngagementBatch", "EngagementWindow", "Opportunity", "engage", "window_of", "windows_of",
    "Footprint", "ThreatGrid", "threat_grid", "defended_footprint", "REGIONS", "region_box", "grid_axes",
    "ShotEngagement", "batteries", "deployment_posts", "engage_shot", "timeline_for",
]
