// The Colony dashboard: plain JavaScript, no libraries; charts are inline SVG.
// Every page reads the head's JSON (colony/dashboard/ui_routes.py) with the login cookie.
"use strict";

const $ = (sel) => document.querySelector(sel);
const REFRESH_MS = 3000;
const COLORS = ["#4f9cf7", "#e8710a", "#0a7d32", "#b3261e", "#7e57c2", "#00838f", "#c2185b", "#6d4c41"];
let page = "overview";
let timer = null;
let logChoice = null;

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k.startsWith("data-")) e.setAttribute(k, v);
    else if (k === "onclick") e.onclick = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c ?? "")));
  return e;
}

async function getJson(path) {
  const resp = await fetch(path, { credentials: "same-origin", headers: { Accept: "application/json" } });
  const body = await resp.json().catch(() => ({}));
  if (!resp.ok) throw new Error(`${path}: ${resp.status} ${body.error || ""}`);
  return body;
}

function fmtBytes(n) {
  if (n == null) return "-";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (Math.abs(n) >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}
const fmtTime = (ms) => (ms ? new Date(ms).toLocaleTimeString() : "");
const short = (id) => (id ? String(id).slice(0, 12) : "");

function bar(name, used, total, fmt = (x) => (+x).toFixed(1)) {
  const frac = total > 0 ? Math.min(1, Math.max(0, used / total)) : 0;
  return el("div", { class: "bar-row", "data-resource": name },
    el("span", { class: "name" }, name),
    el("div", { class: "bar" }, el("div", { class: "fill", style: `width:${(frac * 100).toFixed(1)}%` })),
    el("span", { class: "num" }, `${fmt(used)} / ${fmt(total)}`));
}

// ---------------------------------------------------------------- pages

async function showOverview() {
  const o = await getJson("/api/cluster/overview");
  $("#node-count").textContent = o.counts.nodes_alive;
  $("#dead-node-count").textContent = o.counts.nodes_dead;
  $("#job-count").textContent = Object.values(o.counts.jobs).reduce((a, b) => a + b, 0);
  $("#actor-count").textContent = Object.values(o.counts.actors).reduce((a, b) => a + b, 0);
  const box = $("#nodes");
  box.replaceChildren();
  for (const n of o.nodes) {
    const card = el("div", { class: `node-card ${n.alive ? "alive" : "dead"}`, "data-node-id": n.node_id },
      el("h3", {}, `${short(n.node_id)} ${n.address}${n.alive ? "" : " (dead)"}`));
    for (const [res, total] of Object.entries(n.resources_total).sort()) {
      const used = total - (n.resources_available[res] ?? 0);
      const isBytes = res === "memory" || res === "object_store_memory";
      card.append(bar(res, used, total, isBytes ? fmtBytes : undefined));
    }
    const u = n.usage || {};
    if (u.cpu_utilization != null) card.append(bar("cpu use", u.cpu_utilization * 100, 100, (x) => `${(+x).toFixed(0)}%`));
    if (u.memory_total) card.append(bar("memory use", u.memory_used, u.memory_total, fmtBytes));
    if (u.object_store_capacity) card.append(bar("object store", u.object_store_used, u.object_store_capacity, fmtBytes));
    if (!n.alive && n.death_reason) card.append(el("p", { class: "muted" }, n.death_reason));
    box.append(card);
  }
}

async function showJobs() {
  const jobs = await getJson("/api/cluster/jobs");
  const body = $("#jobs-table tbody");
  body.replaceChildren();
  for (const j of jobs) {
    const id = j.submission_id || j.job_id;
    const status = j.status || j.state || "";
    body.append(el("tr", { "data-job-id": id },
      el("td", { class: "mono" }, id), el("td", { class: `status status-${status}` }, status),
      el("td", { class: "mono" }, j.entrypoint || ""), el("td", { class: "mono" }, j.driver_job_id || (j.kind === "driver" ? j.job_id : "")),
      el("td", {}, fmtTime(j.start_time ?? j.start_time_ms)), el("td", {}, fmtTime(j.end_time ?? j.end_time_ms)),
      el("td", {}, j.message || "")));
  }
}

async function showActors() {
  const a = await getJson("/api/cluster/actors");
  $("#actors-source").textContent = a.source === "named" ? "Named actors (the state API lists all actors once it is installed)." : "";
  const body = $("#actors-table tbody");
  body.replaceChildren();
  for (const x of a.actors) {
    const state = x.state || "";
    body.append(el("tr", { "data-actor-id": x.actor_id },
      el("td", { class: "mono" }, short(x.actor_id)), el("td", {}, x.class_name || ""), el("td", { class: "name" }, x.name || ""),
      el("td", { class: `state state-${state}` }, state), el("td", {}, x.num_restarts ?? "-"),
      el("td", { class: "mono" }, short(x.node_id))));
  }
}

async function showTasks() {
  const t = await getJson("/api/cluster/tasks");
  $("#tasks-note").textContent = t.note || "";
  const counts = $("#task-counts");
  counts.replaceChildren();
  for (const [state, n] of Object.entries(t.counts).sort()) {
    counts.append(el("div", { class: "stat", "data-state": state }, el("span", { class: "label" }, state), el("span", { class: "value" }, n)));
  }
  const body = $("#tasks-table tbody");
  body.replaceChildren();
  for (const x of t.tasks) {
    const state = x.state || "";
    body.append(el("tr", { "data-task-id": x.task_id || "" },
      el("td", { class: "mono" }, short(x.task_id)), el("td", {}, x.name || x.func_or_class_name || ""),
      el("td", { class: `state state-${state}` }, state), el("td", { class: "mono" }, short(x.job_id)), el("td", { class: "mono" }, short(x.node_id))));
  }
}

async function showLogs() {
  const nodes = await getJson("/api/cluster/logs");
  const box = $("#log-files");
  box.replaceChildren();
  for (const [nodeId, listing] of Object.entries(nodes)) {
    box.append(el("h3", {}, `node ${short(nodeId)}`));
    for (const f of listing.files) {
      const what = f.worker ? ` (pid ${f.worker.pid}, ${f.worker.language})` : "";
      box.append(el("a", { class: "log-file", "data-node": nodeId, "data-name": f.name,
        onclick: () => { logChoice = { nodeId, name: f.name }; readLog(); } }, `${f.name}${what} ${fmtBytes(f.size)}`));
    }
  }
  if (logChoice) await readLog();
}

async function readLog() {
  const { nodeId, name } = logChoice;
  const r = await getJson(`/api/cluster/logs/${nodeId}/${encodeURIComponent(name)}?tail=65536`);
  $("#log-title").textContent = `node ${short(nodeId)} ${name}`;
  const pre = $("#log-content");
  pre.setAttribute("data-name", name);
  pre.textContent = r.lines.join("\n");
}

// ---------------------------------------------------------------- charts

const CHARTS = [
  ["colony_node_cpu_utilization", "CPU use (0-1)"],
  ["colony_node_memory_used_bytes", "Memory used"],
  ["colony_object_store_used_bytes", "Object store used"],
  ["colony_workers", "Workers"],
  ["colony_leases", "Leases"],
  ["colony_actors", "Actors"],
  ["colony_tasks", "Tasks"],
];

function labelText(labels) {
  return Object.entries(labels).map(([k, v]) => `${k}=${k === "node_id" ? short(v) : v}`).join(",");
}

function chart(name, title, series) {
  const W = 460, H = 170, L = 56, B = 20;
  const pts = series.flatMap((s) => s.points);
  const box = el("div", { class: "chart-box" }, el("h4", {}, title));
  const svgNS = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(svgNS, "svg");
  svg.setAttribute("class", "chart"); svg.setAttribute("data-metric", name);
  svg.setAttribute("width", W); svg.setAttribute("height", H);
  box.append(svg);
  if (!pts.length) { box.append(el("p", { class: "muted" }, "no samples yet")); return box; }
  const t0 = Math.min(...pts.map((p) => p[0])), t1 = Math.max(...pts.map((p) => p[0]), t0 + 1);
  const vmax = Math.max(...pts.map((p) => p[1]), 1e-9), vmin = Math.min(0, ...pts.map((p) => p[1]));
  const x = (t) => L + ((t - t0) / (t1 - t0)) * (W - L - 8);
  const y = (v) => 6 + (1 - (v - vmin) / (vmax - vmin || 1)) * (H - B - 10);
  const add = (tag, attrs, text) => {
    const e = document.createElementNS(svgNS, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text != null) e.textContent = text;
    svg.append(e); return e;
  };
  add("line", { x1: L, y1: y(vmin), x2: W - 8, y2: y(vmin), stroke: "#ccd" });
  const fmt = name.endsWith("_bytes") ? fmtBytes : (v) => (+v).toPrecision(3);
  add("text", { x: 2, y: y(vmax) + 8, "font-size": 10, fill: "#667" }, fmt(vmax));
  add("text", { x: 2, y: y(vmin), "font-size": 10, fill: "#667" }, fmt(vmin));
  add("text", { x: L, y: H - 4, "font-size": 10, fill: "#667" }, new Date(t0 * 1000).toLocaleTimeString());
  add("text", { x: W - 70, y: H - 4, "font-size": 10, fill: "#667" }, new Date(t1 * 1000).toLocaleTimeString());
  const legend = el("div", { class: "legend" });
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    add("polyline", { fill: "none", stroke: color, "stroke-width": 1.5, class: "series",
      points: s.points.map((p) => `${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(" ") });
    legend.append(el("div", { style: `color:${color}` }, labelText(s.labels) || name));
  });
  box.append(legend);
  return box;
}

async function showMetrics() {
  const charts = $("#charts");
  const boxes = [];
  for (const [name, title] of CHARTS) {
    const h = await getJson(`/api/cluster/metrics/history?name=${encodeURIComponent(name)}`);
    boxes.push(chart(name, title, h.series));
  }
  charts.replaceChildren(...boxes);
  const select = $("#metric-select");
  if (!select.options.length) {
    const names = await getJson("/api/cluster/metrics/names");
    for (const n of names) select.append(el("option", { value: n.name }, `${n.name} (${n.type})`));
    select.onchange = () => showCustom();
  }
  await showCustom();
}

async function showCustom() {
  const name = $("#metric-select").value;
  if (!name) return;
  const h = await getJson(`/api/cluster/metrics/history?name=${encodeURIComponent(name)}`);
  $("#custom-chart").replaceChildren(chart(name, name, h.series));
}

// ---------------------------------------------------------------- navigation

const PAGES = { overview: showOverview, jobs: showJobs, actors: showActors, tasks: showTasks, logs: showLogs, metrics: showMetrics };

async function refresh() {
  try {
    await PAGES[page]();
    $("#error").textContent = "";
    $("#updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
    document.body.setAttribute("data-loaded", page);
  } catch (e) {
    $("#error").textContent = String(e.message || e);
  }
}

function navigate() {
  page = (location.hash || "#overview").slice(1);
  if (!PAGES[page]) page = "overview";
  document.body.removeAttribute("data-loaded");
  for (const s of document.querySelectorAll(".page")) s.classList.toggle("active", s.id === `page-${page}`);
  for (const a of document.querySelectorAll("nav a")) a.classList.toggle("active", a.dataset.page === page);
  clearInterval(timer);
  refresh();
  timer = setInterval(refresh, page === "metrics" ? 10000 : REFRESH_MS);
}

window.addEventListener("hashchange", navigate);
navigate();
