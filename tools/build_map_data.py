"""Build the Natural Earth map data shipped in ``openbmd/earth/data/``.

A one-off developer tool; nothing in the package runs it. It reads the
TopoJSON files of the npm package ``world-atlas`` 2.0.2 (Natural Earth 4.1.0,
ISC-licensed packaging by Mike Bostock, public-domain data), decodes the
quantized, delta-encoded arcs to GeoJSON, cuts every shape at the antimeridian
so that a flat lon/lat map draws no horizontal bands, rounds the coordinates,
adds ISO 3166-1 alpha-3 codes and writes gzip'd GeoJSON::

    countries-110m.geojson.gz  countries-50m.geojson.gz
    land-110m.geojson.gz       land-50m.geojson.gz

Usage (network needed only here, to fetch the npm package)::

    python tools/build_map_data.py                 # runs `npm pack world-atlas@2.0.2`
    python tools/build_map_data.py /path/to/world-atlas/package   # an unpacked copy

The output is deterministic: the same input gives byte-identical files.

Antimeridian handling. world-atlas stores *spherical* polygons (they are made
for d3-geo): rings step straight across ±180° (Russia's Chukotka, Fiji) and
Antarctica's coast is a ring that goes once round the South Pole. Here each
ring is unwrapped in longitude (no step over 180°), a ring that goes round a
pole is closed through that pole, and the planar region is clipped to the
windows [-540, -180], [-180, 180] and [180, 540] and shifted back into
[-180, 180]. A polygon is the even-odd combination (symmetric difference) of
its rings, which needs no assumption about ring orientation. Finally every
edge longer than 10° in longitude (only the closing edge along the pole) is
densified, so no ring edge jumps more than 10° in longitude.
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np
import shapely
import shapely.affinity
from shapely.geometry import MultiPolygon, Polygon, box, mapping
from shapely.geometry.polygon import orient

VERSION = "2.0.2"
PACKAGE = f"world-atlas@{VERSION}"
SOURCE_URL = f"https://registry.npmjs.org/world-atlas/-/world-atlas-{VERSION}.tgz"
OUT_DIR = Path(__file__).resolve().parents[1] / "src" / "openbmd" / "earth" / "data"

#: Rounding grid in degrees per scale. The source grid is 360/99999 deg in
#: longitude, so 1e-4 deg keeps it; 110m is coarse enough for 1e-3 deg.
GRID_DEG = {"110m": 1e-3, "50m": 1e-4}
#: Longest allowed edge in longitude, degrees, after densifying.
MAX_EDGE_LON_DEG = 10.0

# ISO 3166-1 numeric -> alpha-3, for every code in ISO 3166-1.
ISO_N3_TO_A3 = {
    "004": "AFG", "008": "ALB", "010": "ATA", "012": "DZA", "016": "ASM", "020": "AND",
    "024": "AGO", "028": "ATG", "031": "AZE", "032": "ARG", "036": "AUS", "040": "AUT",
    "044": "BHS", "048": "BHR", "050": "BGD", "051": "ARM", "052": "BRB", "056": "BEL",
    "060": "BMU", "064": "BTN", "068": "BOL", "070": "BIH", "072": "BWA", "074": "BVT",
    "076": "BRA", "084": "BLZ", "086": "IOT", "090": "SLB", "092": "VGB", "096": "BRN",
    "100": "BGR", "104": "MMR", "108": "BDI", "112": "BLR", "116": "KHM", "120": "CMR",
    "124": "CAN", "132": "CPV", "136": "CYM", "140": "CAF", "144": "LKA", "148": "TCD",
    "152": "CHL", "156": "CHN", "158": "TWN", "162": "CXR", "166": "CCK", "170": "COL",
    "174": "COM", "175": "MYT", "178": "COG", "180": "COD", "184": "COK", "188": "CRI",
    "191": "HRV", "192": "CUB", "196": "CYP", "203": "CZE", "204": "BEN", "208": "DNK",
    "212": "DMA", "214": "DOM", "218": "ECU", "222": "SLV", "226": "GNQ", "231": "ETH",
    "232": "ERI", "233": "EST", "234": "FRO", "238": "FLK", "239": "SGS", "242": "FJI",
    "246": "FIN", "248": "ALA", "250": "FRA", "254": "GUF", "258": "PYF", "260": "ATF",
    "262": "DJI", "266": "GAB", "268": "GEO", "270": "GMB", "275": "PSE", "276": "DEU",
    "288": "GHA", "292": "GIB", "296": "KIR", "300": "GRC", "304": "GRL", "308": "GRD",
    "312": "GLP", "316": "GUM", "320": "GTM", "324": "GIN", "328": "GUY", "332": "HTI",
    "334": "HMD", "336": "VAT", "340": "HND", "344": "HKG", "348": "HUN", "352": "ISL",
    "356": "IND", "360": "IDN", "364": "IRN", "368": "IRQ", "372": "IRL", "376": "ISR",
    "380": "ITA", "384": "CIV", "388": "JAM", "392": "JPN", "398": "KAZ", "400": "JOR",
    "404": "KEN", "408": "PRK", "410": "KOR", "414": "KWT", "417": "KGZ", "418": "LAO",
    "422": "LBN", "426": "LSO", "428": "LVA", "430": "LBR", "434": "LBY", "438": "LIE",
    "440": "LTU", "442": "LUX", "446": "MAC", "450": "MDG", "454": "MWI", "458": "MYS",
    "462": "MDV", "466": "MLI", "470": "MLT", "474": "MTQ", "478": "MRT", "480": "MUS",
    "484": "MEX", "492": "MCO", "496": "MNG", "498": "MDA", "499": "MNE", "500": "MSR",
    "504": "MAR", "508": "MOZ", "512": "OMN", "516": "NAM", "520": "NRU", "524": "NPL",
    "528": "NLD", "531": "CUW", "533": "ABW", "534": "SXM", "535": "BES", "540": "NCL",
    "548": "VUT", "554": "NZL", "558": "NIC", "562": "NER", "566": "NGA", "570": "NIU",
    "574": "NFK", "578": "NOR", "580": "MNP", "581": "UMI", "583": "FSM", "584": "MHL",
    "585": "PLW", "586": "PAK", "591": "PAN", "598": "PNG", "600": "PRY", "604": "PER",
    "608": "PHL", "612": "PCN", "616": "POL", "620": "PRT", "624": "GNB", "626": "TLS",
    "630": "PRI", "634": "QAT", "638": "REU", "642": "ROU", "643": "RUS", "646": "RWA",
    "652": "BLM", "654": "SHN", "659": "KNA", "660": "AIA", "662": "LCA", "663": "MAF",
    "666": "SPM", "670": "VCT", "674": "SMR", "678": "STP", "682": "SAU", "686": "SEN",
    "688": "SRB", "690": "SYC", "694": "SLE", "702": "SGP", "703": "SVK", "704": "VNM",
    "705": "SVN", "706": "SOM", "710": "ZAF", "716": "ZWE", "724": "ESP", "728": "SSD",
    "729": "SDN", "732": "ESH", "740": "SUR", "744": "SJM", "748": "SWZ", "752": "SWE",
    "756": "CHE", "760": "SYR", "762": "TJK", "764": "THA", "768": "TGO", "772": "TKL",
    "776": "TON", "780": "TTO", "784": "ARE", "788": "TUN", "792": "TUR", "795": "TKM",
    "796": "TCA", "798": "TUV", "800": "UGA", "804": "UKR", "807": "MKD", "818": "EGY",
    "826": "GBR", "831": "GGY", "832": "JEY", "833": "IMN", "834": "TZA", "840": "USA",
    "850": "VIR", "854": "BFA", "858": "URY", "860": "UZB", "862": "VEN", "876": "WLF",
    "882": "WSM", "887": "YEM", "894": "ZMB",
}

# Features whose world-atlas id is missing or not their own ISO code.
# Kosovo has no ISO 3166-1 code; XKX is the user-assigned code used by the EU
# and the IMF. The others (Somaliland, N. Cyprus, Siachen Glacier, Indian
# Ocean Ter.) have none. Ashmore and Cartier Is. carries Australia's id 036.
A3_BY_NAME = {"Kosovo": "XKX"}


def fetch_package(workdir: Path) -> Path:
    """Run ``npm pack world-atlas@2.0.2`` in *workdir* and unpack it; return the package dir."""
    subprocess.run(["npm", "pack", PACKAGE, "--silent"], cwd=workdir, check=True,
                   stdout=subprocess.DEVNULL)
    tgz = workdir / f"world-atlas-{VERSION}.tgz"
    with tarfile.open(tgz) as tar:
        tar.extractall(workdir, filter="data")
    return workdir / "package"


# --- TopoJSON decoding -------------------------------------------------------------

def decode_arcs(topology: dict) -> list[np.ndarray]:
    """Decode quantized, delta-encoded TopoJSON arcs to (n, 2) lon/lat arrays in degrees."""
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        q = np.asarray(arc, dtype=np.float64)
        if transform is not None:
            q = np.cumsum(q, axis=0)  # delta decoding
            q = q * np.asarray(transform["scale"]) + np.asarray(transform["translate"])
        arcs.append(q)
    return arcs


def stitch_ring(arcs: list[np.ndarray], indices: list[int]) -> np.ndarray:
    """Join the arcs of one ring; a negative index ``~i`` means arc ``i`` reversed.

    Consecutive arcs share their joining point, which is kept once.
    """
    parts = []
    for i in indices:
        a = arcs[i] if i >= 0 else arcs[~i][::-1]
        parts.append(a if not parts else a[1:])
    return np.vstack(parts)


def polygons_of(geometry: dict) -> list[list[list[int]]]:
    """The arc-index rings of each polygon of a TopoJSON Polygon/MultiPolygon."""
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["arcs"]
    raise ValueError(f"unexpected geometry type {geometry['type']!r}")


# --- Antimeridian cutting ----------------------------------------------------------

_WINDOWS = [(-540.0, -180.0, 360.0), (-180.0, 180.0, 0.0), (180.0, 540.0, -360.0)]


def _as_polygonal(geom) -> shapely.Geometry:
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    polys = [g for g in shapely.get_parts(geom) if isinstance(g, Polygon) and not g.is_empty]
    if not polys:
        return Polygon()
    return shapely.unary_union(polys)


def ring_region(ring: np.ndarray) -> shapely.Geometry:
    """The planar region in [-180, 180] x [-90, 90] enclosed by one spherical ring."""
    lon = np.unwrap(ring[:, 0], period=360.0)
    lat = ring[:, 1]
    net = lon[-1] - lon[0]
    pts = np.column_stack([lon, lat])
    if abs(net) > 180.0:  # the ring goes round a pole: close it through that pole
        pole = -90.0 if lat.mean() < 0 else 90.0
        pts = np.vstack([pts, [[lon[-1], pole], [lon[0], pole]]])
    region = _as_polygonal(Polygon(pts))
    pieces = []
    for x0, x1, shift in _WINDOWS:
        part = region.intersection(box(x0, -90.0, x1, 90.0))
        if not part.is_empty:
            pieces.append(shapely.affinity.translate(part, xoff=shift))
    return _as_polygonal(shapely.unary_union(pieces))


def polygon_region(rings: list[np.ndarray]) -> shapely.Geometry:
    """A spherical polygon (shell and holes) as a planar region: even-odd of its rings."""
    region = ring_region(rings[0])
    for r in rings[1:]:
        region = region.symmetric_difference(ring_region(r))
    return _as_polygonal(region)


def densify_ring(coords: np.ndarray, max_dlon: float) -> np.ndarray:
    """Insert points on every edge longer than *max_dlon* degrees in longitude."""
    out = [coords[:1]]
    for a, b in zip(coords[:-1], coords[1:]):
        n = int(np.ceil(abs(b[0] - a[0]) / max_dlon))
        if n > 1:
            f = np.linspace(0.0, 1.0, n + 1)[1:, None]
            out.append(a + f * (b - a))
        else:
            out.append(b[None, :])
    return np.vstack(out)


def finish(geom: shapely.Geometry, grid: float) -> MultiPolygon:
    """Round to *grid*, keep valid, orient (shell CCW) and densify long edges."""
    geom = _as_polygonal(shapely.set_precision(geom, grid))
    polys = []
    for p in shapely.get_parts(geom):
        p = orient(p, sign=1.0)
        decimals = int(round(-np.log10(grid)))

        def fix(ring):
            c = densify_ring(np.asarray(ring.coords), MAX_EDGE_LON_DEG)
            return np.round(c, decimals)

        polys.append(Polygon(fix(p.exterior), [fix(h) for h in p.interiors]))
    return MultiPolygon(polys)


def feature_geometry(arcs, geometry: dict, grid: float) -> MultiPolygon:
    regions = [polygon_region([stitch_ring(arcs, r) for r in poly])
               for poly in polygons_of(geometry)]
    return finish(_as_polygonal(shapely.unary_union(regions)), grid)


# --- Output ------------------------------------------------------------------------

def geojson_geometry(geom: MultiPolygon) -> dict:
    """GeoJSON dict; a single-part MultiPolygon is written as a Polygon."""
    g = geom.geoms[0] if len(geom.geoms) == 1 else geom
    return mapping(g)


def write_gz_json(path: Path, obj: dict) -> None:
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    # mtime=0 and no file name in the header: byte-identical output on each build.
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
            gz.write(text.encode("utf-8"))


def metadata(source_file: str, scale: str) -> dict:
    return {
        "source": f"Natural Earth 4.1.0 via npm world-atlas {VERSION}, {source_file}",
        "url": SOURCE_URL,
        "licence": "Natural Earth: public domain; world-atlas packaging: ISC (c) Mike Bostock",
        "scale": scale,
        "grid_deg": GRID_DEG[scale],
        "antimeridian": "cut at +-180 deg; no ring edge spans more than "
                        f"{MAX_EDGE_LON_DEG:g} deg of longitude",
        "built_by": "tools/build_map_data.py",
    }


def build_countries(pkg: Path, scale: str, out_dir: Path) -> Path:
    src = f"countries-{scale}.json"
    topo = json.loads((pkg / src).read_text())
    arcs = decode_arcs(topo)
    features = []
    for g in topo["objects"]["countries"]["geometries"]:
        name = g["properties"]["name"]
        iso_n3 = g.get("id")
        iso_a3 = A3_BY_NAME.get(name) or (ISO_N3_TO_A3.get(iso_n3) if iso_n3 else None)
        if iso_n3 is not None and iso_n3 not in ISO_N3_TO_A3:
            raise SystemExit(f"no alpha-3 code for {name!r} id {iso_n3!r}")
        geom = feature_geometry(arcs, g, GRID_DEG[scale])
        features.append({
            "type": "Feature",
            "properties": {"name": name, "iso_n3": iso_n3, "iso_a3": iso_a3},
            "geometry": geojson_geometry(geom),
        })
    features.sort(key=lambda f: f["properties"]["name"])
    out = out_dir / f"countries-{scale}.geojson.gz"
    write_gz_json(out, {"type": "FeatureCollection", "metadata": metadata(src, scale),
                        "features": features})
    return out


def build_land(pkg: Path, scale: str, out_dir: Path) -> Path:
    src = f"land-{scale}.json"
    topo = json.loads((pkg / src).read_text())
    arcs = decode_arcs(topo)
    (g,) = topo["objects"]["land"]["geometries"]
    geom = feature_geometry(arcs, g, GRID_DEG[scale])
    out = out_dir / f"land-{scale}.geojson.gz"
    write_gz_json(out, {"type": "FeatureCollection", "metadata": metadata(src, scale),
                        "features": [{"type": "Feature", "properties": {},
                                      "geometry": geojson_geometry(geom)}]})
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("package", nargs="?", type=Path,
                        help="unpacked world-atlas package dir (default: npm pack it)")
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        pkg = args.package or fetch_package(Path(tmp))
        version = json.loads((pkg / "package.json").read_text())["version"]
        if version != VERSION:
            raise SystemExit(f"expected world-atlas {VERSION}, found {version}")
        for scale in ("110m", "50m"):
            for build in (build_countries, build_land):
                path = build(pkg, scale, args.out)
                print(f"{path.name}: {path.stat().st_size / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
