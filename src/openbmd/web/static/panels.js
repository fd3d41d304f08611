// openbmd view: the panels beside the map (the scene's "panels"): the exercise's mode comparison
// (P(no leak) with its 95 % interval, the paired difference to independent, expected leakers by cause)
// and a replayed trial's event log, linked to the time slider. Loaded before view.js, whose `view`,
// `showFigures` and `setTime` it calls.
"use strict";

// Okabe & Ito (2008): modes and leak causes in colours safe for colour-vision deficiency.
const MODE_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"];
const CAUSE_COLOURS = ["#D55E00", "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#F0E442", "#000000"];
const CHART_W = 260, LABEL_W = 92, VALUE_W = 40;

function svgEl(name, attrs = {}, parent = null) {
  const e = document.createElementNS("http://www.w3.org/2000/svg", name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (parent) parent.appendChild(e);
  return e;
}

function svgText(parent, text, attrs) {
  const e = svgEl("text", attrs, parent);
  e.textContent = text;
  return e;
}

function htmlEl(name, text = null, attrs = {}) {
  const e = document.createElement(name);
  if (text !== null) e.textContent = text;
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

// A focusable chart mark: Tab reaches it, Enter or a click shows its figures in the details box.
function focusable(g, label, figures, title) {
  g.setAttribute("tabindex", "0");
  g.setAttribute("role", "button");
  g.setAttribute("aria-label", label);
  const show = () => showFigures(title, label, Object.entries(figures), ["computed by openbmd: exercise run"]);
  g.addEventListener("click", show);
  g.addEventListener("keydown", e => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); show(); } });
  const t = svgEl("title", {}, g);
  t.textContent = label;
}

function legendRow(items, line = false) {
  const div = htmlEl("div", null, {class: "chart-legend"});
  for (const [name, colour] of items) {
    const sw = htmlEl("span", null, {class: "swatch" + (line ? " line" : "")});
    if (line) sw.style.borderTopColor = colour; else sw.style.background = colour;
    const item = htmlEl("span", null, {class: "legend-item"});
    item.append(sw, " " + name);
    div.appendChild(item);
  }
  return div;
}

const pct = v => (v == null ? "–" : v.toFixed(3));

// One row per mode: a bar from 0 to P(no leak) (a zero bar still shows as a tick), its 95 % interval.
function pChart(p, colour) {
  const row = 22, h = p.modes.length * row + 24;
  const svg = svgEl("svg", {viewBox: `0 0 ${CHART_W} ${h}`, class: "chart", role: "group",
                            "aria-label": "P(no leaker) per mode with 95 % intervals"});
  const x = v => LABEL_W + (CHART_W - LABEL_W - VALUE_W) * v;
  for (const tick of [0, 0.5, 1]) {
    svgEl("line", {x1: x(tick), x2: x(tick), y1: 0, y2: h - 16, class: "grid"}, svg);
    svgText(svg, String(tick), {x: x(tick), y: h - 4, class: "tick", "text-anchor": "middle"});
  }
  p.modes.forEach((m, i) => {
    const y = i * row + 4;
    const g = svgEl("g", {class: "mode-bar", "data-mode": m.mode}, svg);
    svgText(g, m.mode, {x: LABEL_W - 4, y: y + 12, "text-anchor": "end", class: "label"});
    svgEl("rect", {x: x(0), y, width: Math.max(2, x(m.p_no_leak) - x(0)), height: 15, fill: colour(m)}, g);
    const [lo, hi] = m.p_no_leak_ci;
    svgEl("line", {x1: x(lo), x2: x(hi), y1: y + 7.5, y2: y + 7.5, class: "whisker"}, g);
    for (const v of [lo, hi]) svgEl("line", {x1: x(v), x2: x(v), y1: y + 3, y2: y + 12, class: "whisker"}, g);
    svgText(g, pct(m.p_no_leak), {x: Math.max(x(m.p_no_leak), x(hi)) + 3, y: y + 12, class: "value"});
    focusable(g, `${m.mode}: P(no leaker) ${pct(m.p_no_leak)}, 95 % interval ${pct(lo)} to ${pct(hi)}`,
              {p_no_leak: m.p_no_leak, p_no_leak_lo: lo, p_no_leak_hi: hi, expected_leakers: m.expected_leakers,
               interceptors_used: m.interceptors_used}, `${m.mode}: P(no leaker)`);
  });
  return svg;
}

// The paired difference of each mode to the baseline (same trials, same draws), with its 95 % interval.
function diffChart(p, colour) {
  const ms = p.modes.filter(m => m.diff != null && m.diff_ci);
  const row = 22, h = ms.length * row + 24;
  const svg = svgEl("svg", {viewBox: `0 0 ${CHART_W} ${h}`, class: "chart", role: "group",
                            "aria-label": `Paired difference in P(no leaker) against ${p.baseline}`});
  const lo = Math.min(-0.1, ...ms.map(m => m.diff_ci[0])), hi = Math.max(0.1, ...ms.map(m => m.diff_ci[1]));
  const x = v => LABEL_W + (CHART_W - LABEL_W - VALUE_W) * (v - lo) / (hi - lo);
  svgEl("line", {x1: x(0), x2: x(0), y1: 0, y2: h - 16, class: "zero"}, svg);
  svgText(svg, "0", {x: x(0), y: h - 4, class: "tick", "text-anchor": "middle"});
  if (x(0) - x(lo) > 24) svgText(svg, lo.toFixed(2), {x: x(lo), y: h - 4, class: "tick"});
  if (x(hi) - x(0) > 24) svgText(svg, "+" + hi.toFixed(2), {x: x(hi), y: h - 4, class: "tick", "text-anchor": "end"});
  ms.forEach((m, i) => {
    const y = i * row + 4;
    const g = svgEl("g", {class: "diff-mark", "data-mode": m.mode}, svg);
    svgText(g, m.mode, {x: LABEL_W - 4, y: y + 12, "text-anchor": "end", class: "label"});
    svgEl("line", {x1: x(m.diff_ci[0]), x2: x(m.diff_ci[1]), y1: y + 7.5, y2: y + 7.5, class: "whisker"}, g);
    svgEl("circle", {cx: x(m.diff), cy: y + 7.5, r: 4.5, fill: colour(m), stroke: "#000"}, g);
    const sign = m.diff >= 0 ? "+" : "";
    svgText(g, sign + m.diff.toFixed(3), {x: Math.max(x(m.diff_ci[1]), x(m.diff) + 5) + 3, y: y + 12, class: "value"});
    focusable(g, `${m.mode} against ${p.baseline}: ${sign}${m.diff.toFixed(3)}, 95 % interval ` +
              `${m.diff_ci[0].toFixed(3)} to ${m.diff_ci[1].toFixed(3)}`,
              {p_no_leak_diff: m.diff, ci_lo: m.diff_ci[0], ci_hi: m.diff_ci[1]}, `${m.mode} − ${p.baseline}`);
  });
  return svg;
}

// Expected leakers per trial, stacked by why they leaked.
function causeChart(p, causes) {
  const row = 22, h = p.modes.length * row + 24;
  const svg = svgEl("svg", {viewBox: `0 0 ${CHART_W} ${h}`, class: "chart", role: "group",
                            "aria-label": "Expected leakers per trial by cause, per mode"});
  const top = Math.max(1e-9, ...p.modes.map(m => Object.values(m.leak_causes).reduce((a, b) => a + b, 0)));
  const x = v => LABEL_W + (CHART_W - LABEL_W - VALUE_W) * v / top;
  svgText(svg, "0", {x: x(0), y: h - 4, class: "tick", "text-anchor": "middle"});
  svgText(svg, top.toFixed(2), {x: x(top), y: h - 4, class: "tick", "text-anchor": "middle"});
  p.modes.forEach((m, i) => {
    const y = i * row + 4;
    svgText(svg, m.mode, {x: LABEL_W - 4, y: y + 12, "text-anchor": "end", class: "label"});
    let at = 0;
    for (const [cause, v] of Object.entries(m.leak_causes)) {
      const g = svgEl("g", {class: "cause-segment", "data-mode": m.mode, "data-cause": cause}, svg);
      svgEl("rect", {x: x(at), y, width: Math.max(1, x(at + v) - x(at)), height: 15,
                     fill: CAUSE_COLOURS[causes.indexOf(cause) % CAUSE_COLOURS.length], stroke: "#fff"}, g);
      focusable(g, `${m.mode}: ${v.toFixed(2)} expected leakers from ${cause}`,
                {mode: m.mode, cause, expected_leakers: v}, `${m.mode}: ${cause}`);
      at += v;
    }
    if (at === 0) svgEl("line", {x1: x(0), x2: x(0), y1: y, y2: y + 15, class: "whisker"}, svg);
    svgText(svg, at.toFixed(2), {x: x(at) + 3, y: y + 12, class: "value"});
  });
  return svg;
}

function comparisonPanel(p) {
  const sec = htmlEl("section", null, {class: "panel", id: "mode-comparison", "aria-label": "Mode comparison"});
  sec.appendChild(htmlEl("h2", "Mode comparison"));
  sec.appendChild(htmlEl("p", p.title, {class: "hint"}));
  const colour = m => MODE_COLOURS[p.modes.indexOf(m) % MODE_COLOURS.length];
  sec.appendChild(legendRow(p.modes.map(m => [m.mode, colour(m)])));
  sec.appendChild(htmlEl("h3", "P(no leaker), 95 % interval"));
  sec.appendChild(pChart(p, colour));
  if (p.modes.some(m => m.diff != null && m.diff_ci)) {
    sec.appendChild(htmlEl("h3", `Paired difference against ${p.baseline}`));
    sec.appendChild(diffChart(p, colour));
  }
  const causes = [...new Set(p.modes.flatMap(m => Object.keys(m.leak_causes)))];
  sec.appendChild(htmlEl("h3", "Expected leakers per trial, by cause"));
  sec.appendChild(causeChart(p, causes));
  sec.appendChild(legendRow(causes.map((c, i) => [c, CAUSE_COLOURS[i % CAUSE_COLOURS.length]])));
  sec.appendChild(htmlEl("p", "Bars: P(no leaker); lines: 95 % intervals; dots: the paired difference " +
                         "(same trials, same draws). Tab to a bar and press Enter for its figures.", {class: "note"}));
  return sec;
}

const EVENT_CLASS = {launch: "ev-launch", track: "ev-track", shot: "ev-shot", kill: "ev-kill", leak: "ev-leak"};

function replayPanel(p) {
  const sec = htmlEl("section", null, {class: "panel", id: "replay", "aria-label": "Replayed trial"});
  sec.appendChild(htmlEl("h2", p.title));
  sec.appendChild(htmlEl("p", `${p.scenario}, trial ${p.trial} of ${p.trials} (seed ${p.seed}): ${p.shots} ` +
                         `salvos, ${p.kills} kills, ${p.leakers} leaker${p.leakers === 1 ? "" : "s"}.`, {class: "hint"}));
  sec.appendChild(htmlEl("p", "", {id: "events-count", role: "status"}));
  // One tab stop for the whole log: arrow keys move through it, Enter moves the slider to an event.
  const ol = htmlEl("ol", null, {id: "events", tabindex: "0",
                                 "aria-label": "Events; arrow keys move through them, Enter moves the time slider to one"});
  ol.addEventListener("keydown", ev => {
    const rows = view.eventRows, at = rows.indexOf(document.activeElement);
    const next = {ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: rows.length - 1}[ev.key];
    if (next === undefined || !rows.length) return;
    ev.preventDefault();
    rows[Math.max(0, Math.min(rows.length - 1, next))].focus();
  });
  view.eventRows = [];
  for (const e of p.events) {
    const li = htmlEl("li", `${e.t_s.toFixed(0)} s · ${e.text}`, {tabindex: "-1", class: EVENT_CLASS[e.event] || ""});
    li.dataset.t = e.t_s;
    li.dataset.event = e.event;
    const go = () => setTime(e.t_s);
    li.addEventListener("click", go);
    li.addEventListener("keydown", ev => { if (ev.key === "Enter") { ev.preventDefault(); go(); } });
    ol.appendChild(li);
    view.eventRows.push(li);
  }
  sec.appendChild(ol);
  return sec;
}

function buildPanels() {
  const box = document.getElementById("panels");
  box.replaceChildren();
  view.eventRows = [];
  for (const p of view.scene.panels || []) {
    if (p.kind === "mode-comparison") box.appendChild(comparisonPanel(p));
    else if (p.kind === "replay") box.appendChild(replayPanel(p));
  }
  box.hidden = !box.childNodes.length;
}
