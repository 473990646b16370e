// stampede's report: draws the run embedded in the page (#run-data) with uPlot. Every number
// comes from the data as stored: per-second values, exact per-second percentiles. On the live
// dashboard (data.live) the page then follows the run's events, one a second, and draws again.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("run-data").textContent);
  const drawn = [];

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
  const percent = (v) => v === null || v === undefined ? "–" : num(v, 1) + "%";
  const bytes = (v) => {
    if (v === null || v === undefined) return "–";
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let u = 0;
    while (Math.abs(v) >= 1024 && u < units.length - 1) { v /= 1024; u++; }
    return num(v, u ? 1 : 0) + " " + units[u];
  };

  function render() {
    for (const id of ["nav", "header", "tiles", "charts", "tables"]) document.getElementById(id).replaceChildren();
    navigation();
    drawn.splice(0).forEach((u) => u.destroy());
    // A run still going has no summary: its numbers so far stand in for it.
    const s = Object.keys(data.summary || {}).length ? data.summary : (data.so_far || {});
    const sec = data.seconds || { t: [] };
    // --compare: a second run drawn over this one, aligned at their starts (dashed).
    const cmp = data.compare || null;
    const cmpSec = cmp ? cmp.seconds : null;

    // Header: what ran, when, how it ended, and its thresholds.
    const header = document.getElementById("header");
    const run = data.run || {};
    document.title = (data.live ? "stampede live: " : "stampede report: ") + (run.name || "run " + run.id);
    header.append(el("h1", {}, run.name || "run " + run.id));
    const started = run.started_at_ms ? new Date(run.started_at_ms).toLocaleString() : "";
    header.append(el("div", { class: "meta" }, data.live ?
      `run ${run.id} · running · started ${started} · ${num(s.duration_s, 0)} s so far` :
      `run ${run.id} · ${run.status} · exit ${run.exit_code} · started ${started} · ` +
      `${num(s.duration_s, 1)} s (${num(s.load_s, 1)} s of load)`));
    if (run.command) header.append(el("div", { class: "meta" }, run.command));
    const badges = el("div", {});
    if (data.live) badges.append(el("span", { class: "badge live", "data-live": "1" }, "● live"));
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
    const tilesOf = (sum) => {
      const req = sum.requests || {};
      const lat = sum.latency_ms || {};
      return [
        ["requests", num(req.total)], ["mean rps", num(req.rps, 1)],
        ["error rate", pct(req.total ? req.failed / req.total : 0)],
        ["p50", ms(lat.p50)], ["p95", ms(lat.p95)], ["p99", ms(lat.p99)],
        ["peak users", num((sum.users || {}).peak)],
        ["peak connections", num((sum.connections || {}).peak)],
      ];
    };
    const tileBox = document.getElementById("tiles");
    const others = cmp ? tilesOf(cmp.summary || {}) : [];
    tilesOf(s).forEach(([label, value], i) => {
      const tile = el("div", { class: "tile", "data-tile": label },
        el("div", { class: "label" }, label), el("div", { class: "value" }, value));
      if (cmp) tile.append(el("div", { class: "label", "data-compare": label }, `run ${cmp.run.id}: ${others[i][1]}`));
      tileBox.append(tile);
    });
    if (cmp) {
      const started = cmp.run.started_at_ms ? new Date(cmp.run.started_at_ms).toLocaleString() : "";
      header.append(el("div", { class: "meta" },
        `compared with run ${cmp.run.id} (${cmp.run.name}, ${cmp.run.status}, started ${started}): dashed`));
    }

    // Charts over time, one point per second.
    // The x axis is the time since the run's start, in seconds: runs compare side by side.
    const t0 = sec.t.length ? sec.t[0] : 0;
    const length = Math.max(sec.t.length, cmpSec ? cmpSec.t.length : 0);
    const elapsed = Array.from({ length }, (_, i) => i);
    const pad = (values) => Array.from({ length }, (_, i) => (values && i < values.length ? values[i] : null));
    const clock = (v) => {
      const m = Math.floor(v / 60), r = Math.round(v - m * 60);
      return m ? `${m}m${String(r).padStart(2, "0")}s` : `${r}s`;
    };
    const timeIncrs = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400];
    // Ticks of a log scale at its powers of ten only.
    const decades = (scale) => (u) => {
      const { min, max } = u.scales[scale];
      const out = [];
      for (let v = Math.pow(10, Math.floor(Math.log10(min))); v <= max * 1.0001; v *= 10) {
        if (v >= min * 0.9999) out.push(v);
      }
      return out;
    };

    // Phase changes, marked on every chart over time: the second a phase's name first appears.
    const phases = (sec.phase || []).map((p, i) =>
      p && (i === 0 || p !== sec.phase[i - 1]) ? { at: elapsed[i], name: p } : null).filter(Boolean);
    const markPhases = (u) => {
      const ctx = u.ctx, ratio = window.devicePixelRatio || 1;
      ctx.save();
      ctx.strokeStyle = "#8b949e";
      ctx.fillStyle = "#57606a";
      ctx.setLineDash([4 * ratio, 4 * ratio]);
      ctx.font = `${11 * ratio}px system-ui, sans-serif`;
      // uPlot leaves the y axis's right alignment behind: the name would run left over the ticks.
      ctx.textAlign = "left";
      ctx.textBaseline = "alphabetic";
      // --profile-sut's windows, shaded.
      for (const p of data.profiles || []) {
        const x0 = u.valToPos(p.start_s, "x", true), x1 = u.valToPos(p.start_s + p.duration_s, "x", true);
        ctx.fillStyle = "rgba(191, 57, 137, 0.08)";
        ctx.fillRect(x0, u.bbox.top, Math.max(1, x1 - x0), u.bbox.height);
        ctx.fillStyle = "#bf3989";
        ctx.fillText("profile", x0 + 4 * ratio, u.bbox.top + 40 * ratio);
        ctx.fillStyle = "#57606a";
      }
      for (const m of phases) {
        const x = u.valToPos(m.at, "x", true);
        ctx.beginPath();
        ctx.moveTo(x, u.bbox.top);
        ctx.lineTo(x, u.bbox.top + u.bbox.height);
        ctx.stroke();
        // Below the top tick's label, which sits at the plot's top edge.
        ctx.fillText(m.name, x + 4 * ratio, u.bbox.top + 26 * ratio);
      }
      ctx.restore();
    };
    const palette = ["#2563eb", "#cf222e", "#1a7f37", "#9a6700", "#8250df", "#0e7490", "#bf3989",
      "#57606a"];
    const charts = document.getElementById("charts");
    // opts: axis (tick format), uplot (more uPlot options), alone (this run's series only,
    // even with --compare).
    function chart(title, picks, opts) {
      if (!sec.t.length) return;
      // Each series picks its values from a run's seconds; with --compare, from both.
      const series = picks.map((x) => Object.assign({}, x, { values: x.pick(sec) }));
      if (cmpSec && !(opts && opts.alone)) {
        picks.forEach((x, i) => series.push(Object.assign({}, x, {
          label: x.label + " (run " + cmp.run.id + ")", values: x.pick(cmpSec),
          color: x.color || palette[i % palette.length], dash: [6, 4],
        })));
      }
      const box = el("div", { class: "chart", "data-chart": title }, el("h3", {}, title));
      charts.append(box);
      const o = Object.assign({
        width: width(), height: 220,
        series: [{ label: "time", value: (u, v) => v === null ? "–" : clock(v) }].concat(series.map((x, i) => ({
          label: x.label, stroke: x.color || palette[i % palette.length], width: 1.5, dash: x.dash,
          fill: x.fill, value: (u, v) => x.format ? x.format(v) : num(v, 2),
        }))),
        axes: [{
          incrs: timeIncrs,
          values: (u, vals) => vals.map(clock),
        }, {
          size: 80,
          // Fractional ticks keep their digits: 5.5 users is no second "6".
          values: (u, vals) => vals.map((v) => opts && opts.axis ? opts.axis(v) : num(v, 2)),
        }],
        scales: { x: { time: false } },
        hooks: { draw: [markPhases] },
      }, opts && opts.uplot);
      drawn.push(new uPlot(o, [elapsed].concat(series.map((v) => pad(v.values))), box));
      return box;
    }
    chart("Requests per second", [
      { label: "ok", pick: (d) => d.ok, color: "#1a7f37" },
      { label: "failed", pick: (d) => d.failed, color: "#cf222e" },
    ]);
    agentChart();
    const pl = sec.latency_ms || {};
    chart("Latency (exact per-second percentiles)", [
      ...["p50", "p90", "p99", "p999", "max"].map((k) => ({
        label: k === "p999" ? "p99.9" : k, pick: (d) => (d.latency_ms || {})[k], format: ms,
      })),
    ], { axis: ms });
    heatmap();
    chart("Users and connections", [
      { label: "users", pick: (d) => d.users }, { label: "connections", pick: (d) => d.connections },
    ]);
    const keyed = (group) => [...new Set(Object.keys(sec[group] || {}).concat(
      Object.keys((cmpSec || {})[group] || {})))].map((k) => ({ label: k, pick: (d) => (d[group] || {})[k] }));
    const errorSeries = keyed("errors");
    if (errorSeries.length) chart("Errors per second by class", errorSeries);
    const statusSeries = keyed("status");
    if (statusSeries.length) chart("Status codes per second", statusSeries);
    chart("Bytes per second", [
      { label: "in", pick: (d) => d.bytes_in }, { label: "out", pick: (d) => d.bytes_out },
    ]);
    // Requests per second of the busiest steps (a finished run's: steps are named by its summary).
    const steps = data.steps || { names: [] };
    if (!data.live && steps.names.length > 1) {
      const series = steps.names.map((name, k) => ({ label: name, pick: (d) => d === sec ? steps.requests[k] : null }));
      if (steps.other) series.push({ label: `other (${steps.others} steps)`, pick: (d) => d === sec ? steps.other : null });
      chart(steps.other ? `Requests per second by step (the ${steps.names.length} busiest)` : "Requests per second by step",
        series, { alone: true });
    }
    // What open, WebSocket, comet, push and connections phases add, where the run has it.
    const lag = sec.schedule_lag_ms || {};
    const lagKeys = ["p50", "p99", "max"].filter((k) => lag[k] || ((cmpSec || {}).schedule_lag_ms || {})[k]);
    if (lagKeys.length) {
      chart("Schedule lag (how late arrivals started)", lagKeys.map((k) => ({
        label: k, pick: (d) => (d.schedule_lag_ms || {})[k], format: ms,
      })), { axis: ms });
    }
    const counted = (title, names) => {
      const keys = Object.keys(names).filter((k) => (sec.counts || {})[k] || ((cmpSec || {}).counts || {})[k]);
      if (keys.length) chart(title, keys.map((k) => ({ label: names[k], pick: (d) => (d.counts || {})[k] })));
    };
    counted("Dropped and late arrivals per second", { iterations_dropped: "dropped", late_starts: "late" });
    counted("Iterations per second", { iterations_started: "started", iterations_completed: "completed" });
    counted("Connections per second", {
      connections_opened: "opened", held_established: "held: established", held_failed: "held: failed",
      held_dropped: "held: dropped",
    });
    counted("WebSocket per second", { ws_opened: "opened", ws_messages_in: "messages in", ws_messages_out: "messages out" });
    counted("Server-sent events and long polls per second", {
      sse_streams: "SSE streams", sse_events: "SSE events", longpoll_messages: "long-poll messages",
    });
    counted("Push messages per second", {
      push_published: "published", push_received: "received", push_lost: "lost", push_duplicated: "duplicated",
    });
    spectrumChart();
    sutCharts();
    flameGraphs();

    // --profile-sut: a flame graph of each window (flame.js); the windows are shaded on the
    // charts over time by markPhases.
    function flameGraphs() {
      for (const p of data.profiles || []) charts.append(stampedeFlameGraph(p, el, num));
    }

    // The system under test, on the same timeline: each monitor's process and host, sampled
    // once a second (docs/monitor.md).
    function sutCharts() {
      const sut = sec.sut || {};
      const names = Object.keys(sut).sort();
      if (!names.length || !sec.t.length) return;
      charts.append(el("h2", { "data-section": "sut" }, "System under test"));
      const of = (key, label) => names.filter((n) => sut[n][key]).map((n) => ({
        label: names.length > 1 ? `${n} ${label}` : label, pick: (d) => d === sec ? sut[n][key] : null,
      }));
      const draw = (title, series, format) => {
        if (series.length) chart(title, series, { alone: true, axis: format });
      };
      draw("CPU of the system under test (% of one core)", [].concat(
        of("cpu", "cpu"), names.length === 1 ? of("cpu_user", "user").concat(of("cpu_system", "system")) : [],
        of("cgroup_cpu", "cgroup")).map((x) => Object.assign(x, { format: percent })), percent);
      draw("Memory of the system under test", of("rss", "rss")
        .map((x) => Object.assign(x, { format: bytes })), bytes);
      // A cgroup holds more than the process (page cache, its other processes): drawn apart.
      draw("Memory of its cgroup", of("cgroup_memory", "cgroup memory")
        .map((x) => Object.assign(x, { format: bytes })), bytes);
      draw("Open descriptors and threads", of("fds", "descriptors").concat(of("threads", "threads")));
      draw("Host CPU (% of all cores) and pressure", of("host_cpu", "host cpu").concat(
        of("psi_cpu", "cpu pressure"), of("psi_memory", "memory pressure"), of("psi_io", "io pressure"))
        .map((x) => Object.assign(x, { format: percent })), percent);
      draw("Host memory available", of("mem_available", "available")
        .map((x) => Object.assign(x, { format: bytes })), bytes);
      draw("TCP sockets on the host", of("tcp_inuse", "in use").concat(of("tcp_tw", "TIME_WAIT"),
        of("tcp_orphan", "orphaned")));
      draw("Listen queue overflows, drops and retransmits per second", of("listen_overflows", "listen overflows")
        .concat(of("listen_drops", "listen drops"), of("tcp_retransmits", "retransmits"),
          of("cgroup_throttled", "cgroup throttled periods")));
    }

    // A distributed run's requests per second by agent. A second an agent never reported is a
    // gap, shaded in its colour rather than drawn as zero; after its load ended it is none.
    function agentChart() {
      const agents = sec.agents || {};
      const names = Object.keys(agents).sort();
      if (!names.length) return;
      const gaps = names.map((name) => {
        const a = agents[name];
        return a.requests.map((v, i) => v === null && !(a.ended !== undefined && i > a.ended));
      });
      const counts = Object.fromEntries(names.map((name, k) => [name, gaps[k].filter(Boolean).length]));
      const shade = (u) => {
        const ctx = u.ctx, top = u.bbox.top, height = u.bbox.height;
        const left = u.bbox.left, right = u.bbox.left + u.bbox.width;
        ctx.save();
        gaps.forEach((gap, k) => {
          ctx.fillStyle = palette[k % palette.length] + "33";
          gap.forEach((isGap, i) => {
            if (!isGap) return;
            const x0 = Math.max(left, u.valToPos(elapsed[i] - 0.5, "x", true));
            const x1 = Math.min(right, u.valToPos(elapsed[i] + 0.5, "x", true));
            if (x1 > x0) ctx.fillRect(x0, top, x1 - x0, height);
          });
        });
        ctx.restore();
      };
      const box = chart("Requests per second by agent", names.map((name) => ({
        label: counts[name] ? `${name} (${counts[name]} s unreported)` : name,
        pick: (d) => d === sec ? agents[name].requests : null,
      })), { alone: true, uplot: { hooks: { drawAxes: [shade], draw: [markPhases] } } });
      if (box) box.setAttribute("data-gaps", JSON.stringify(counts));
    }

    // The latency heatmap: each second's requests by latency bucket (log scale), the darker the
    // more, from the second's own histogram.
    function heatmap() {
      const hm = data.heatmap;
      if (!hm || !sec.t.length) return;
      const edges = hm.edges_ms;
      let most = 0, lo = edges.length, hi = 0;
      hm.counts.forEach((row) => row.forEach((c, b) => {
        if (c) { most = Math.max(most, c); lo = Math.min(lo, b); hi = Math.max(hi, b + 1); }
      }));
      if (!most) return;
      const box = el("div", { class: "chart", "data-chart": "Latency heatmap" },
        el("h3", {}, "Latency heatmap (requests per second by latency)"));
      charts.append(box);
      const draw = (u) => {
        const ctx = u.ctx;
        ctx.save();
        hm.counts.forEach((row, i) => {
          const x0 = u.valToPos(elapsed[i], "x", true), x1 = u.valToPos(elapsed[i] + 1, "x", true);
          row.forEach((c, b) => {
            if (!c) return;
            const y0 = u.valToPos(edges[b], "y", true), y1 = u.valToPos(edges[b + 1], "y", true);
            ctx.fillStyle = `rgba(37, 99, 235, ${0.12 + 0.88 * Math.log1p(c) / Math.log1p(most)})`;
            ctx.fillRect(x0, y1, Math.max(1, x1 - x0 - 1), y0 - y1);
          });
        });
        ctx.restore();
        markPhases(u);
      };
      drawn.push(new uPlot({
        width: width(), height: 240,
        legend: { show: false },
        scales: {
          x: { time: false, range: [0, sec.t.length] },
          y: { distr: 3, range: [edges[lo], edges[hi]] },
        },
        axes: [{ incrs: timeIncrs, values: (u, vals) => vals.map(clock) },
          { size: 80, splits: decades("y"), values: (u, vals) => vals.map(ms) }],
        series: [{}, { label: "latency", paths: () => null, points: { show: false } }],
        hooks: { draw: [draw] },
      }, [elapsed, pad(pl.p50)], box));
    }

    // The latency spectrum as HdrHistogram plots it: percentile on a log axis of 1/(1-p), for
    // the run and each scenario.
    function spectrumChart() {
      const sp = data.spectrum || {};
      if (!sp.run) return;
      const other = cmp && cmp.spectrum && cmp.spectrum.run;
      const ladder = other && other.x.length > sp.run.x.length ? other.x : sp.run.x;
      const along = (values) => ladder.map((_, i) => values[i] ?? null);
      const series = [{ label: "run", values: along(sp.run.ms), color: "#1d2330" }].concat(
        (sp.scenarios || []).map((c) => ({ label: c.name, values: along(c.ms) })));
      if (other) {
        series.push({ label: "run " + cmp.run.id, values: along(other.ms), color: "#1d2330", dash: [6, 4] });
      }
      const box = el("div", { class: "chart", "data-chart": "Latency by percentile" },
        el("h3", {}, "Latency by percentile (the whole run)"));
      charts.append(box);
      const percentile = (x) => {
        const p = 100 * (1 - 1 / x);
        return (p >= 99 ? p.toFixed(Math.max(0, Math.round(Math.log10(x)) - 2)) : p.toFixed(0)) + "%";
      };
      drawn.push(new uPlot({
        width: width(), height: 240,
        scales: { x: { time: false, distr: 3 } },
        axes: [{ splits: decades("x"), values: (u, vals) => vals.map(percentile) },
          { size: 80, values: (u, vals) => vals.map(ms) }],
        series: [{ label: "percentile", value: (u, v) => v === null ? "–" : percentile(v) }].concat(
          series.map((x, i) => ({ label: x.label, stroke: x.color || palette[i % palette.length],
            width: 1.5, dash: x.dash, value: (u, v) => ms(v) }))),
      }, [ladder].concat(series.map((x) => x.values)), box));
    }

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
    // --compare: the other run's p95 and rps of the step (or scenario) with the same name, and
    // the change.
    const compareColumns = (group) => {
      if (!cmp) return [];
      const by = new Map(((cmp.summary || {})[group] || []).map((st) => [st.name, st]));
      const otherDuration = (cmp.summary || {}).load_s || (cmp.summary || {}).duration_s || 0;
      const change = (v) => v === null ? "–" : (v > 0 ? "+" : "") + num(v * 100, 1) + "%";
      const p95 = (r) => ((by.get(r.name) || {}).latency_ms || {}).p95 ?? null;
      return [
        { label: `p95 run ${cmp.run.id}`, value: p95, format: ms },
        { label: "Δ p95", format: change, value: (r) => {
          const o = p95(r), m = (r.latency_ms || {}).p95;
          return o && m !== null && m !== undefined ? (m - o) / o : null;
        }, bad: (r) => { const o = p95(r); return o && (r.latency_ms || {}).p95 > o * 1.1; } },
        { label: "Δ rps", format: change, value: (r) => {
          const o = by.get(r.name);
          if (!o || !otherDuration || !duration || !o.requests) return null;
          return (r.requests / duration - o.requests / otherDuration) / (o.requests / otherDuration);
        } },
      ];
    };
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
    ].concat(latencyColumns((r) => r.latency_ms), compareColumns("steps")), (s.steps || []).slice());
    table("Scenarios", [
      { label: "scenario", value: (r) => r.name },
      { label: "started", value: (r) => r.started, format: num },
      { label: "completed", value: (r) => r.completed, format: num },
      { label: "failed", value: (r) => r.failed, format: num, bad: (r) => r.failed > 0 },
      { label: "requests", value: (r) => r.requests, format: num },
    ].concat(latencyColumns((r) => r.latency_ms), compareColumns("scenarios")), (s.scenarios || []).slice());
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
    const sutFigure = (key, format) => ({ label: key.replace(".", " ").replace(/_/g, " "), format,
      value: (r) => r[1][key] ?? null, bad: key.startsWith("listen_") ? (r) => r[1][key] > 0 : undefined });
    const flat = (f) => {
      const out = {};
      for (const [k, v] of Object.entries(f || {})) {
        if (v !== null && typeof v === "object") for (const [stat, x] of Object.entries(v)) out[k + "." + stat] = x;
        else out[k] = v;
      }
      return out;
    };
    table("System under test", [
      { label: "monitor", value: (r) => r[0] },
      sutFigure("cpu.max", percent), sutFigure("cpu.mean", percent), sutFigure("rss.max", bytes),
      sutFigure("fds.max", num), sutFigure("threads.max", num), sutFigure("host_cpu.max", percent),
      sutFigure("mem_available.min", bytes), sutFigure("listen_overflows", num),
      sutFigure("listen_drops", num), sutFigure("tcp_retransmits", num),
    ], Object.entries(s.sut || {}).map(([name, f]) => [name, flat(f)]));
    table("Status codes", [
      { label: "status", value: (r) => r[0] },
      { label: "responses", value: (r) => r[1], format: num },
    ], Object.entries(s.status_codes || {}));

    document.getElementById("campaign").textContent = data.campaign || "";
    document.body.setAttribute("data-seconds", String(sec.t.length));
    document.body.setAttribute("data-ready", "1");  // drawn: for whoever waits on the page
  }

  // On the controller's pages (data.nav): back to the runs, the report to download, and a
  // button that stops a live run.
  function navigation() {
    const nav = data.nav;
    if (!nav) return;
    const bar = document.getElementById("nav");
    bar.append(el("a", { href: nav.runs }, "← runs"));
    if (nav.download && !data.live) bar.append(el("a", { href: nav.download, "data-download": "1" }, "download the report"));
    if (nav.stop && data.live) {
      // Drawn again every second: whether it was pressed is kept in nav.
      const stop = el("button", { "data-stop": "1" }, nav.stopping ? "Stopping…" : "Stop the run");
      stop.disabled = !!nav.stopping;
      stop.addEventListener("click", () => {
        nav.stopping = true;
        stop.disabled = true;
        stop.textContent = "Stopping…";
        fetch(nav.stop, { method: "POST", headers: { "X-CSRF-Token": nav.csrf } })
          .then((r) => { if (!r.ok) nav.stopping = false; }, () => { nav.stopping = false; });
      });
      bar.append(stop);
    }
  }

  const width = () => Math.min(1150, document.body.clientWidth - 48);
  window.addEventListener("resize", () => drawn.forEach((u) => u.setSize({ width: width(), height: u.height })));
  render();
  if (data.live) follow(data.live);

  // The live dashboard: each completed second arrives as an event and is appended to the
  // columns; the summary ends the stream and the page shows the run as its report would.
  function follow(live) {
    const events = new EventSource(`${live.events}?after=${live.after}`);
    let pending = false;
    const later = () => {
      if (!pending) { pending = true; setTimeout(() => { pending = false; render(); }, 0); }
    };
    events.addEventListener("second", (e) => {
      const x = JSON.parse(e.data);
      append(x);
      data.so_far = x.so_far;
      data.spectrum = { run: x.so_far.spectrum, scenarios: [] };
      later();
    });
    events.addEventListener("end", (e) => {
      const x = JSON.parse(e.data);
      data.run = x.run;
      data.spectrum = x.spectrum;
    });
    events.addEventListener("summary", (e) => {
      events.close();
      data.summary = JSON.parse(e.data);
      if (Object.keys(data.summary).length) delete data.so_far;  // a run lost without one keeps them
      delete data.live;
      render();
      document.body.setAttribute("data-final", "1");
    });
  }

  function append(x) {
    const sec = data.seconds;
    const n = sec.t.length;
    for (const k of ["t", "requests", "ok", "failed", "users", "connections", "bytes_in",
      "bytes_out", "phase"]) sec[k].push(x[k]);
    for (const k of Object.keys(sec.latency_ms)) sec.latency_ms[k].push(x.latency_ms[k]);
    for (const group of ["errors", "status", "counts"]) {
      const keyed = sec[group] || (sec[group] = {});
      for (const k of Object.keys(x[group])) if (!keyed[k]) keyed[k] = new Array(n).fill(0);
      for (const k of Object.keys(keyed)) keyed[k].push(x[group][k] || 0);
    }
    const lag = sec.schedule_lag_ms || (sec.schedule_lag_ms = {});
    for (const k of ["p50", "p99", "max"]) {
      const v = x.schedule_lag_ms[k];
      if (!lag[k] && v !== null) lag[k] = new Array(n).fill(null);
      if (lag[k]) lag[k].push(v);
    }
    data.heatmap.counts.push(x.heatmap);
    if (x.sut || sec.sut) {
      const sut = sec.sut || (sec.sut = {});
      for (const [m, values] of Object.entries(x.sut || {})) {
        const cols = sut[m] || (sut[m] = {});
        for (const k of Object.keys(values)) if (!cols[k]) cols[k] = new Array(n).fill(null);
      }
      for (const [m, cols] of Object.entries(sut)) {
        const values = (x.sut || {})[m] || {};
        for (const [k, col] of Object.entries(cols)) col.push(values[k] ?? null);
      }
    }
    if (x.agents || sec.agents) {
      const agents = sec.agents || (sec.agents = {});
      for (const k of Object.keys(x.agents || {})) {
        if (!agents[k]) agents[k] = { requests: new Array(n).fill(null), failed: new Array(n).fill(null) };
      }
      for (const [k, a] of Object.entries(agents)) {
        const v = (x.agents || {})[k];
        a.requests.push(v ? v.requests : null);
        a.failed.push(v ? v.failed : null);
        if (v && v.ended) a.ended = n;
      }
    }
  }
})();
