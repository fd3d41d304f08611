"""Run every benchmark module, print a table and merge the figures into a JSON file.

Usage: python -m bench [out/bench.json]
Each module ``bench/bench_*.py`` has ``run() -> list[dict]`` returning
``{name, value, unit, baseline_name, baseline_value}`` records (rates: higher is better).
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
from pathlib import Path

import bench


def main(path: str = "out/bench.json") -> None:
    out = Path(path)
    records: list[dict] = []
    for mod in sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_")):
        print(f"== {mod}", flush=True)
        records += importlib.import_module(f"bench.{mod}").run()
    old = json.loads(out.read_text()) if out.exists() else []
    names = {r["name"] for r in records}
    merged = [r for r in old if r.get("name") not in names] + records
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(merged, indent=2) + "\n")
    print(f"\n{'figure':44s} {'ours':>14s} {'baseline':>14s} {'ratio':>8s}  unit")
    for r in records:
        ratio = r["value"] / r["baseline_value"] if r.get("baseline_value") else float("nan")
        print(f"{r['name']:44s} {r['value']:14.1f} {r['baseline_value']:14.2f} {ratio:8.0f}x  {r['unit']}"
              f"  (baseline: {r['baseline_name']})")
        for k, v in r.get("check", {}).items():
            print(f"{'':44s} {k} = {v:.3g}")
    print(f"\nwritten: {out}")


if __name__ == "__main__":
    main(*sys.argv[1:])
