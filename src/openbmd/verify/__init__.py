"""What can an observer confirm? Observed interceptor flight tests and burnout-speed estimates.

The estimate is the observer's Stone Soup track (:mod:`openbmd.verify.track`), smoothed back to burnout; a batch
least-squares fit of the same rows (:mod:`openbmd.verify.estimate`) is its cross-check. The test is flown with the
interceptor's burn time and coasting β drawn from their catalog ranges, which the observer does not know
(:mod:`openbmd.verify.unknowns`): its interval carries them.

>>> import math
>>> from openbmd.catalog import load_catalog
>>> from openbmd.earth import wgs84
>>> from openbmd.verify import FlightTestRequest, run_flight_test
>>> result = run_flight_test(load_catalog(), FlightTestRequest("sm3-iia", "aegis-black-sea", math.radians(90),
...                                                            "russia"), wgs84())           # doctest: +SKIP
>>> result.statement()                                                                      # doctest: +SKIP
'observed 4.50 ± 0.01 km/s (95 %) (noise ± 0.19 m/s, sensor biases ± 0.055 m/s, burnout time ± 0.01 km/s, ...'
"""

from openbmd.verify.estimate import BurnoutFit, fit_burnout
from openbmd.verify.flighttest import FlightTest, FlightTestProfile, declare_test, fly_runs, fly_test
from openbmd.verify.observe import (BIAS_FIGURES, INTERCEPTOR_RCS_M2, Observations, ReleasePolicy, SensorBiases,
                                    observe, observer_posts, released_messages)
from openbmd.verify.track import BoostPrior, TrackerEstimate, track_burnout
from openbmd.verify.unknowns import ObserverUnknowns, UnknownFigure
from openbmd.verify.run import (CriterionCheck, Estimate, FlightTestRequest, FlightTestResult, monte_carlo,
                                run_flight_test, speed_limits)

__all__ = [
    "BurnoutFit", "fit_burnout", "FlightTest", "FlightTestProfile", "declare_test", "fly_test",
    "BIAS_FIGURES", "INTERCEPTOR_RCS_M2", "Observations", "SensorBiases", "ReleasePolicy", "observe", "observer_posts", "released_messages",
    "CriterionCheck", "Estimate", "FlightTestRequest", "FlightTestResult", "monte_carlo", "run_flight_test",
    "speed_limits", "BoostPrior", "TrackerEstimate", "track_burnout", "fly_runs", "ObserverUnknowns", "UnknownFigure",
]
