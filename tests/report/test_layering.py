"""report is a leaf that stands on the shipped data alone."""

from __future__ import annotations

import subprocess
import sys


def test_report_imports_no_flight_and_no_pyplot():
    code = (
        "import sys, openbmd.report, openbmd.report.maps as m;"
        "m.world_axes();"
        "bad = [k for k in sys.modules if k.startswith(('openbmd.flight', 'matplotlib.pyplot'))];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
