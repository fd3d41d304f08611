"""Every bad invocation gets one line on stderr naming the argument, exit 2 (1 for a runtime failure),
no traceback and nothing on stdout (no banner, no half table)."""

from __future__ import annotations

import importlib.resources
import socket

import pytest

from openbmd.cli import main
from openbmd.exchange.storage import open_storage

IRBM = ["--threat", "generic-irbm", "--from", "tabriz", "--to", "warsaw", "--site", "redzikowo"]
FP = ["footprint", "--threat-origin", "tabriz", "--missile", "generic-irbm", "--site", "deveselu",
      "--region", "45,50,20,25"]
BURN = ["trajectory", "--burnout-speed", "5km/s", "--flight-path-angle", "40deg"]
AIM = ["trajectory", "--missile", "generic-irbm", "--from", "tabriz"]
ASSURE = ["assure", "--deployment", "epaa-phase1", "--forces", "kozelsk", "--targets", "washington"]
LOG = ["--data", "{centre}", "--as", "nato"]
THREAT = ["threat", "--missiles", "shahab-3", "--areas", "tabriz"]
TEST = ["flight-test", "--interceptor", "sm3-ia", "--from", "40,10", "--azimuth", "90deg", "--observer", "nato"]

CASES = [
    # trajectory
    (["trajectory", "--burnout-altitude", "-5km", *BURN[1:]], 2, "--burnout-altitude: must not be negative"),
    (["trajectory", "--burnout-altitude", "100km", "--burnout-speed", "0km/s", "--flight-path-angle", "40deg"], 2,
     "--burnout-speed: must be positive"),
    (["trajectory", "--burnout-altitude", "100km", "--burnout-speed", "5", "--flight-path-angle", "40deg"], 2,
     "--burnout-speed: unit"),
    (["trajectory", "--burnout-altitude", "100km", *BURN[1:3], "--flight-path-angle", "95deg"], 2,
     "--flight-path-angle: must lie between"),
    (["trajectory", "--burnout-altitude", "100km"], 2, "--burnout-speed: missing"),
    (["trajectory", "--burnout-altitude", "100km", *BURN[1:], "--beta", "0"], 2, "--beta: must be positive"),
    (["trajectory", "--burnout-altitude", "100km", *BURN[1:], "--azimuth", "90"], 2, "--azimuth: unit"),
    (["trajectory", "--burnout-altitude", "100km", *BURN[1:], "--earth", "flat"], 2, "--earth: unknown Earth"),
    (["trajectory", "--burnout-altitude", "100km", *BURN[1:], "--missile", "generic-irbm"], 2, "--missile: give either"),
    ([*AIM, "--to", ""], 2, "--to: is empty"),
    ([*AIM, "--to", "atlantis"], 2, "--to: unknown place 'atlantis'"),
    ([*AIM, "--to", "95,10"], 2, "--to: latitude 95"),
    ([*AIM, "--to", "52,200"], 2, "--to: longitude 200"),
    (AIM, 2, "--to: missing"),
    (["trajectory", "--missile", "generic-irbm", "--to", "warsaw"], 2, "--from: missing"),
    (["trajectory", "--missile", "nope", "--from", "tabriz", "--to", "warsaw"], 2, "--missile: unknown missile"),
    (["trajectory", "--missile", "warsaw", "--from", "tabriz", "--to", "warsaw"], 2, "--missile: 'warsaw' is a place"),
    (["trajectory", "--missile", "shahab-3", "--from", "tabriz", "--to", "warsaw"], 2, "--to: target is 2512 km"),
    ([*AIM, "--to", "tabriz"], 2, "--to: launch point and target are the same"),
    ([*AIM, "--to", "warsaw", "--loft", "apogee=-5km"], 2, "--loft: must be positive"),
    ([*AIM, "--to", "warsaw", "--loft", "sideways"], 2, "--loft: cannot read 'sideways'"),
    ([*AIM, "--to", "warsaw", "--png", "{tmp}"], 1, "--png: "),
    ([*AIM, "--to", "warsaw", "--wat"], 2, "No such option: --wat"),
    # engage
    (["engage", *IRBM, "--launch-delay", "-30s"], 2, "--launch-delay: must not be negative"),
    (["engage", *IRBM, "--track-delay", "-1s"], 2, "--track-delay: must not be negative"),
    (["engage", *IRBM, "--kill-assessment", "-5s"], 2, "--kill-assessment: must not be negative"),
    (["engage", *IRBM, "--launch-delay", "soon"], 2, "--launch-delay: cannot read 'soon'"),
    (["engage", *IRBM, "--threat-rcs", "0m2"], 2, "--threat-rcs: must be positive"),
    (["engage", *IRBM, "--threat-rcs", "-1m2"], 2, "--threat-rcs: must be positive"),
    (["engage", *IRBM, "--interceptor-speed", "0km/s"], 2, "--interceptor-speed: must be positive"),
    (["engage", *IRBM, "--interceptor-speed", "5km"], 2, "--interceptor-speed: unit 'km'"),
    (["engage", *IRBM, "--timeline", "leisurely"], 2, "--timeline: unknown timeline 'leisurely'"),
    (["engage", *IRBM, "--interceptor", "nope"], 2, "--interceptor: unknown interceptor 'nope'"),
    (["engage", *IRBM, "--interceptor", "sm3-iia", "--interceptor", "sm3-ib", "--interceptor", "sm3-ib"], 2,
     "--interceptor: give one interceptor for all sites or one per site"),
    (["engage", *IRBM, "--sensor", "nope"], 2, "--sensor: unknown"),
    (["engage", *IRBM, "--sensor", "an-tpy-2"], 2, "--sensor: 'an-tpy-2' is a radar type"),
    (["engage", *IRBM[:4], "--to", "", "--site", "redzikowo"], 2, "--to: is empty"),
    (["engage", "--threat", "generic-irbm", "--from", "", *IRBM[4:]], 2, "--from: is empty"),
    (["engage", "--threat", "nope", *IRBM[2:]], 2, "--threat: unknown missile 'nope'"),
    (["engage", "--threat", "shahab-3", *IRBM[2:]], 2, "--to: target is 2512 km"),
    (["engage", *IRBM[:6], "--site", "atlantis"], 2, "--site: unknown place 'atlantis'"),
    (["engage", *IRBM[:6], "--site", "warsaw"], 2, "--interceptor: site 'warsaw' hosts no interceptors"),
    (["engage", *IRBM[:6]], 2, "Missing option '--site'"),
    (["engage", *IRBM, "--png", "{tmp}"], 1, "--png: "),
    # footprint
    ([*FP, "--grid", "0deg"], 2, "--grid: must be positive"),
    ([*FP, "--grid", "-1deg"], 2, "--grid: must be positive"),
    ([*FP, "--grid", "0.5"], 2, "--grid: unit"),
    ([*FP[:-2], "--region", "europe", "--grid", "0.001deg"], 2, "--grid: a 0.001 deg grid"),
    ([*FP, "--shots", "0"], 2, "--shots: must be at least 1"),
    ([*FP[:-2], "--region", "atlantis"], 2, "--region: unknown region 'atlantis'"),
    ([*FP[:-2], "--region", "95,99,0,10"], 2, "--region: latitudes"),
    ([*FP[:-2], "--region", "45,45,0,10"], 2, "--region: region '45,45,0,10' is empty"),
    (["footprint", "--threat-origin", "tabriz", "--missile", "nope", *FP[5:]], 2, "--missile: unknown missile"),
    (["footprint", "--threat-origin", "nowhere", *FP[3:]], 2, "--threat-origin: unknown place 'nowhere'"),
    ([*FP[:5], "--site", "atlantis", *FP[7:]], 2, "--site: unknown place 'atlantis'"),
    ([*FP, "--geojson", "{tmp}"], 1, "--geojson: "),
    # assure
    (["assure", "--deployment", "nope"], 2, "--deployment: unknown deployment 'nope'"),
    (["assure", "--deployment", "missing.yaml"], 2, "--deployment: no such file 'missing.yaml'"),
    (["assure", "--deployment", "{catalog}"], 2, "bad-catalog.yaml:7:5: entry 'my-city': field 'regoin': unknown "
                                                  "key; did you mean 'region'?"),
    ([*ASSURE[:3], "--forces", "china-icbm"], 2, "--forces: unknown place 'china-icbm'"),
    ([*ASSURE[:3], "--forces", "warsaw"], 2, "--forces: 'warsaw' is not a missile base"),
    ([*ASSURE[:5], "--targets", "atlantis"], 2, "--targets: unknown place 'atlantis'"),
    ([*ASSURE[:5], "--targets", ","], 2, "--targets: names no places"),
    ([*ASSURE, "--delay", "-5s"], 2, "--delay: must not be negative"),
    ([*ASSURE, "--interceptor-speed", "0km/s"], 2, "--interceptor-speed: must be positive"),
    ([*ASSURE, "--criteria", "nope"], 2, "--criteria: unknown criteria 'nope'"),
    ([*ASSURE, "--timeline", "nope"], 2, "--timeline: unknown timeline 'nope'"),
    ([*ASSURE, "--border", "atlantis"], 2, "--border: "),
    ([*ASSURE, "--by-year"], 2, "--by-year: deployment 'epaa-phase1' has no annual declaration"),
    ([*ASSURE, "--report", "{tmpfile}"], 1, "--report: "),
    # exercise
    (["exercise", "run", "nrc-2012", "--trials", "0"], 2, "--trials: must be at least 1"),
    (["exercise", "run", "nrc-2012", "--trials", "-5"], 2, "--trials: must be at least 1"),
    (["exercise", "run", "nrc-2012", "--trials", "many"], 2, "'--trials'"),
    (["exercise", "run", "nrc-2012", "--modes", "joint,united"], 2, "--modes: unknown mode 'united'"),
    (["exercise", "run", "nrc-2012", "--modes", ","], 2, "--modes: unknown mode"),
    (["exercise", "run", "nowhere"], 2, "scenario: no built-in scenario or file 'nowhere'"),
    (["exercise", "run", "{scenario}", "--trials", "10"], 2, ":18:47: parties.0.batteries.0.inventroy: unknown key; "
                                                             "did you mean 'inventory'?"),
    (["exercise", "run", "nrc-2012", "--workers", "0", "--trials", "10"], 2, "--workers: must be at least 1"),
    (["exercise", "run", "nrc-2012", "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"], 2,
     "--workers: give --workers or --scheduler"),
    (["exercise", "run", "nrc-2012", "--report", "{tmpfile}"], 1, "--report: "),
    (["exercise", "run"], 2, "Missing argument 'scenario'"),
    # track
    (["track", "--scenario", "nope"], 2, "--scenario: no scenario file 'nope'"),
    (["track", "--scenario", "iran-europe", "--party", "nobody"], 2, "--party: unknown party 'nobody'"),
    (["track", "--scenario", "{tracking}"], 2, ":2:1: partys: unknown key; did you mean 'parties'?"),
    (["track", "--scenario", "iran-europe", "--png", "{tmp}"], 1, "--png: "),
    # catalog
    (["catalog", "show", "nope"], 2, "NAME: unknown name 'nope'"),
    (["catalog", "list", "wizards"], 2, "KIND: unknown kind 'wizards'"),
    # exchange centre
    (["exchange", "init", "{tmp}/c2", "--parties", ","], 2, "--parties: give one or more distinct party names"),
    (["exchange", "init", "{tmp}/c3", "--parties", "nato,nato"], 2, "--parties: give one or more distinct"),
    (["exchange", "init", "{centre}", "--parties", "nato,russia"], 2, "already exists"),
    (["serve", "--data", "{centre}", "--port", "99999"], 2, "'--port'"),
    (["serve", "--data", "{centre}", "--port", "0"], 2, "'--port'"),
    (["serve", "--data", "{tmp}/nowhere"], 2, "--data: no centre.json"),
    (["serve", "--data", "{badkey}", "--port", "{free_port}"], 2, "--data: cannot read the centre key"),
    (["serve", "--data", "{centre}", "--port", "{busy_port}"], 1, "--port: cannot listen on 127.0.0.1:"),
    (["serve", "--data", "{served}", "--port", "{free_port}"], 1, "--data: another centre is using"),
    (["client", "example", "nope"], 2, "KIND: unknown kind 'nope'"),
    (["client", "read"], 2, "--as: give --data DIR --as PARTY"),
    (["client", "--data", "{centre}", "--as", "nobody", "read"], 2, "--as: unknown party 'nobody'"),
    (["client", "--data", "{tmp}/nowhere", "--as", "nato", "read"], 2, "--data: no centre.json"),
    (["client", *LOG, "submit", "{tmpfile}"], 2, "FILE: cannot read a {kind, body} message"),
    (["log", *LOG, "prove", "--leaf", "-1"], 2, "'--leaf'"),
    (["log", *LOG, "verify", "--head", "{tmpfile}"], 2, "--head: cannot read a tree head"),
    (["keys", "new", "nato", "--out", "{centre}/keys"], 2, "NAME: "),
    (["keys", "rotate", "--data", "{centre}", "--party", "nobody"], 2, "--party: unknown party 'nobody'"),
    (["keys", "rotate", "--data", "{tmp}/nowhere"], 2, "--data: no centre.json"),
    # threat
    (["threat", "--missiles", "nope", "--areas", "tabriz"], 2, "--missiles: unknown missile 'nope'"),
    (["threat", "--missiles", "shahab-3", "--areas", "atlantis"], 2, "--areas: unknown place 'atlantis'"),
    ([*THREAT, "--assumptions", "martian"], 2, "--assumptions: unknown assumptions 'martian'"),
    ([*THREAT, "--azimuths", "3"], 2, "--azimuths: need at least 8"),
    (["threat", "--missiles", "shahab-3", "--area-polygon", "x=1 2"], 2, "--area-polygon: cannot read 'x=1 2'"),
    # flight-test
    (["flight-test", "--interceptor", "nope", *TEST[3:]], 2, "--interceptor: unknown interceptor 'nope'"),
    ([*TEST[:4], "atlantis", *TEST[5:]], 2, "--from: unknown place 'atlantis'"),
    ([*TEST[:6], "90", *TEST[7:]], 2, "--azimuth: unit"),
    ([*TEST[:6], "east", *TEST[7:]], 2, "--azimuth: cannot read 'east' as an angle; write e.g. 45deg"),
    ([*TEST, "--released", "all"], 2, "--released: unknown release 'all'"),
    ([*TEST, "--observer-sensor", "gabala"], 2, "--observer-sensor: cannot read 'gabala'"),
    ([*TEST, "--trials", "-1"], 2, "--trials: must be a whole number 0..100000"),
    # export
    (["export", "{tmpfile}", "--to", "{tmp}/x.kml"], 2, "plain.txt: line 1: not JSON"),
    (["export", "{tmp}/nothere.json", "--to", "{tmp}/x.kml"], 2, "nothere.json: cannot read it"),
    (["export", "{tmpfile}", "--to", "{tmp}/x.docx"], 2, "--to: cannot tell the format of"),
    ([*AIM, "--to", "warsaw", "--export", "{tmp}/x.docx"], 2, "--export: cannot tell the format of"),
    ([*AIM, "--to", "warsaw", "--export", "{tmpfile}/x.kml"], 1, "--export: cannot create the folder"),
    # view
    (["view", "{tmp}/nothere.json", "--port", "0"], 2, "nothere.json: cannot read it"),
    (["view", "{tmpfile}", "--port", "0"], 2, "plain.txt: line 1: not JSON"),
    (["view", "--port", "0", "--centre", "http://127.0.0.1:1", "--as", "nato"], 2, "--data: live mode needs"),
    (["view", "--port", "0", "--data", "{tmp}/nowhere", "--as", "nato"], 2, "--data: no centre.json"),
]


@pytest.fixture(scope="module")
def places(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bad")
    text = (importlib.resources.files("openbmd.exercise") / "scenarios" / "nrc-2012.yaml").read_text("utf-8")
    bad = text.replace("{site: deveselu, interceptor: sm3-ib, inventory: 24", "{site: deveselu, interceptor: sm3-ib, "
                       "inventroy: 24")
    assert bad != text
    (tmp / "bad-scenario.yaml").write_text(bad)
    (tmp / "bad-tracking.yaml").write_text("name: x\npartys: {}\n")
    (tmp / "bad-catalog.yaml").write_text(
        "kind: place\nentries:\n  - name: my-city\n    display_name: My City\n    place_type: city\n"
        "    country: POL\n    regoin: europe\n    lat_deg: 52.0\n    lon_deg: 20.0\n    confidence: estimate\n"
        "    source: [{title: A map, year: 2020}]\n")
    (tmp / "plain.txt").write_text("not json, not yaml: a file where a folder is wanted\n")
    assert main(["exchange", "init", str(tmp / "centre"), "--parties", "nato,russia"]) == 0
    assert main(["exchange", "init", str(tmp / "badkey"), "--parties", "nato,russia"]) == 0
    (tmp / "badkey" / "keys" / "centre.key").write_text("garbage\n")
    assert main(["exchange", "init", str(tmp / "served"), "--parties", "nato,russia"]) == 0
    served = open_storage(None, tmp / "served")  # holds the data folder's lock, as a running centre does
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    free_port = free.getsockname()[1]
    free.close()
    yield {"tmp": str(tmp), "tmpfile": str(tmp / "plain.txt"), "scenario": str(tmp / "bad-scenario.yaml"),
           "tracking": str(tmp / "bad-tracking.yaml"), "catalog": str(tmp / "bad-catalog.yaml"), "centre": str(tmp / "centre"), "badkey": str(tmp / "badkey"),
           "busy_port": str(busy.getsockname()[1]), "free_port": str(free_port), "served": str(tmp / "served")}
    busy.close()
    served.close()


def test_the_table_covers_every_command_with_at_least_60_cases():
    assert len(CASES) >= 60
    assert {a[0] for a, _, _ in CASES} >= {"trajectory", "engage", "footprint", "assure", "exercise", "track",
                                            "catalog", "exchange", "serve", "client", "log", "keys", "threat",
                                            "flight-test", "export", "view"}


@pytest.mark.parametrize("argv, code, words", CASES, ids=[" ".join(a)[:70] for a, _, _ in CASES])
def test_bad_invocation_gets_one_line(capsys, places, argv, code, words):
    argv = [a.format(**places) if "{" in a and "{kind" not in a else a for a in argv]
    assert main(argv) == code
    out, err = capsys.readouterr()
    assert out == "", f"stdout should be empty, got {out!r}"
    assert err.count("\n") == 1 and err.startswith("openbmd: error: "), err
    assert "Traceback" not in err
    assert words in err, err
