"""Screenshots of the main views, checked against the committed references with a tolerance.

The page draws the every-layer scene of conftest on the flat map and on the globe; the map's pixels
may differ from the reference in at most 2 % of places (antialiasing, font hinting). Set
OPENBMD_UPDATE_SCREENSHOTS=1 to rewrite the references after a deliberate change of the picture.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

DATA = Path(__file__).parent / "data"
TOLERANCE = 0.02


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)


@pytest.mark.parametrize("projection", ["flat", "globe"])
def test_main_views_match_their_references(page, projection, tmp_path):
    page.click(f"#proj-{projection}")
    page.evaluate("window.openbmdView.setTime(400)")
    shot = page.locator("#map-svg").screenshot(animations="disabled")
    (tmp_path / f"{projection}.png").write_bytes(shot)
    ref = DATA / f"view-{projection}.png"
    if os.environ.get("OPENBMD_UPDATE_SCREENSHOTS") == "1":
        DATA.mkdir(exist_ok=True)
        ref.write_bytes(shot)
    got, want = _pixels(shot), _pixels(ref.read_bytes())
    assert got.shape == want.shape
    differ = np.mean(np.any(np.abs(got - want) > 40, axis=-1))
    assert differ <= TOLERANCE, f"{differ:.1%} of pixels differ from {ref.name}; see {tmp_path}"
    # The picture is not blank: land, sea and the layers' colours are all there.
    colours = {tuple(c) for c in got[::7, ::7].reshape(-1, 3)}
    assert len(colours) > 50
