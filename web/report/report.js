// stampede's report: draws the run embedded in the page (#run-data) with uPlot. Every number
// comes from the data as stored: per-second values, exact per-second percentiles.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("run-data").textContent);
  const s = data.summary || {};
  const sec = data.seconds || { t: [] };

  const el = (tag, attrs, ...children) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v; else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return e;
  };
  const num = (v, digits) => v === null || v === undefined ? "–" :
    Number(v).toLocaleString("en-US", { maximumFractionDigits: digits ?? 0 });
  const ms = (v) => v === null || v === undefined ? "–" :
    v < 1 ? num(v * 1000, 0) + " µs" : v < 1000 ? num(v, 2) + " ms" : num(v / 1000, 2) + " s";
  const pct = (v) => v === null || v === undefined ? "–" : num(v * 100, 2) + "%";

  // Header: what ran, when, how it ended, and its thresholds.
  const header = document.getElementById("header");
  const run = data.run || {};
  document.title = "stampede report: " + (run.name || "run " + run.id);
  header.append(el("h1", {}, run.name || "run " + run.id));
  const started = run.started_at_ms ? new Date(run.started_at_ms).toLocaleString() : "";
  header.append(el("div", { class: "meta" },
    `run ${run.id} · ${run.status} · exit ${run.exit_code} · started ${started} · ` +
    `${num(s.duration_s, 1)} s (${num(s.load_s, 1)} s of load)`));
  if (run.command) header.append(el("div", { class: "meta" }, run.command));
  const badges = el("div", {});
  for (const t of s.thresholds || []) {
    badges.append(el("span", { class: "badge " + (t.ok ? "ok" : "bad"), title: "value " + t.actual },
      (t.ok ? "✓ " : "✗ ") + t.expression));
  }
  if (s.degraded) badges.append(el("span", { class: "badge bad" }, "degraded"));
  header.append(badges);
  if ((s.events || []).length) {
    header.append(el("ul", { class: "events" }, ...s.events.map((e) => el("li", {}, e))));
  }

  // Tiles: the run's numbers at a glance.
  const req = s.requests || {};
  const lat = s.latency_ms || {};
  const tiles = [
    ["requests", num(req.total)], ["mean rps", num(req.rps, 1)],
    ["error rate", pct(req.total ? req.failed / req.total : 0)],
    ["p50", ms(lat.p50)], ["p95", ms(lat.p95)], ["p99", ms(lat.p99)],
    ["peak users", num((s.users || {}).peak)],
    ["peak connections", num((s.connections || {}).peak)],
  ];
  const tileBox = document.getElementById("tiles");
  for (const [label, value] of tiles) {
    tileBox.append(el("div", { class: "tile", "data-tile": label },
      el("div", { class: "label" }, label), el("div", { class: "value" }, value)));
  }

  // Charts over time, one point per second.
  // The x axis is the time since the run's start, in seconds: runs compare side by side.
  const t0 = sec.t.length ? sec.t[0] : 0;
  const elapsed = sec.t.map((t) => t - t0);
  const clock = (v) => {
    const m = Math.floor(v / 60), r = Math.round(v - m * 60);
    return m ? `${m}m${String(r).padStart(2, "0")}s` : `${r}s`;
  };
  const palette = ["#2563eb", "#cf222e", "#1a7f37", "#9a6700", "#8250df", "#0e7490", "#bf3989",
    "#57606a"];
  const charts = document.getElementById("charts");
  const width = () => Math.min(1150, document.body.clientWidth - 48);
  const drawn = [];
  function chart(title, series, opts) {
    if (!sec.t.length) return;
    const box = el("div", { class: "chart", "data-chart": title }, el("h3", {}, title));
    charts.append(box);
    const o = Object.assign({
      width: width(), height: 220,
      series: [{ label: "time", value: (u, v) => v === null ? "–" : clock(v) }].concat(series.map((x, i) => ({
        label: x.label, stroke: x.color || palette[i % palette.length], width: 1.5,
        fill: x.fill, value: (u, v) => x.format ? x.format(v) : num(v, 2),
      }))),
      axes: [{
        incrs: [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400],
        values: (u, vals) => vals.map(clock),
      }, {
        size: 80,
        values: (u, vals) => vals.map((v) => opts && opts.axis ? opts.axis(v) : num(v)),
      }],
      scales: { x: { time: false } },
    }, opts && opts.uplot);
    drawn.push(new uPlot(o, [elapsed].concat(series.map((v) => v.values)), box));
  }
  chart("Requests per second", [
    { label: "ok", values: sec.ok, color: "#1a7f37" },
    { label: "failed", values: sec.failed, color: "#cf222e" },
  ]);
  const pl = sec.latency_ms || {};
  chart("Latency (exact per-second percentiles)", [
    { label: "p50", values: pl.p50, format: ms }, { label: "p90", values: pl.p90, format: ms },
    { label: "p99", values: pl.p99, format: ms }, { label: "p99.9", values: pl.p999, format: ms },
    { label: "max", values: pl.max, format: ms },
  ], { axis: ms });
  chart("Users and connections", [
    { label: "users", values: sec.users }, { label: "connections", values: sec.connections },
  ]);
  const errorSeries = Object.entries(sec.errors || {}).map(([k, v]) => ({ label: k, values: v }));
  if (errorSeries.length) chart("Errors per second by class", errorSeries);
  const statusSeries = Object.entries(sec.status || {}).map(([k, v]) => ({ label: k, values: v }));
  if (statusSeries.length) chart("Status codes per second", statusSeries);
  chart("Bytes per second", [
    { label: "in", values: sec.bytes_in }, { label: "out", values: sec.bytes_out },
  ]);
  window.addEventListener("resize", () => drawn.forEach((u) => u.setSize({ width: width(), height: 220 })));

  // Tables, sortable by any column.
  const tables = document.getElementById("tables");
  function table(title, columns, rows) {
    if (!rows.length) return;
    const head = el("tr", {}, ...columns.map((c) => el("th", {}, c.label)));
    const body = el("tbody", {});
    const fill = () => {
      body.replaceChildren(...rows.map((r) => el("tr", {}, ...columns.map((c) => {
        const td = el("td", {}, c.format ? c.format(c.value(r)) : c.value(r));
        if (c.bad && c.bad(r)) td.className = "bad";
        return td;
      }))));
    };
    columns.forEach((c, i) => {
      let ascending = false;
      head.children[i].addEventListener("click", () => {
        ascending = !ascending;
        rows.sort((a, b) => {
          const x = c.value(a), y = c.value(b);
          const order = typeof x === "number" && typeof y === "number" ? x - y :
            String(x).localeCompare(String(y));
          return ascending ? order : -order;
        });
        fill();
      });
    });
    fill();
    tables.append(el("h2", {}, title), el("table", { "data-table": title }, el("thead", {}, head), body));
  }
  const duration = s.load_s || s.duration_s || 0;
  const latencyColumns = (get) => [
    ["min", "min"], ["p50", "p50"], ["p90", "p90"], ["p95", "p95"], ["p99", "p99"],
    ["p99.9", "p999"], ["max", "max"], ["mean", "mean"],
  ].map(([label, key]) => ({ label, value: (r) => (get(r) || {})[key] ?? null, format: ms }));
  table("Steps", [
    { label: "step", value: (r) => r.name },
    { label: "requests", value: (r) => r.requests, format: num },
    { label: "failed", value: (r) => r.failed, format: num, bad: (r) => r.failed > 0 },
    { label: "% failed", value: (r) => r.requests ? r.failed / r.requests : 0, format: pct },
    { label: "rps", value: (r) => duration ? r.requests / duration : 0, format: (v) => num(v, 1) },
  ].concat(latencyColumns((r) => r.latency_ms)), (s.steps || []).slice());
  table("Scenarios", [
    { label: "scenario", value: (r) => r.name },
    { label: "started", value: (r) => r.started, format: num },
    { label: "completed", value: (r) => r.completed, format: num },
    { label: "failed", value: (r) => r.failed, format: num, bad: (r) => r.failed > 0 },
    { label: "requests", value: (r) => r.requests, format: num },
  ].concat(latencyColumns((r) => r.latency_ms)), (s.scenarios || []).slice());
  table("Checks", [
    { label: "check", value: (r) => r.check },
    { label: "passed", value: (r) => r.passed, format: num },
    { label: "failed", value: (r) => r.failed, format: num, bad: (r) => r.failed > 0 },
  ], (s.checks || []).slice());
  const reasons = s.error_reasons || {};
  table("Errors", [
    { label: "class", value: (r) => r[0] },
    { label: "count", value: (r) => r[1], format: num },
    { label: "sample messages", value: (r) => Object.keys(reasons[r[0]] || {}).slice(0, 3).join(" · ") },
  ], Object.entries(s.errors || {}));
  table("Status codes", [
    { label: "status", value: (r) => r[0] },
    { label: "responses", value: (r) => r[1], format: num },
  ], Object.entries(s.status_codes || {}));

  document.getElementById("campaign").textContent = data.campaign || "";
  document.body.setAttribute("data-ready", "1");  // drawn: for whoever waits on the page
})();
