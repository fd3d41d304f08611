"""Shared fixtures of the tracking tests."""

import importlib.util
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parents[2] / "tools" / "calibrate_track_quality.py"


@pytest.fixture(scope="module")
def calibration_tool():
    """``tools/calibrate_track_quality.py`` loaded as a module."""
    spec = importlib.util.spec_from_file_location("calibrate_track_quality", TOOL)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod
