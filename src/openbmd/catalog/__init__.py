"""What exists? Public data on missiles, interceptors, sensors and places.

Entries live in ``data/*.yaml``, each with its public ``source`` and a
``confidence`` of ``published`` or ``estimate``; they load into validated,
frozen pydantic models. SI units throughout, written into the field names.

>>> from openbmd.catalog import load_catalog
>>> cat = load_catalog()
>>> cat.missile("shahab-3").max_range_m
1300000.0
>>> cat.point("52.2,21.0")
(52.2, 21.0, '52.2,21.0')
"""

from openbmd.catalog.loader import load_catalog, parse_entries
from openbmd.catalog.lookup import KIND_WORDS, Catalog, CatalogError
from openbmd.catalog.models import (
    ENTRY_TYPES,
    Calibration,
    FlightTest,
    Figure,
    Entry,
    Interceptor,
    Missile,
    Place,
    PostBoost,
    Sensor,
    SensorMount,
    Source,
    Stage,
    Timeline,
    Deployment,
    Emplacement,
    Declaration,
    CriteriaSet,
    Criterion,
    AssumedFigure,
    AssumptionSet,
    MissileAssumption,
    ASSUMED_FIELDS,
    Region,
)

__all__ = [
    "load_catalog", "parse_entries", "Catalog", "CatalogError", "KIND_WORDS",
    "Entry", "Source", "Stage", "Calibration", "FlightTest", "Figure", "Missile", "PostBoost", "Interceptor", "Sensor", "SensorMount", "Place", "Timeline",
    "Deployment", "Emplacement", "Declaration", "CriteriaSet", "Criterion",
    "AssumedFigure", "AssumptionSet", "MissileAssumption", "ASSUMED_FIELDS", "Region",
    "ENTRY_TYPES",
]
