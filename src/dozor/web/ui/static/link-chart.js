// The link chart page: fetch GET /api/v1/link-chart (the policy decides what comes back) and
// draw it with the vendored ECharts as a force-directed graph, plus a table of its nodes for
// keyboards and screen readers. Clicking a record opens its page; a phone re-centres the chart.
(function () {
  "use strict";
  var holder = document.getElementById("link-chart");
  var status = document.getElementById("link-chart-status");
  if (!holder || !status) { return; }

  // The form sends kind + value; the chart's own links use start=kind:value.
  var api = holder.getAttribute("data-api");
  if (!api || !window.echarts) { return; }
  var labels = JSON.parse(holder.getAttribute("data-category-labels") || "{}");
  var depth = holder.getAttribute("data-depth") || "2";

  function pageOf(node) {
    var kind = node.category_name;
    var rest = node.id.slice(node.id.indexOf(":") + 1);
    if (kind === "person") { return "/persons/" + encodeURIComponent(rest); }
    if (kind === "vehicle") { return "/vehicles/" + encodeURIComponent(rest); }
    if (kind === "seizure") { return "/seizures/" + encodeURIComponent(rest); }
    if (kind === "phone") {
      return "/link-chart?start=" + encodeURIComponent("phone:" + rest) + "&depth=" + depth;
    }
    return null;
  }

  function fillTable(nodes) {
    var table = document.getElementById("link-chart-nodes");
    var body = table.querySelector("tbody");
    nodes.forEach(function (node) {
      var row = document.createElement("tr");
      row.setAttribute("data-node", node.id);
      var kind = document.createElement("td");
      kind.textContent = labels[node.category_name] || node.category_name;
      var name = document.createElement("td");
      name.setAttribute("translate", "no");
      var target = pageOf(node);
      if (target) {
        var link = document.createElement("a");
        link.href = target;
        link.textContent = node.name;
        name.appendChild(link);
      } else {
        name.textContent = node.name;
      }
      var links = document.createElement("td");
      links.className = "num";
      links.textContent = String(node.value);
      var steps = document.createElement("td");
      steps.className = "num";
      steps.textContent = String(node.depth);
      [kind, name, links, steps].forEach(function (cell) { row.appendChild(cell); });
      body.appendChild(row);
    });
    table.hidden = false;
  }

  function draw(data) {
    holder.hidden = false;
    var chart = window.echarts.init(holder);
    var categories = data.categories.map(function (c) { return { name: labels[c.name] || c.name }; });
    var nodes = data.nodes.map(function (node) {
      return {
        id: node.id,
        name: node.name,
        category: node.category,
        value: node.value,
        symbolSize: node.depth === 0 ? 34 : Math.min(12 + 3 * node.value, 30),
        itemStyle: node.frequent || node.excluded || node.valid === false ? { opacity: 0.45 } : undefined,
        raw: node,
      };
    });
    chart.setOption({
      animation: false,
      tooltip: { formatter: function (p) { return p.dataType === "node" ? p.data.name : (p.data.label || ""); } },
      legend: [{ data: categories.map(function (c) { return c.name; }) }],
      series: [{
        type: "graph",
        layout: "force",
        roam: true,
        draggable: true,
        label: { show: true, position: "right", formatter: "{b}" },
        force: { repulsion: 180, edgeLength: 70 },
        categories: categories,
        data: nodes,
        links: data.links.map(function (l) { return { source: l.source, target: l.target, label: l.label }; }),
      }],
    });
    chart.on("click", function (event) {
      if (event.dataType !== "node") { return; }
      var target = pageOf(event.data.raw);
      if (target) { window.location.href = target; }
    });
    window.addEventListener("resize", function () { chart.resize(); });
    holder.setAttribute("data-node-count", String(data.nodes.length));
    var shown = (holder.getAttribute("data-shown") || "")
      .replace("{nodes}", String(data.nodes.length)).replace("{links}", String(data.links.length));
    status.textContent = shown + (data.truncated ? " " + holder.getAttribute("data-truncated") : "");
    fillTable(data.nodes);
  }

  fetch(api, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    })
    .then(draw)
    .catch(function () {
      holder.setAttribute("data-node-count", "0");
      status.textContent = holder.getAttribute("data-not-found");
    });
})();
