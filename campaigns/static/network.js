// The line network, drawn as SVG with a small force layout (no library, nothing fetched
// from elsewhere). The page's table holds the same facts for readers without JavaScript.
(function () {
  "use strict";
  var svg = document.getElementById("network");
  if (!svg || !window.fetch) { return; }
  var NS = "http://www.w3.org/2000/svg";
  var W = 900, H = 600;
  var COLOURS = {
    shared_numbers: "#8a8a8a",
    reply_names_line: "#b3261e",
    reply_names_contact: "#d9534f",
    mentions_possible_line: "#c77700"
  };

  function el(name, attrs, parent) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (parent) { parent.appendChild(node); }
    return node;
  }

  function layout(nodes, edges) {
    // Fruchterman-Reingold: springs along edges, repulsion between every pair, cooling.
    var n = nodes.length, k = Math.sqrt((W * H) / Math.max(1, n)) * 0.6;
    nodes.forEach(function (node, i) {
      var a = 2 * Math.PI * i / Math.max(1, n);
      node.x = W / 2 + (W / 3) * Math.cos(a);
      node.y = H / 2 + (H / 3) * Math.sin(a);
    });
    var byId = {};
    nodes.forEach(function (node) { byId[node.id] = node; });
    var t = W / 10;
    for (var step = 0; step < 300; step++) {
      nodes.forEach(function (v) { v.dx = 0; v.dy = 0; });
      for (var i = 0; i < n; i++) {
        for (var j = i + 1; j < n; j++) {
          var a = nodes[i], b = nodes[j];
          var dx = a.x - b.x, dy = a.y - b.y, d = Math.max(0.01, Math.hypot(dx, dy));
          var f = (k * k) / d;
          a.dx += dx / d * f; a.dy += dy / d * f; b.dx -= dx / d * f; b.dy -= dy / d * f;
        }
      }
      edges.forEach(function (e) {
        var a = byId[e.source], b = byId[e.target];
        if (!a || !b) { return; }
        var dx = a.x - b.x, dy = a.y - b.y, d = Math.max(0.01, Math.hypot(dx, dy));
        var f = (d * d) / k;
        a.dx -= dx / d * f; a.dy -= dy / d * f; b.dx += dx / d * f; b.dy += dy / d * f;
      });
      nodes.forEach(function (v) {
        var d = Math.max(0.01, Math.hypot(v.dx, v.dy)), m = Math.min(d, t);
        v.x = Math.min(W - 40, Math.max(40, v.x + v.dx / d * m));
        v.y = Math.min(H - 30, Math.max(30, v.y + v.dy / d * m));
      });
      t *= 0.985;
    }
    return byId;
  }

  function draw(data) {
    var byId = layout(data.nodes, data.edges);
    var defs = el("defs", {}, svg);
    Object.keys(COLOURS).forEach(function (kind) {
      var marker = el("marker", {id: "arrow-" + kind, viewBox: "0 0 10 10", refX: "22", refY: "5",
        markerWidth: "6", markerHeight: "6", orient: "auto-start-reverse"}, defs);
      el("path", {d: "M 0 0 L 10 5 L 0 10 z", fill: COLOURS[kind]}, marker);
    });
    var lines = data.edges.map(function (e) {
      var a = byId[e.source], b = byId[e.target];
      var line = el("line", {x1: a.x, y1: a.y, x2: b.x, y2: b.y, stroke: COLOURS[e.kind] || "#555",
        "stroke-width": Math.min(8, 1.5 + Math.log2(1 + (e.numbers || e.reply_count || 1)))}, svg);
      if (e.kind !== "shared_numbers") { line.setAttribute("marker-end", "url(#arrow-" + e.kind + ")"); }
      el("title", {}, line).textContent = e.explanation;
      return {edge: e, line: line};
    });
    data.nodes.forEach(function (node) {
      var group = el("g", {"class": "network-node", tabindex: "0"}, svg);
      var shape = node.kind === "line"
        ? el("circle", {r: 16, fill: "#1d70b8"}, group)
        : el("rect", {width: 24, height: 24, x: -12, y: -12, fill: "#c77700"}, group);
      el("title", {}, shape).textContent = node.label;
      var label = el("text", {x: 0, y: 30, "text-anchor": "middle", "font-size": "12"}, group);
      label.textContent = node.label;
      node.group = group;
      place(node);
      if (node.kind === "line") {
        group.addEventListener("dblclick", function () {
          window.location = "/lines/" + node.line_id;
        });
      }
      drag(node);
    });
    function place(node) {
      node.group.setAttribute("transform", "translate(" + node.x + "," + node.y + ")");
      lines.forEach(function (item) {
        if (item.edge.source === node.id) { item.line.setAttribute("x1", node.x); item.line.setAttribute("y1", node.y); }
        if (item.edge.target === node.id) { item.line.setAttribute("x2", node.x); item.line.setAttribute("y2", node.y); }
      });
    }
    function drag(node) {
      var active = false;
      node.group.addEventListener("pointerdown", function (ev) { active = true; node.group.setPointerCapture(ev.pointerId); });
      node.group.addEventListener("pointerup", function () { active = false; });
      node.group.addEventListener("pointermove", function (ev) {
        if (!active) { return; }
        var box = svg.getBoundingClientRect();
        node.x = (ev.clientX - box.left) * W / box.width;
        node.y = (ev.clientY - box.top) * H / box.height;
        place(node);
      });
    }
  }

  fetch(svg.getAttribute("data-source"), {credentials: "same-origin"})
    .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
    .then(draw)
    .catch(function () { svg.setAttribute("aria-hidden", "true"); });
}());
