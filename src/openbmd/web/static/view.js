// openbmd view: the scenes of /api/scene on a flat map or a globe (d3-geo), a time slider with
// play/pause moving a marker along every path, and an altitude profile linked to the slider.
// Everything it loads comes from this server; the page's state is window.openbmdView.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const TAU = 2 * Math.PI;
const PLAY_SECONDS = 30;  // one pass over the whole time span takes this long

const view = {
  scene: null, layers: {}, counts: {}, hidden: new Set(), projection: "flat",
  t: 0, span: [0, 1], playing: false, rotate: [-20, -35], zoom: 1, pan: [0, 0],
  markers: [], selected: null, ready: false, frames: 0,
};
window.openbmdView = view;  // tests and bench/bench_view.py read it and call view.setTime, view.render

function el(name, attrs = {}, parent = null) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (parent) parent.appendChild(e);
  return e;
}

// d3-geo wants spherical polygons' outer rings clockwise; GeoJSON (RFC 7946) and our scenes may not.
function sphericalRings(rings) {
  return rings.map((ring, k) => {
    const r = ring.map(c => [c[0], c[1]]);
    const big = d3.geoArea({type: "Polygon", coordinates: [r]}) > TAU;
    return (k === 0) === big ? r.slice().reverse() : r;
  });
}

// Scene areas have straight edges in lon/lat (grid cells, RFC 7946); on the sphere d3 would draw
// them as great circles, so add points every degree along each edge.
function densify(ring, step = 1) {
  const out = [];
  for (let i = 0; i < ring.length - 1; i++) {
    const [a, b] = [ring[i], ring[i + 1]];
    let dx = b[0] - a[0];
    if (dx > 180) dx -= 360; else if (dx < -180) dx += 360;  // the short way round
    const n = Math.max(1, Math.ceil(Math.max(Math.abs(dx), Math.abs(b[1] - a[1])) / step));
    for (let j = 0; j < n; j++) {
      let lon = a[0] + dx * j / n;
      if (lon > 180) lon -= 360; else if (lon < -180) lon += 360;
      out.push([lon, a[1] + (b[1] - a[1]) * j / n]);
    }
  }
  out.push(ring[ring.length - 1]);
  return out;
}

function fixGeometry(g) {
  if (g.type === "Polygon") return {type: "Polygon", coordinates: sphericalRings(g.coordinates)};
  if (g.type === "MultiPolygon") return {type: "MultiPolygon", coordinates: g.coordinates.map(sphericalRings)};
  return g;
}

function makeProjection(width, height) {
  let p;
  if (view.projection === "globe") {
    p = d3.geoOrthographic().rotate(view.rotate).clipAngle(90);
    p.fitExtent([[10, 10], [width - 10, height - 10]], {type: "Sphere"});
  } else {
    // The flat map opens on the loaded objects (the whole world when there are none).
    p = d3.geoNaturalEarth1().rotate([view.rotate[0], 0]);
    const box = [[40, 40], [width - 40, height - 40]];
    p.fitExtent(box, view.extent && view.extent.features.length ? view.extent : {type: "Sphere"});
    const world = d3.geoNaturalEarth1().rotate([view.rotate[0], 0]).fitExtent(box, {type: "Sphere"}).scale();
    if (p.scale() < world) p.fitExtent(box, {type: "Sphere"});
  }
  const [tx, ty] = p.translate();
  p.scale(p.scale() * view.zoom).translate([tx + view.pan[0], ty + view.pan[1]]);
  return p;
}

// Position of a path at time t: linear in time between samples (longitude the short way round).
function pathAt(f, t) {
  const ts = f.t_s;
  if (t < ts[0] || t > ts[ts.length - 1]) return null;
  let lo = 0, hi = ts.length - 1;
  while (hi - lo > 1) { const m = (lo + hi) >> 1; if (ts[m] <= t) lo = m; else hi = m; }
  const u = ts[hi] === ts[lo] ? 0 : (t - ts[lo]) / (ts[hi] - ts[lo]);
  let dl = f.lon_deg[hi] - f.lon_deg[lo];
  if (dl > 180) dl -= 360; else if (dl < -180) dl += 360;
  let lon = f.lon_deg[lo] + u * dl;
  if (lon > 180) lon -= 360; else if (lon < -180) lon += 360;
  return {lon, lat: f.lat_deg[lo] + u * (f.lat_deg[hi] - f.lat_deg[lo]),
          alt_m: f.alt_m[lo] + u * (f.alt_m[hi] - f.alt_m[lo])};
}

function fmt(v) {
  if (typeof v === "number") return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-2 && v !== 0) ? v.toPrecision(6) : String(+v.toFixed(3));
  if (v === null || v === undefined) return "–";
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

function clockText(t) {
  const epoch = Date.parse(view.scene.epoch);
  const iso = new Date(epoch + t * 1000).toISOString().replace(".000Z", "Z");
  return `${t.toFixed(0)} s (${(t / 60).toFixed(1)} min) · ${iso}`;
}

function showDetails(k) {
  const f = view.scene.features[k];
  document.querySelectorAll(".selected").forEach(e => e.classList.remove("selected"));
  document.querySelectorAll(`[data-k="${k}"]`).forEach(e => e.classList.add("selected"));
  view.selected = k;
  const rows = Object.entries(f.figures || {});
  if (f.type === "point") rows.unshift(["lat_deg", f.lat_deg], ["lon_deg", f.lon_deg], ["alt_m", f.alt_m]);
  if (f.type === "point" && f.t_s != null) rows.unshift(["t_s", f.t_s]);
  if (f.type === "path") rows.unshift(["samples", f.t_s.length], ["t_start_s", f.t_s[0]], ["t_end_s", f.t_s[f.t_s.length - 1]]);
  showFigures(f.name, `${view.layers[f.layer].label} (${f.type})`, rows, f.sources || []);
}

// The details box: a title, a line under it, a table of figures and the sources.
function showFigures(name, subtitle, rows, srcs) {
  const box = document.getElementById("details");
  box.replaceChildren();
  const h = document.createElement("h2");
  h.textContent = name;
  const sub = document.createElement("p");
  sub.className = "hint";
  sub.textContent = subtitle;
  const table = document.createElement("table");
  for (const [key, v] of rows) {
    const tr = table.insertRow();
    const th = document.createElement("th");
    th.textContent = key;
    tr.appendChild(th);
    tr.insertCell().textContent = fmt(v);
  }
  box.append(h, sub, table);
  const hs = document.createElement("h3");
  hs.textContent = "Sources";
  const ul = document.createElement("ul");
  ul.id = "sources";
  for (const s of srcs) { const li = document.createElement("li"); li.textContent = s; ul.appendChild(li); }
  if (!srcs.length) { const li = document.createElement("li"); li.textContent = "computed by openbmd from the figures above"; ul.appendChild(li); }
  box.append(hs, ul);
}

function buildLegend() {
  const list = document.getElementById("layer-list");
  list.replaceChildren();
  for (const [name, style] of Object.entries(view.layers)) {
    const n = view.counts[name] || 0;
    if (!n) continue;
    const li = document.createElement("li");
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.checked = !view.hidden.has(name);
    box.dataset.layer = name;
    box.id = `toggle-${name}`;
    box.addEventListener("change", () => setLayerVisible(name, box.checked));
    const kinds = new Set(view.scene.features.filter(f => f.layer === name).map(f => f.type));
    const sw = document.createElement("span");
    sw.className = "swatch" + (kinds.has("path") ? " line" : kinds.has("point") && !kinds.has("area") ? " dot" : "");
    if (kinds.has("path")) sw.style.borderTopColor = style.colour;
    else sw.style.background = style.colour;
    if (kinds.has("area")) sw.style.opacity = "0.6";
    const text = document.createElement("span");
    text.textContent = style.label + " ";
    const count = document.createElement("span");
    count.className = "count";
    count.textContent = `(${n})`;
    text.appendChild(count);
    label.append(box, sw, text);
    li.appendChild(label);
    if (name === "footprints") {
      const sub = document.createElement("div");
      sub.className = "sublegend";
      sub.textContent = "Dashed outline: within the missile's reach (threatened); fill, darker with more shots: defended by ≥ 1, 2 … shots.";
      li.appendChild(sub);
    }
    if (name === "sectors") {
      const sub = document.createElement("div");
      sub.className = "sublegend";
      for (const f of view.scene.features.filter(g => g.layer === "sectors")) {
        const row = document.createElement("div");
        const sw = document.createElement("span");
        sw.className = "swatch";
        sw.style.background = areaColour(f, style.colour);
        row.append(sw, " " + f.name);
        sub.appendChild(row);
      }
      li.appendChild(sub);
    }
    if (name === "corridors") {
      const sub = document.createElement("div");
      sub.className = "sublegend";
      for (const [key, text] of [["engageable", "engageable by the deployment"], ["safe", "not engageable"], ["out", "beyond the missile's reach"]]) {
        const row = document.createElement("div");
        const sw = document.createElement("span");
        sw.className = "swatch line";
        sw.style.borderTopColor = CORRIDOR[key];
        row.append(sw, " " + text);
        sub.appendChild(row);
      }
      const note = document.createElement("div");
      note.textContent = "Click a corridor for its speed threshold and delay budget.";
      sub.appendChild(note);
      li.appendChild(sub);
    }
    if (name === "contours") {
      const sub = document.createElement("div");
      sub.className = "sublegend";
      for (const a of contourSets()) {
        const row = document.createElement("div");
        const sw = document.createElement("span");
        sw.className = "swatch line";
        sw.style.borderTopColor = CONTOUR_COLOURS[contourSets().indexOf(a) % CONTOUR_COLOURS.length];
        row.append(sw, ` ${a} assumptions`);
        sub.appendChild(row);
      }
      const note = document.createElement("div");
      note.textContent = "Reach of each missile from each launch area; click a contour for its ranges and targets.";
      sub.appendChild(note);
      li.appendChild(sub);
    }
    if (TIMED.has(name)) {
      const sub = document.createElement("div");
      sub.className = "sublegend";
      sub.textContent = "Each shows from its time on the slider.";
      li.appendChild(sub);
    }
    if (name === "coverage") {
      const sub = document.createElement("div");
      sub.className = "sublegend";
      sub.textContent = "Radar range and horizon for a target at 300 km altitude.";
      li.appendChild(sub);
    }
    list.appendChild(li);
  }
}

function setLayerVisible(name, visible) {
  if (visible) view.hidden.delete(name); else view.hidden.add(name);
  const g = document.getElementById(`layer-${name}`);
  if (g) g.style.display = visible ? "" : "none";
  document.querySelectorAll(`.marker[data-layer="${name}"]`).forEach(m => { m.dataset.layerHidden = visible ? "" : "1"; });
  updateMarkers();
  drawProfile();
}

// Corridors by engageability (assure's pairs): engageable, reachable but not engageable, out of reach.
const CORRIDOR = {engageable: "#D55E00", safe: "#0072B2", out: "#999999"};

function lineColour(f, colour) {
  if (f.layer !== "corridors" || !("engageable" in f.figures)) return colour;
  return f.figures.engageable ? CORRIDOR.engageable : f.figures.reachable === false ? CORRIDOR.out : CORRIDOR.safe;
}

// Each party's sector in its own colour (Okabe-Ito), in the order the file lists them.
const SECTOR_COLOURS = ["#F0E442", "#CC79A7", "#56B4E9", "#009E73", "#E69F00"];

// Threat contours by assumption set (Okabe-Ito), in the order the file lists the sets.
const CONTOUR_COLOURS = ["#CC79A7", "#0072B2", "#D55E00", "#009E73", "#E69F00"];

function contourSets() {
  return [...new Set(view.scene.features.filter(g => g.layer === "contours").map(g => (g.figures || {}).assumption))];
}

// Layers whose points are events (report.exports.scene.TIMED_LAYERS): each shows from its time on.
const TIMED = new Set(["detections", "kills", "leakers"]);

function eventShown(f) {
  return !TIMED.has(f.layer) || f.t_s == null || view.t >= f.t_s;
}

function areaColour(f, colour) {
  if (f.layer === "contours") return CONTOUR_COLOURS[contourSets().indexOf((f.figures || {}).assumption) % CONTOUR_COLOURS.length];
  if (f.layer !== "sectors") return colour;
  const names = [...new Set(view.scene.features.filter(g => g.layer === "sectors").map(g => g.name))];
  return SECTOR_COLOURS[names.indexOf(f.name) % SECTOR_COLOURS.length];
}

// Build one SVG element per feature, grouped by layer (areas under lines under points).
function buildFeatures() {
  const root = document.getElementById("features");
  root.replaceChildren();
  const order = ["area", "path", "point"];
  const groups = {};
  for (const name of Object.keys(view.layers)) {
    groups[name] = el("g", {id: `layer-${name}`, "data-layer": name});
  }
  const maxValue = Math.max(1, ...view.scene.features.filter(f => f.type === "area" && f.value != null).map(f => f.value));
  const byType = order.map(type => view.scene.features.map((f, k) => [f, k]).filter(([f]) => f.type === type));
  view.counts = {};
  view.markers = [];
  view.timed = [];
  for (const list of byType) {
    for (const [f, k] of list) {
      const colour = view.layers[f.layer].colour;
      const g = groups[f.layer];
      view.counts[f.layer] = (view.counts[f.layer] || 0) + 1;
      let e;
      if (f.type === "area") {
        f._geo = fixGeometry({type: "MultiPolygon", coordinates: f.polygons.map(p => p.map(r => densify(r)))});
        if (f.layer === "footprints" && f.value === 0) {  // within reach, not defended: an outline only
          e = el("path", {class: `area ${f.layer} reach`, fill: "none", stroke: "#000", "stroke-dasharray": "4 3"}, g);
        } else {
          const opacity = f.value == null ? (f.layer === "contours" ? 0.06 : 0.25) : 0.15 + 0.5 * (f.value / maxValue);
          const fill = areaColour(f, colour);
          e = el("path", {class: `area ${f.layer}`, fill, "fill-opacity": opacity.toFixed(3), stroke: fill}, g);
        }
      } else if (f.type === "path") {
        f._geo = {type: "LineString", coordinates: f.lon_deg.map((lon, i) => [lon, f.lat_deg[i]])};
        e = el("path", {class: `line ${f.layer}`, stroke: lineColour(f, colour)}, g);
        view.markers.push({k, f});
      } else {
        e = el("circle", {class: `point ${f.layer}`, r: f.layer === "intercepts" ? 5 : TIMED.has(f.layer) ? 5.5 : 4.5,
                          fill: colour, tabindex: 0, role: "button",
                          "aria-label": `${f.name} (${view.layers[f.layer].label})`}, g);
        if (TIMED.has(f.layer)) view.timed.push({e, f});
      }
      e.dataset.k = k;
      const title = el("title", {}, e);
      title.textContent = f.name;
    }
  }
  // Areas under lines under points, whatever the layer order, so that points stay clickable.
  const rank = name => Math.max(...view.scene.features.filter(f => f.layer === name).map(f => order.indexOf(f.type)));
  const used = Object.keys(view.layers).filter(name => groups[name].childNodes.length);
  for (const name of used.sort((a, b) => rank(a) - rank(b))) {
    root.appendChild(groups[name]);
    if (view.hidden.has(name)) groups[name].style.display = "none";
  }
  const mk = document.getElementById("markers");
  mk.replaceChildren();
  for (const m of view.markers) {
    m.el = el("circle", {class: "marker", r: 4, fill: view.layers[m.f.layer].colour, "data-layer": m.f.layer,
                         "data-k": m.k}, mk);
  }
}

function render() {
  const svg = document.getElementById("map-svg");
  const {width, height} = svg.getBoundingClientRect();
  view.proj = makeProjection(width, height);
  const path = d3.geoPath(view.proj);
  document.getElementById("sphere").setAttribute("d", path({type: "Sphere"}));
  document.getElementById("graticule").setAttribute("d", path(d3.geoGraticule10()));
  document.getElementById("land").setAttribute("d", view.world.land ? path(view.world.land) : "");
  document.getElementById("borders").setAttribute("d", view.world.countries ? path(view.world.countries) : "");
  const center = view.projection === "globe" ? [-view.rotate[0], -view.rotate[1]] : null;
  for (const e of document.querySelectorAll("#features [data-k]")) {
    const f = view.scene.features[+e.dataset.k];
    if (f.type === "point") {
      const visible = !center || d3.geoDistance([f.lon_deg, f.lat_deg], center) < Math.PI / 2;
      const xy = view.proj([f.lon_deg, f.lat_deg]);
      e.setAttribute("cx", xy ? xy[0].toFixed(2) : -99);
      e.setAttribute("cy", xy ? xy[1].toFixed(2) : -99);
      e.onSide = Boolean(visible && xy);
      e.style.visibility = e.onSide && eventShown(f) ? "" : "hidden";
    } else {
      e.setAttribute("d", path(f._geo) || "");
    }
  }
  updateMarkers();
}

function updateMarkers() {
  if (!view.proj) return;
  const center = view.projection === "globe" ? [-view.rotate[0], -view.rotate[1]] : null;
  for (const m of view.markers) {
    const at = pathAt(m.f, view.t);
    m.at = at;
    const hidden = !at || view.hidden.has(m.f.layer) || (center && d3.geoDistance([at.lon, at.lat], center) > Math.PI / 2);
    if (hidden) { m.el.style.visibility = "hidden"; continue; }
    const xy = view.proj([at.lon, at.lat]);
    m.el.setAttribute("cx", xy[0].toFixed(2));
    m.el.setAttribute("cy", xy[1].toFixed(2));
    m.el.style.visibility = "";
  }
}

// The altitude profile: every path's height against time, and a cursor at the slider's time.
function drawProfile() {
  const svg = document.getElementById("profile");
  const {width, height} = svg.getBoundingClientRect();
  svg.replaceChildren();
  const paths = view.markers.filter(m => !view.hidden.has(m.f.layer)).map(m => m.f);
  const left = 56, right = 10, top = 8, bottom = 22;
  const [t0, t1] = view.span;
  const altMax = Math.max(1, ...paths.map(f => Math.max(...f.alt_m)));
  const x = t => left + (width - left - right) * (t - t0) / Math.max(t1 - t0, 1e-9);
  const y = a => height - bottom - (height - top - bottom) * a / altMax;
  view.profileScale = {x, y};
  el("line", {class: "axis", x1: left, y1: height - bottom, x2: width - right, y2: height - bottom}, svg);
  el("line", {class: "axis", x1: left, y1: top, x2: left, y2: height - bottom}, svg);
  const label = (text, attrs) => { const e = el("text", attrs, svg); e.textContent = text; };
  label(`${(altMax / 1e3).toFixed(0)} km`, {x: 4, y: top + 10});
  label("0", {x: left - 12, y: height - bottom});
  label(`${t0.toFixed(0)} s`, {x: left, y: height - 6});
  label(`${t1.toFixed(0)} s`, {x: width - right - 40, y: height - 6});
  label("altitude against time after launch", {x: left + 8, y: top + 10});
  for (const f of paths) {
    const step = Math.max(1, Math.floor(f.t_s.length / 400));
    const pts = [];
    for (let i = 0; i < f.t_s.length; i += step) pts.push(`${x(f.t_s[i]).toFixed(1)},${y(f.alt_m[i]).toFixed(1)}`);
    const last = f.t_s.length - 1;
    pts.push(`${x(f.t_s[last]).toFixed(1)},${y(f.alt_m[last]).toFixed(1)}`);
    el("polyline", {points: pts.join(" "), fill: "none", stroke: view.layers[f.layer].colour, "stroke-width": 1.3,
                    class: `profile-line ${f.layer}`}, svg);
  }
  const over = document.getElementById("profile-cursor");
  over.replaceChildren();
  view.cursor = el("line", {class: "cursor", y1: top, y2: height - bottom}, over);
  for (const m of view.markers) {
    m.dot = el("circle", {r: 3, fill: view.layers[m.f.layer].colour, class: "profile-dot"}, over);
  }
  updateCursor();
}

function updateCursor() {
  if (!view.cursor) return;
  const {x, y} = view.profileScale;
  const cx = x(view.t).toFixed(1);
  view.cursor.setAttribute("x1", cx);
  view.cursor.setAttribute("x2", cx);
  for (const m of view.markers) {
    if (!m.dot) continue;
    const shown = m.at && !view.hidden.has(m.f.layer);
    m.dot.style.visibility = shown ? "" : "hidden";
    if (shown) { m.dot.setAttribute("cx", cx); m.dot.setAttribute("cy", y(m.at.alt_m).toFixed(1)); }
  }
}

function setTime(t) {
  view.t = Math.min(view.span[1], Math.max(view.span[0], t));
  const slider = document.getElementById("time");
  if (+slider.value !== view.t) slider.value = view.t;
  document.getElementById("clock").textContent = clockText(view.t);
  updateMarkers();
  updateCursor();
  updateEvents();
}

// Event points (first tracks, kills, leakers) from their time on; the replay's log marks what is past.
function updateEvents() {
  for (const {e, f} of view.timed || []) e.style.visibility = e.onSide && eventShown(f) ? "" : "hidden";
  let past = 0;
  for (const li of view.eventRows || []) {
    const done = +li.dataset.t <= view.t;
    li.classList.toggle("past", done);
    past += done;
  }
  const count = document.getElementById("events-count");
  if (count) count.textContent = `${past} of ${view.eventRows.length} events by now`;
}

function setPlaying(on) {
  view.playing = on;
  const b = document.getElementById("play");
  b.textContent = on ? "❚❚ Pause" : "▶ Play";
  b.setAttribute("aria-label", on ? "Pause" : "Play");
  if (!on) return;
  if (view.t >= view.span[1]) setTime(view.span[0]);
  let last = performance.now();
  const rate = (view.span[1] - view.span[0]) / PLAY_SECONDS;
  const tick = now => {
    if (!view.playing) return;
    setTime(view.t + rate * (now - last) / 1000);
    view.frames += 1;
    last = now;
    if (view.t >= view.span[1]) { setPlaying(false); return; }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

function setProjection(name) {
  view.projection = name;
  view.zoom = 1;
  view.pan = [0, 0];
  document.getElementById("proj-flat").setAttribute("aria-pressed", String(name === "flat"));
  document.getElementById("proj-globe").setAttribute("aria-pressed", String(name === "globe"));
  render();
}

// Pan (flat) or turn (globe) by a screen offset in pixels.
function nudge(dx, dy) {
  if (view.projection === "globe") {
    const k = 90 / (view.proj.scale());
    view.rotate = [view.rotate[0] + dx * k * 1.5, Math.max(-90, Math.min(90, view.rotate[1] - dy * k * 1.5))];
  } else {
    view.pan = [view.pan[0] + dx, view.pan[1] + dy];
  }
  render();
}

function wire() {
  document.getElementById("proj-flat").addEventListener("click", () => setProjection("flat"));
  document.getElementById("proj-globe").addEventListener("click", () => setProjection("globe"));
  document.getElementById("zoom-in").addEventListener("click", () => { view.zoom *= 1.5; render(); });
  document.getElementById("zoom-out").addEventListener("click", () => { view.zoom = Math.max(0.5, view.zoom / 1.5); render(); });
  document.getElementById("play").addEventListener("click", () => setPlaying(!view.playing));
  document.getElementById("time").addEventListener("input", e => setTime(+e.target.value));
  const features = document.getElementById("features");
  features.addEventListener("click", e => { const k = e.target.closest("[data-k]"); if (k) showDetails(+k.dataset.k); });
  features.addEventListener("keydown", e => {
    const k = e.target.closest("[data-k]");
    if (k && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); showDetails(+k.dataset.k); }
  });
  const map = document.getElementById("map");
  map.addEventListener("keydown", e => {
    if (e.target !== map) return;
    const step = 40, moves = {ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step], ArrowDown: [0, -step]};
    if (moves[e.key]) { e.preventDefault(); nudge(...moves[e.key]); }
    if (e.key === "+" || e.key === "=") { view.zoom *= 1.5; render(); }
    if (e.key === "-") { view.zoom = Math.max(0.5, view.zoom / 1.5); render(); }
  });
  const svg = document.getElementById("map-svg");
  let drag = null;
  svg.addEventListener("pointerdown", e => { if (!e.target.closest("[data-k]")) { drag = [e.clientX, e.clientY]; svg.setPointerCapture(e.pointerId); } });
  svg.addEventListener("pointermove", e => { if (drag) { nudge(e.clientX - drag[0], e.clientY - drag[1]); drag = [e.clientX, e.clientY]; } });
  svg.addEventListener("pointerup", () => { drag = null; });
  svg.addEventListener("wheel", e => { e.preventDefault(); view.zoom = Math.max(0.5, view.zoom * (e.deltaY < 0 ? 1.2 : 1 / 1.2)); render(); }, {passive: false});
  const profile = document.getElementById("profile-box");
  profile.addEventListener("click", e => {
    const r = profile.getBoundingClientRect();
    const left = 56, right = 10;
    const u = (e.clientX - r.left - left) / (r.width - left - right);
    setTime(view.span[0] + u * (view.span[1] - view.span[0]));
  });
  window.addEventListener("resize", () => { render(); drawProfile(); });
}

function timeSpan(features) {
  const ts = [];
  for (const f of features) {
    if (f.type === "path") ts.push(f.t_s[0], f.t_s[f.t_s.length - 1]);
    else if (f.type === "point" && f.t_s != null) ts.push(f.t_s);
  }
  return ts.length ? [Math.min(...ts), Math.max(...ts, Math.min(...ts) + 1)] : [0, 1];
}

async function main() {
  const get = url => fetch(url).then(r => { if (!r.ok) throw new Error(`${url}: ${r.status}`); return r.json(); });
  const [scene, land, countries] = await Promise.all([get("/api/scene"), get("/api/world/land"), get("/api/world/countries")]);
  view.scene = scene;
  view.layers = scene.layers;
  view.world = {
    land: {type: "FeatureCollection", features: land.features.map(f => ({...f, geometry: fixGeometry(f.geometry)}))},
    countries: {type: "FeatureCollection", features: countries.features.map(f => ({...f, geometry: fixGeometry(f.geometry)}))},
  };
  document.getElementById("title").textContent = scene.title;
  document.title = `openbmd view: ${scene.title}`;
  view.span = timeSpan(scene.features);
  buildFeatures();
  // Open on the points and paths; areas (sectors can be whole countries) only when there is nothing else.
  const focus = scene.features.filter(f => f.type !== "area");
  view.extent = {type: "FeatureCollection", features: (focus.length ? focus : scene.features).map(f => ({
    type: "Feature", properties: {},
    geometry: f.type === "point" ? {type: "Point", coordinates: [f.lon_deg, f.lat_deg]} : f._geo}))};
  if (view.extent.features.length) {
    const [lon, lat] = d3.geoCentroid(view.extent);
    if (Number.isFinite(lon)) view.rotate = [-lon, -Math.max(-60, Math.min(60, lat))];
  }
  const slider = document.getElementById("time");
  slider.min = view.span[0];
  slider.max = view.span[1];
  buildLegend();
  buildPanels();
  wire();
  render();
  drawProfile();
  setTime(view.span[0]);
  document.getElementById("status").textContent = `${scene.features.length} objects`;
  Object.assign(view, {setTime, render});
  view.ready = true;
  if (scene.live) followLive(scene.live);
}

// Live mode: the view server relays the party's fused picture; the page replaces its live layers.
function followLive(live) {
  const fixed = view.scene.features.slice();
  view.liveUpdates = 0;
  const source = new EventSource("/api/live");
  view.liveSource = source;
  source.addEventListener("picture", e => {
    const doc = JSON.parse(e.data);
    view.scene.features = fixed.concat(doc.features);
    view.liveUpdates += 1;
    buildFeatures();
    buildLegend();
    render();
    drawProfile();
    const n = doc.features.filter(f => f.layer === "tracks").length;
    const at = doc.time_unix_ms == null ? "no picture yet" : new Date(doc.time_unix_ms).toISOString();
    document.getElementById("status").textContent =
      doc.error ? `live (${live.party}): ${doc.error}` : `live as ${live.party}: ${n} track${n === 1 ? "" : "s"} · ${at}`;
  });
}

main().catch(err => {
  document.getElementById("status").textContent = `could not load: ${err.message}`;
  view.error = String(err);
});
