"""Live mode: the fused picture one party may see, followed from the centre's event stream.

The view server holds the party's private key and signs each request to the centre here; the page
talks only to the view server and never holds the key. Each picture becomes ``openbmd-scene``
features: every fused track where it is now (layer ``tracks``) and its predicted impact point with
the 95 % error ellipse (layer ``impacts``, :func:`openbmd.tracking.products.predict_impacts`).
"""

from __future__ import annotations

import json
import math
import threading
from typing import Any, Iterator

import httpx
import numpy as np

from openbmd.earth import EarthModel, ecef_to_geodetic, geodesic_direct, wgs84
from openbmd.exchange.auth import sign_request
from openbmd.exchange.service import wall_clock_ms
from openbmd.exchange.signing import load_private_key

STREAM = "/v1/picture/stream?poll_s=0.2&max_s=600"
ELLIPSE_POINTS = 48


def track_features(picture: dict[str, Any], earth: EarthModel) -> list[dict[str, Any]]:
    """Scene point features of a fused picture's tracks (position now, speed, 1-σ position error)."""
    out = []
    for tr in picture.get("tracks", []):
        lat, lon, alt = ecef_to_geodetic(np.asarray(tr["r_ecef_m"], float), earth)
        cov = np.asarray(tr["covariance_si"], float)
        out.append({"type": "point", "layer": "tracks", "name": f"track {tr['picture_id']}",
                    "lat_deg": math.degrees(float(lat)), "lon_deg": math.degrees(float(lon)), "alt_m": float(alt),
                    "t_s": None, "sources": [], "figures": {
                        "picture_id": tr["picture_id"], "members": ", ".join(f"{p}:{t}" for p, t in tr["members"]),
                        "speed_mps": float(np.linalg.norm(tr["v_ecef_mps"])),
                        "position_sigma_m": float(math.sqrt(max(np.trace(cov[:3, :3]), 0.0))),
                        "picture_time_unix_ms": picture.get("time_unix_ms")}})
    return out


def impact_features(picture: dict[str, Any], earth: EarthModel) -> list[dict[str, Any]]:
    """Each track's predicted impact point and 95 % ellipse (vacuum flight of the track's sigma points)."""
    from openbmd.tracking.products import predict_impacts

    tracks = picture.get("tracks", [])
    if not tracks:
        return []
    x = np.array([tr["r_ecef_m"] + tr["v_ecef_mps"] for tr in tracks], float)
    p = np.array([tr["covariance_si"] for tr in tracks], float)
    pred = predict_impacts(np.zeros(len(tracks)), x, p, earth)
    out = []
    for k, tr in enumerate(tracks):
        if not np.isfinite(pred.lat_rad[k]) or not np.isfinite(pred.semi_major_m[k]):
            continue
        lat, lon = math.degrees(pred.lat_rad[k]), math.degrees(pred.lon_rad[k])
        a, b, az = float(pred.semi_major_m[k]), float(pred.semi_minor_m[k]), float(pred.major_azimuth_rad[k])
        figures = {"picture_id": tr["picture_id"], "time_to_impact_s": float(pred.t_impact_s[k]),
                   "ellipse_95_semi_major_m": a, "ellipse_95_semi_minor_m": b,
                   "major_axis_azimuth_deg": math.degrees(az) % 180.0,
                   "drawn": "derived: track state and covariance flown to the ground (vacuum, sigma points)"}
        out.append({"type": "point", "layer": "impacts", "name": f"track {tr['picture_id']}: predicted impact",
                    "lat_deg": lat, "lon_deg": lon, "alt_m": 0.0, "t_s": None, "sources": [], "figures": figures})
        out.append({"type": "area", "layer": "impacts", "name": f"track {tr['picture_id']}: 95 % impact ellipse",
                    "value": None, "sources": [], "figures": figures,
                    "polygons": [[ellipse_ring(lat, lon, a, b, az, earth).tolist()]]})
    return out


def ellipse_ring(lat_deg: float, lon_deg: float, a_m: float, b_m: float, azimuth_rad: float,
                 earth: EarthModel, n: int = ELLIPSE_POINTS) -> np.ndarray:
    """An ellipse on the ground, semi-axes ``a_m`` along ``azimuth_rad`` (from north) and ``b_m`` across,
    as a closed (n + 1, 2) lon, lat ring in degrees (each point along a geodesic from the centre)."""
    th = np.linspace(0.0, 2.0 * math.pi, n + 1)
    east = a_m * np.cos(th) * math.sin(azimuth_rad) + b_m * np.sin(th) * math.cos(azimuth_rad)
    north = a_m * np.cos(th) * math.cos(azimuth_rad) - b_m * np.sin(th) * math.sin(azimuth_rad)
    lat, lon = geodesic_direct(math.radians(lat_deg), math.radians(lon_deg), np.arctan2(east, north),
                               np.hypot(east, north), earth)
    ring = np.column_stack([np.degrees(lon), np.degrees(lat)])
    ring[-1] = ring[0]
    return ring


class LiveFeed:
    """Follows ``party``'s fused picture at ``base_url`` in a background thread.

    :meth:`wait` returns the newest ``(version, document)``; the document is ``{"party", "centre",
    "time_unix_ms", "tree_size", "features", "error"}``.
    """

    def __init__(self, base_url: str, party: str, private_key_pem: bytes, *, earth: EarthModel | None = None,
                 stream: str = STREAM) -> None:
        self.base_url, self.party, self.stream = base_url.rstrip("/"), party, stream
        self._key = load_private_key(private_key_pem)
        self._earth = earth or wgs84()
        self._cond = threading.Condition()
        self._version = 0
        self._doc: dict[str, Any] = {"party": party, "centre": self.base_url, "time_unix_ms": None,
                                     "tree_size": None, "features": [], "error": None}
        self._stop = threading.Event()
        self._response: httpx.Response | None = None
        self._thread = threading.Thread(target=self._run, name="openbmd-live", daemon=True)

    def start(self) -> "LiveFeed":
        self._thread.start()
        return self

    def stop(self, wait_s: float = 1.0) -> None:
        """Stop following: close the stream and give the thread ``wait_s`` to end (a read blocked on a
        quiet stream ends, at the latest, when the centre closes the connection; the thread is a daemon)."""
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        response = self._response
        if response is not None:
            try:
                response.close()
            except (httpx.HTTPError, RuntimeError):
                pass
        self._thread.join(wait_s)

    def wait(self, seen: int, timeout_s: float) -> tuple[int, dict[str, Any]]:
        """Block until a version newer than ``seen`` (or ``timeout_s``); return the newest."""
        with self._cond:
            self._cond.wait_for(lambda: self._version != seen or self._stop.is_set(), timeout_s)
            return self._version, self._doc

    def _publish(self, **changes: Any) -> None:
        with self._cond:
            self._doc = {**self._doc, **changes}
            self._version += 1
            self._cond.notify_all()

    def _run(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=httpx.Timeout(30.0, read=None)) as http:
            while not self._stop.is_set():
                try:
                    for event, data in self._events(http):
                        if event == "picture":
                            self._show(json.loads(data))
                        if self._stop.is_set():
                            return
                except (httpx.HTTPError, OSError, ValueError, RuntimeError) as exc:
                    if self._stop.is_set():
                        return
                    self._publish(error=f"centre {self.base_url}: {exc}")
                    self._stop.wait(1.0)

    def _events(self, http: httpx.Client) -> Iterator[tuple[str, str]]:
        """Server-sent events of one signed request to the centre's picture stream."""
        headers = sign_request(self._key, self.party, "GET", self.stream, wall_clock_ms())
        with http.stream("GET", self.stream, headers=headers) as r:
            self._response = r
            if r.status_code != 200:
                raise ValueError(f"{r.status_code} {r.read()[:200]!r}")
            event, data = "message", []
            for line in r.iter_lines():
                if self._stop.is_set():
                    return
                if not line:
                    if data:
                        yield event, "\n".join(data)
                    event, data = "message", []
                elif line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].lstrip())

    def _show(self, picture: dict[str, Any]) -> None:
        tracks = track_features(picture, self._earth)
        meta = {"time_unix_ms": picture.get("time_unix_ms"), "tree_size": picture.get("tree_size"), "error": None}
        self._publish(features=tracks, **meta)  # positions at once; impact prediction takes longer
        impacts = impact_features(picture, self._earth)
        if impacts:
            self._publish(features=tracks + impacts, **meta)

