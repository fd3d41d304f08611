"""openbmd: open, rerunnable analysis of cooperative ballistic-missile defence.

The front door is :mod:`openbmd.api`, re-exported here::

    import openbmd as ob
    ob.trajectory("generic-irbm", "tabriz", "warsaw").to_dataframe()
    ob.exercise("nrc-2012", trials=2_000, seed=1).to_dataframe()

Packages, bottom to top: ``earth`` (where is it?), ``catalog`` (what exists?), ``flight`` (how does it
fly?), ``sensors``, ``tracking``, ``engagement``, ``assurance``, ``exercise``, ``exchange``; ``report``
and ``cli`` are views. SI units inside; frames are written into names (``r_ecef``, ``v_eci``).
"""

import sys
import types
from typing import Any

__version__ = "0.1.0"

_API = ("Catalog", "PlaceLike", "trajectory", "trajectory_from_burnout", "engage", "footprint", "assure", "exercise",
        "track", "TrajectoryResult", "EngagementResult", "FootprintResult", "AssuranceReport", "ExerciseReport",
        "TrackingResult", "replay", "ReplayResult")

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    # The API is imported on first use, so that `import openbmd` (and the CLI's start) stays light.
    if name in _API:
        from openbmd import api

        return getattr(api, name)
    raise AttributeError(f"module 'openbmd' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])


class _Package(types.ModuleType):
    """``openbmd`` itself: the API's ``exercise()`` keeps its name although a subpackage is called so too.

    Importing ``openbmd.exercise`` would bind the subpackage over ``openbmd.exercise``; it stays reachable as
    ``sys.modules["openbmd.exercise"]`` and by ``from openbmd.exercise import ...``.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _API and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
