"""``make setup`` warms numba's cache (``python -m openbmd.warmup``): the first command after it compiles nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys

PROBE = """
import json, sys
import openbmd.api as ob
from numba.core.dispatcher import Dispatcher
ob.trajectory("shahab-3", "tabriz", "ankara")
hits, misses = 0, []
for name, module in list(sys.modules.items()):
    if name.startswith("openbmd"):
        for attr, value in vars(module).items():
            if isinstance(value, Dispatcher):
                hits += sum(value.stats.cache_hits.values())
                misses += [f"{name}.{attr}"] * sum(value.stats.cache_misses.values())
print(json.dumps([hits, sorted(set(misses))]))
"""


def test_after_the_warm_up_a_command_loads_every_kernel_from_the_cache(tmp_path):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}  # an empty cache, not the checkout's
    subprocess.run([sys.executable, "-m", "openbmd.warmup", "trajectory"], env=env, check=True, capture_output=True)
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, check=True, capture_output=True, text=True)
    hits, misses = json.loads(out.stdout.strip().splitlines()[-1])
    assert hits > 0 and misses == []


def test_an_unknown_warm_up_step_is_one_line():
    out = subprocess.run([sys.executable, "-m", "openbmd.warmup", "nonsense"], capture_output=True, text=True)
    assert out.returncode != 0 and out.stderr.strip().count("\n") == 0 and "nonsense" in out.stderr
