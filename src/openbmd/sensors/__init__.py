"""Who sees it? Radar and space-based infrared visibility and first detection.

>>> from openbmd.catalog import load_catalog
>>> from openbmd.sensors import sensor_posts
>>> [p.name for p in sensor_posts(load_catalog(), ["kurecik", "sbirs"])]
['kurecik/an-tpy-2', 'sbirs']
"""

from openbmd.sensors.measurements import (
    GEO_LON_DEG,
    MeasurementBatch,
    MeasurementOptions,
    generate_measurements,
    geo_satellite_ecef,
)
from openbmd.sensors.visibility import SensorPost, first_detection, place_posts, sensor_posts, visibility

__all__ = ["SensorPost", "sensor_posts", "place_posts", "first_detection", "visibility",
           "MeasurementBatch", "MeasurementOptions", "generate_measurements", "geo_satellite_ecef",
           "GEO_LON_DEG"]
