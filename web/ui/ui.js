// The controller's pages: runs, campaigns and agents, drawn from its JSON API (docs/api.md)
// and refreshed every two seconds. A POST carries the session's CSRF token.
(function () {
  "use strict";
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const main = document.getElementById("main");
  const page = location.pathname.replace(/^\/+/, "") || "runs";
  for (const a of document.querySelectorAll("nav a")) {
    if (a.dataset.page === page) a.className = "here";
  }

  const el = (tag, attrs, ...children) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return e;
  };
  const when = (ms) => ms ? new Date(ms).toLocaleString() : "–";
  const ago = (ms) => ms ? Math.max(0, Math.round((Date.now() - ms) / 1000)) + " s ago" : "never";
  const num = (v) => Number(v).toLocaleString("en-US");
  const table = (name, heads, rows) => el("table", { "data-table": name },
    el("thead", {}, el("tr", {}, ...heads.map((h) => el("th", {}, h)))),
    el("tbody", {}, ...rows));

  async function api(path, options) {
    const r = await fetch(path, Object.assign({ headers: { "X-CSRF-Token": csrf } }, options));
    const body = await r.json().catch(() => ({}));
    if (r.status === 401) location.href = "/sign-in?next=" + encodeURIComponent(location.pathname);
    if (!r.ok) throw new Error(body.error || r.statusText);
    return body;
  }
  const post = (path, body) => api(path, {
    method: "POST", body: JSON.stringify(body || {}),
    headers: { "X-CSRF-Token": csrf, "Content-Type": "application/json" },
  });
  const problem = el("p", { class: "error", id: "problem" });

  async function runs() {
    const list = await api("/api/runs");
    return [el("h1", {}, "Runs"), problem, table("runs",
      ["run", "campaign", "status", "exit", "started", "duration", ""],
      list.map((r) => {
        const end = r.ended_at_ms || Date.now();
        const stop = r.status === "running" ? el("button", {
          "data-stop": r.id, onclick: () => post(`/api/runs/${r.id}/stop`).then(refresh, say),
        }, "Stop") : "";
        return el("tr", { "data-run": r.id },
          el("td", {}, el("a", { href: `/runs/${r.id}` }, `run ${r.id}`)), el("td", {}, r.name),
          el("td", { class: "status-" + r.status }, r.status),
          el("td", { class: "num" }, r.exit_code < 0 ? "–" : r.exit_code),
          el("td", {}, when(r.started_at_ms)),
          el("td", { class: "num" }, Math.round((end - r.started_at_ms) / 1000) + " s"),
          el("td", {}, stop));
      }))];
  }

  async function campaigns() {
    const list = await api("/api/campaigns");
    return [el("h1", {}, "Campaigns"), problem, table("campaigns",
      ["campaign", "updated", "agents", ""],
      list.map((c) => {
        const agents = el("input", { type: "number", min: "0", value: "0", title: "0: every healthy agent" });
        return el("tr", { "data-campaign": c.name },
          el("td", {}, el("details", {}, el("summary", {}, c.name), el("pre", {}, c.text))),
          el("td", {}, when(c.updated_at_ms)), el("td", {}, agents),
          el("td", {}, el("button", {
            "data-start": c.name,
            onclick: () => post(`/api/campaigns/${encodeURIComponent(c.name)}/start`,
              { agents: Number(agents.value) }).then((r) => { location.href = `/runs/${r.id}`; }, say),
          }, "Start")));
      })), el("p", { class: "muted" }, "agents: how many to start it on; 0 for every healthy idle one.")];
  }

  async function agents() {
    const list = await api("/api/agents");
    return [el("h1", {}, "Agents"), problem, table("agents",
      ["agent", "health", "last heartbeat", "cores", "open files", "clock offset", "round trip",
        "assignment", "version", "address"],
      list.map((a) => el("tr", { "data-agent": a.name },
        el("td", {}, a.name), el("td", { class: a.healthy ? "healthy" : "lost" }, a.healthy ? "healthy" : "lost"),
        el("td", {}, ago(a.last_heartbeat_ms)), el("td", { class: "num" }, a.cores),
        el("td", { class: "num" }, num(a.open_files)),
        el("td", { class: "num" }, a.clock_offset_ms + " ms"), el("td", { class: "num" }, a.round_trip_ms + " ms"),
        el("td", {}, a.assignment || "idle"), el("td", {}, a.version), el("td", {}, a.peer))))];
  }

  // What the last action or refresh said went wrong, until one goes right.
  let shown = "";
  function say(e) {
    shown = e.message;
    problem.textContent = shown;
    if (!problem.isConnected) main.prepend(problem);
  }
  const pages = { runs, campaigns, agents };
  async function refresh() {
    try {
      const parts = await (pages[page] || runs)();
      main.replaceChildren(...parts);
      problem.textContent = shown;
      shown = "";
      document.body.setAttribute("data-ready", "1");
    } catch (e) {
      say(e);
    }
  }
  refresh();
  // Campaigns do not change by themselves, and a refresh would close an open text.
  if (page !== "campaigns") setInterval(refresh, 2000);
})();
