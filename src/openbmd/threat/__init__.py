"""Who is threatened by what? Reach of third-country missiles under each party's assumption set, flight and
warning times, and where two assessments diverge.

>>> from openbmd.catalog import load_catalog
>>> from openbmd.earth import wgs84
>>> from openbmd.threat import ThreatRequest, assess_threats
>>> result = assess_threats(load_catalog(), ThreatRequest(("shahrud",), ("sejjil-2",)), wgs84())  # doctest: +SKIP
>>> [d.field for d in result.divergence]                                                        # doctest: +SKIP
['max_range_m', 'payload_mass_kg', 'first_year']
"""

from openbmd.threat.assess import (JOINT, Reach, Threat, ThreatAssessment, ThreatRequest, assess_missile,
                                   assess_threats, assessment_steps, orbital_note, reach_of)
from openbmd.threat.areas import LaunchArea, place_area, polygon_area, resolve_areas
from openbmd.threat.coverage import countries_covered, places_within, target_places
from openbmd.threat.divergence import Divergence, FigureEffect, differing_fields, divergence_table, figure_text
from openbmd.threat.reach import ReachContour, reach_contours
from openbmd.threat.vehicles import AssumedMissile, assumed_missile, reference_range_m

__all__ = [
    "JOINT", "Reach", "Threat", "ThreatAssessment", "ThreatRequest", "assess_missile", "assess_threats", "assessment_steps",
    "orbital_note", "reach_of",
    "LaunchArea", "place_area", "polygon_area", "resolve_areas", "countries_covered", "places_within", "target_places",
    "Divergence", "FigureEffect", "differing_fields", "divergence_table", "figure_text",
    "ReachContour", "reach_contours", "AssumedMissile", "assumed_missile", "reference_range_m",
]
