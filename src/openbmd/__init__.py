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
        "compare_exercises", "track", "TrajectoryResult", "EngagementResult", "FootprintResult", "AssuranceReport",
        "ExerciseReport", "ExerciseComparison", "TrackingResult", "replay", "ReplayResult", "threat", "ThreatResult",
        "flight_test", "FlightTestReport")

__all__ = ["__version__", *_API]


_CALLABLE_PACKAGES = {"exercise", "threat"}
"""Subpackages that share their name with an API function: the subpackage is bound, made callable."""


def __getattr__(name: str) -> Any:
    # The API is imported on first use, so that `import openbmd` (and the CLI's start) stays light.
    if name in _CALLABLE_PACKAGES or name == "api":
        import importlib

        return importlib.import_module(f"{__name__}.{name}")  # binds the callable package (see _Package)
    if name in _API:
        from openbmd import api

        return getattr(api, name)
    raise AttributeError(f"module 'openbmd' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])


class _CallablePackage(types.ModuleType):
    """A subpackage that is also the API function of its name: ``openbmd.exercise("nrc-2012", trials=...)``
    calls :func:`openbmd.api.exercise`, while ``openbmd.exercise.engine`` is still the engine module."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._function()(*args, **kwargs)

    def _function(self) -> Any:
        from openbmd import api

        return getattr(api, self.__name__.rpartition(".")[2])

    @property
    def __signature__(self) -> Any:  # inspect.signature(openbmd.exercise) is the API function's
        import inspect

        return inspect.signature(self._function())


class _Package(types.ModuleType):
    """``openbmd`` itself. ``exercise`` (and ``threat``, the same way) names both a subpackage and an API function; rather than one hiding
    the other (``import openbmd.exercise`` would rebind the name to the package, and the function would then
    be gone, or the reverse), ``openbmd.exercise`` is always the subpackage, made callable: calling it runs
    :func:`openbmd.api.exercise`. So ``ob.exercise("nrc-2012", trials=2_000)``, ``import openbmd.exercise.engine``
    and ``from openbmd.exercise.run import run_exercise`` all work, in any order; ``inspect.signature`` of the
    package is the function's. ``openbmd.api.exercise`` is the plain function, for ``help()``.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _CALLABLE_PACKAGES and isinstance(value, types.ModuleType) and not callable(value):
            value.__class__ = _CallablePackage
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
