// stampede's flame graphs of --profile-sut: a window's folded stacks ("comm;frame;leaf", count)
// as a tree, each frame as wide as its share of the samples. Drawn icicle-wise: the whole at the
// top, each frame's callees below it, so the widest paths come first on the page.
function stampedeFlameGraph(p, el, num) {
  "use strict";
  const root = { name: "all", value: 0, children: new Map() };
  for (const [stack, count] of p.stacks) {
    root.value += count;
    let node = root;
    for (const frame of stack.split(";")) {
      let next = node.children.get(frame);
      if (!next) node.children.set(frame, next = { name: frame, value: 0, children: new Map() });
      next.value += count;
      node = next;
    }
  }
  const title = `Profile of ${p.monitor}: ${num(p.duration_s, 1)} s from ${num(p.start_s, 1)} s ` +
    `(${num(root.value)} samples; callers above their callees)`;
  const box = el("div", { class: "chart", "data-flame": p.monitor }, el("h3", {}, title));
  if (!root.value) {
    box.append(el("div", { class: "meta" }, "no samples"));
    return box;
  }
  let depth = 0;
  const frames = [];
  const walk = (node, x, level) => {
    depth = Math.max(depth, level);
    frames.push({ node, x, level });
    let at = x;
    // Widest first, so the eye finds the heavy paths at the left.
    for (const child of [...node.children.values()].sort((a, b) => b.value - a.value)) {
      // Too narrow to read (under half a percent) or too deep (a stack unwound wrong): not drawn.
      if (child.value / root.value >= 0.005 && level < 64) walk(child, at, level + 1);
      at += child.value;
    }
  };
  walk(root, 0, 0);
  const graph = el("div", { class: "flame" });
  graph.style.height = (depth + 1) * 18 + "px";
  for (const { node, x, level } of frames) {
    const share = node.value / root.value;
    const cell = el("div", { title: `${node.name}: ${num(node.value)} samples (${num(share * 100, 1)}%)` },
      node.name);
    cell.style.left = (x / root.value * 100) + "%";
    cell.style.width = (share * 100) + "%";
    cell.style.top = level * 18 + "px";
    // Warm colours by name, the same frame the same colour everywhere.
    let h = 0;
    for (const c of node.name) h = (h * 31 + c.charCodeAt(0)) >>> 0;
    cell.style.background = level === 0 ? "#d9dde3" : `hsl(${10 + h % 45}, 85%, ${62 + h % 15}%)`;
    graph.append(cell);
  }
  box.append(graph);
  return box;
}
