// The situation dashboard (templates/dashboard.html): fills every panel from the documented
// JSON API with the filters of the URL, offers each panel's data as CSV and as a table, keeps
// the filters in the URL, and listens to the live feed (/api/v1/live, Server-Sent Events):
// a new seizure the user may read is listed at once and the panels refresh.
(function () {
  "use strict";
  var root = document.getElementById("dashboard");
  if (!root || !window.echarts) { return; }

  var lang = root.getAttribute("data-lang") || "en";
  var locale = lang === "ru" ? "ru-RU" : "en-GB";
  var LABELS = JSON.parse(root.getAttribute("data-labels") || "{}");
  var T = JSON.parse(root.getAttribute("data-texts") || "{}");
  var MEMBERS = ["KAZ", "KGZ", "TJK", "TKM", "UZB"];
  var GROUP_COLOURS = {
    opioids: "#d55e00", cocaine: "#e69f00", cannabis: "#009e73", ats: "#0072b2",
    ecstasy: "#cc79a7", hallucinogens: "#56b4e9", sedatives: "#f0e442", nps: "#7b3294",
    other: "#8a8a8a",
  };
  var numberFormat = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
  var kgFormat = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
  var dayFormat = new Intl.DateTimeFormat(locale, { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" });
  var monthFormat = new Intl.DateTimeFormat(locale, { year: "numeric", month: "short", timeZone: "UTC" });
  var timeFormat = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit", second: "2-digit" });

  var state = { query: root.getAttribute("data-query") || "", data: {}, charts: {}, feed: [] };

  function number(n) { return numberFormat.format(n || 0); }
  function kg(n) { return kgFormat.format(n || 0); }
  function day(iso) { return iso ? dayFormat.format(new Date(iso.slice(0, 10) + "T00:00:00Z")) : "—"; }
  function month(iso) { return monthFormat.format(new Date(iso.slice(0, 10) + "T00:00:00Z")); }
  function label(kind, code) {
    if (code === null || code === undefined || code === "") { return T.unknown; }
    var names = LABELS[kind];
    return (names && names[code]) || String(code);
  }
  function fill(text, values) {
    return String(text).replace(/\{(\w+)\}/g, function (whole, key) {
      return values[key] !== undefined ? values[key] : whole;
    });
  }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  // -- panels --------------------------------------------------------------------------------

  function panelQuery(panel) {
    var parts = [state.query, panel.getAttribute("data-params") || ""];
    if (panel.getAttribute("data-panel") === "timeseries") { parts.push("granularity=" + granularity()); }
    return parts.filter(Boolean).join("&");
  }

  function granularity() {
    var params = new URLSearchParams(state.query);
    var from = params.get("date_from"), to = params.get("date_to");
    if (from && to && (Date.parse(to) - Date.parse(from)) / 86400000 <= 120) { return "week"; }
    return "month";
  }

  function setStatus(panel, text) {
    var status = panel.querySelector(".panel-status");
    if (status) { status.textContent = text; }
  }

  function table(panel, head, rows) {
    var wrap = panel.querySelector(".data-table .table-wrap");
    if (!wrap) { return; }
    var thead = el("thead", {}, [el("tr", {}, head.map(function (h, i) {
      return el("th", { scope: "col", "class": i > 0 && rows.length && typeof rows[0][i] === "number" ? "num" : "" }, [h]);
    }))]);
    var tbody = el("tbody", {}, rows.map(function (row) {
      return el("tr", {}, row.map(function (cell) {
        if (cell && typeof cell === "object") {  // data, not a label: {data: "Zhibek Zholy"}
          return el("td", { translate: "no" }, [String(cell.data)]);
        }
        var numeric = typeof cell === "number";
        return el("td", numeric ? { "class": "num" } : {}, [numeric ? kg(cell) : String(cell)]);
      }));
    }));
    wrap.replaceChildren(el("table", {}, [el("caption", { "class": "visually-hidden" },
      [panel.querySelector("h2").textContent]), thead, tbody]));
  }

  function chartFor(name, holder) {
    if (!state.charts[name]) {
      state.charts[name] = echarts.init(holder, null, { renderer: "canvas" });
      if (window.ResizeObserver) {
        new ResizeObserver(function () { state.charts[name].resize(); }).observe(holder);
      }
    }
    return state.charts[name];
  }

  var axisNumber = { formatter: function (v) { return number(v); } };
  var tooltipValue = function (v) { return typeof v === "number" ? kg(v) : v; };

  var BUILDERS = {
    timeseries: function (data, title) {
      var counts = data.series.filter(function (s) { return s.name === "count"; })[0] || { data: [] };
      var weights = data.series.filter(function (s) { return s.name === "kg_eq"; })[0] || { data: [] };
      var week = data.filters.granularity === "week";
      var names = data.categories.map(function (c) { return week ? day(c) : month(c); });
      var total = counts.data.reduce(function (a, b) { return a + b; }, 0);
      var peak = counts.data.indexOf(Math.max.apply(null, counts.data));
      setKpi("kpi-count", number(total));
      setKpi("kpi-kg", kg(weights.data.reduce(function (a, b) { return a + b; }, 0)));
      return {
        option: {
          grid: { left: 48, right: 56, top: 34, bottom: 28 },
          tooltip: { trigger: "axis", renderMode: "richText", valueFormatter: tooltipValue },
          legend: { data: [T.count, T.kg_eq], top: 0 },
          xAxis: { type: "category", data: names },
          yAxis: [{ type: "value", axisLabel: axisNumber },
                  { type: "value", axisLabel: axisNumber, splitLine: { show: false } }],
          series: [
            { name: T.count, type: "bar", data: counts.data, itemStyle: { color: "#0b5394" } },
            { name: T.kg_eq, type: "line", yAxisIndex: 1, data: weights.data, showSymbol: false,
              itemStyle: { color: "#c0392b" } },
          ],
        },
        describe: fill(T.ts_describe, { title: title, count: number(total), first: names[0],
          last: names[names.length - 1], peak: names[peak], peak_count: number(counts.data[peak]) }),
        head: [T.period, T.count, T.kg_eq],
        rows: data.rows.map(function (r) { return [week ? day(r.period) : month(r.period), r.count, r.kg_eq]; }),
      };
    },

    drugmix: function (data, title) {
      var total = data.rows.reduce(function (a, r) { return a + r.count; }, 0);
      var top = data.rows[0];
      return {
        option: {
          tooltip: { trigger: "item", renderMode: "richText", valueFormatter: tooltipValue },
          legend: { type: "scroll", bottom: 0 },
          series: [{
            type: "pie", radius: ["38%", "68%"], center: ["50%", "44%"], avoidLabelOverlap: true,
            label: { show: false },
            data: data.rows.map(function (r) {
              return { name: label("drug_group", r.drug_group), value: r.count,
                       itemStyle: { color: GROUP_COLOURS[r.drug_group] || "#8a8a8a" } };
            }),
          }],
        },
        describe: fill(T.mix_describe, { title: title, top: label("drug_group", top.drug_group),
          share: Math.round(100 * top.count / (total || 1)) }),
        head: [T.drug_group, T.count, T.kg_eq],
        rows: data.rows.map(function (r) { return [label("drug_group", r.drug_group), r.count, r.kg_eq]; }),
      };
    },

    routes: function (data, title) {
      var nodes = {}, links = {};
      function node(id, code) { nodes[id] = nodes[id] || { name: id, code: code }; return id; }
      function nodeName(id) {
        var name = label("country", nodes[id].code);
        return id.charAt(0) === "t" ? name + " (" + T.transit.toLowerCase() + ")" : name;
      }
      data.rows.forEach(function (r) {
        var chain = [];
        if (r.origin) { chain.push(node("o|" + r.origin, r.origin)); }
        r.transit.forEach(function (c, i) { chain.push(node("t" + (i + 1) + "|" + c, c)); });
        if (r.destination) { chain.push(node("d|" + r.destination, r.destination)); }
        for (var i = 0; i + 1 < chain.length; i += 1) {
          var key = chain[i] + ">" + chain[i + 1];
          links[key] = links[key] || { source: chain[i], target: chain[i + 1], value: 0 };
          links[key].value += r.count;
        }
      });
      var describeRoute = function (r) {
        return [r.origin].concat(r.transit, [r.destination]).filter(Boolean)
          .map(function (c) { return label("country", c); }).join(" → ");
      };
      return {
        option: {
          tooltip: { trigger: "item", renderMode: "richText", formatter: function (p) {
            if (p.dataType === "edge") {
              return nodeName(p.data.source) + " → " + nodeName(p.data.target) + ": " + number(p.data.value);
            }
            return nodeName(p.name) + ": " + number(p.value);
          } },
          series: [{
            type: "sankey", left: 8, right: 110, top: 8, bottom: 8, nodeGap: 8, draggable: false,
            emphasis: { focus: "adjacency" }, lineStyle: { color: "gradient", opacity: 0.45 },
            label: { formatter: function (p) { return nodeName(p.name); } },
            data: Object.keys(nodes).map(function (k) { return nodes[k]; }),
            links: Object.keys(links).map(function (k) { return links[k]; }),
          }],
        },
        describe: data.rows.length ? fill(T.routes_describe, { title: title, n: number(data.rows.length),
          top: describeRoute(data.rows[0]), count: number(data.rows[0].count) }) : title,
        head: [T.origin, T.transit, T.destination, T.count, T.kg_eq],
        rows: data.rows.map(function (r) {
          return [label("country", r.origin),
                  r.transit.map(function (c) { return label("country", c); }).join(" → ") || "—",
                  label("country", r.destination), r.count, r.kg_eq];
        }),
      };
    },

    bcps: function (data, title) {
      var rows = data.rows.filter(function (r) { return r.bcp; }).slice(0, 10);
      var shown = rows.slice().reverse();
      return {
        option: {
          grid: { left: 8, right: 24, top: 8, bottom: 24, containLabel: true },
          tooltip: { trigger: "axis", renderMode: "richText", axisPointer: { type: "shadow" }, valueFormatter: tooltipValue },
          xAxis: { type: "value", axisLabel: axisNumber },
          yAxis: { type: "category", data: shown.map(function (r) { return label("bcp", r.bcp); }),
                   axisLabel: { width: 150, overflow: "truncate" } },
          series: [{ name: T.count, type: "bar", data: shown.map(function (r) { return r.count; }),
                     itemStyle: { color: "#0b5394" } }],
        },
        describe: rows.length ? fill(T.bcp_describe, { title: title, top: label("bcp", rows[0].bcp),
          count: number(rows[0].count) }) : title,
        head: [T.bcp, T.count, T.kg_eq],
        rows: rows.map(function (r) { return [label("bcp", r.bcp), r.count, r.kg_eq]; }),
      };
    },
  };

  function setKpi(id, text) {
    var node = document.getElementById(id);
    if (node) { node.textContent = text; }
  }

  function fetchJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status + " " + url); }
        return response.json();
      });
  }

  function loadChart(panel) {
    var name = panel.getAttribute("data-panel");
    var title = panel.querySelector("h2").textContent;
    panel.setAttribute("aria-busy", "true");
    return fetchJson(panel.getAttribute("data-api") + "?" + panelQuery(panel)).then(function (data) {
      state.data[name] = data;
      var holder = panel.querySelector(".chart");
      var chart = chartFor(name, holder);
      if (!data.rows.length) {
        chart.clear();
        holder.setAttribute("aria-label", title + ": " + T.no_data);
        setStatus(panel, T.no_data);
        table(panel, [], []);
        if (name === "timeseries") { setKpi("kpi-count", number(0)); setKpi("kpi-kg", kg(0)); }
      } else {
        var built = BUILDERS[name](data, title);
        built.option.aria = { enabled: true, label: { description: built.describe } };
        built.option.animation = false;
        chart.setOption(built.option, true);
        holder.setAttribute("aria-label", built.describe);
        setStatus(panel, "");
        table(panel, built.head, built.rows);
      }
      panel.setAttribute("aria-busy", "false");
      panel.setAttribute("data-state", "ready");
    }).catch(function () {
      panel.setAttribute("aria-busy", "false");
      panel.setAttribute("data-state", "error");
      setStatus(panel, T.load_error);
    });
  }

  // -- map -----------------------------------------------------------------------------------

  var mapPanel = document.getElementById("panel-map");
  var seizureMap = window.dozorMap && window.L ? window.dozorMap.create(
    document.getElementById("seizure-map"),
    { lang: lang, geojson: root.getAttribute("data-geojson"), members: MEMBERS, texts: T,
      label: label, number: number, kg: kg, placeName: placeName }
  ) : null;

  function placeName(place) {
    if (place.kind === "bcp") { return label("bcp", place.code); }
    if (place.kind === "country") { return label("country", place.country) + " — " + T.no_position; }
    if (place.kind === "point") { return T.place + " " + place.key.slice(6); }
    return place.name_en || place.key;
  }

  function loadMap() {
    mapPanel.setAttribute("aria-busy", "true");
    return fetchJson("/api/v1/stats/map?" + state.query).then(function (data) {
      state.data.map = data;
      setKpi("kpi-bcps", number(data.rows.filter(function (r) { return r.kind === "bcp"; }).length));
      var drawn = seizureMap ? seizureMap.update(data) : Promise.resolve(0);
      var total = data.rows.reduce(function (a, r) { return a + r.count; }, 0);
      var text = fill(T.map_points, { places: number(data.rows.length), count: number(total) });
      var groups = {};
      data.rows.forEach(function (r) { groups[r.drug_group || "other"] = true; });
      mapPanel.querySelectorAll("[data-legend]").forEach(function (item) {
        item.hidden = !groups[item.getAttribute("data-legend")];
      });
      table(mapPanel, [T.place, T.country, T.drug_group, T.count, T.kg_eq],
        data.rows.slice(0, 100).map(function (r) {
          return [r.kind === "place" ? { data: placeName(r) } : placeName(r), label("country", r.country), label("drug_group", r.drug_group), r.count, r.kg_eq];
        }));
      return drawn.then(function (approximate) {
        if (approximate) { text += " " + fill(T.approximate, { count: number(approximate) }); }
        if (data.unplaced) { text += " " + fill(T.unplaced, { count: number(data.unplaced) }); }
        setStatus(mapPanel, data.rows.length ? text : T.no_data);
        mapPanel.setAttribute("aria-busy", "false");
        mapPanel.setAttribute("data-state", "ready");
      });
    }).catch(function () {
      mapPanel.setAttribute("aria-busy", "false");
      mapPanel.setAttribute("data-state", "error");
      setStatus(mapPanel, T.load_error);
    });
  }

  // -- server-rendered fragments (latest releases, correlations) -----------------------------

  function loadFragment(panel) {
    var body = panel.querySelector(".fragment");
    return fetch(panel.getAttribute("data-fragment") + "?" + state.query, {
      credentials: "same-origin", headers: { "HX-Request": "true" },
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.text();
    }).then(function (html) {
      body.innerHTML = html;
      panel.setAttribute("data-state", "ready");
    }).catch(function () {
      body.textContent = T.load_error;
      panel.setAttribute("data-state", "error");
    });
  }

  // -- loading and refreshing ----------------------------------------------------------------

  var chartPanels = Array.prototype.slice.call(root.querySelectorAll(".panel[data-panel][data-api]"))
    .filter(function (p) { return BUILDERS[p.getAttribute("data-panel")]; });
  var latestPanel = document.getElementById("panel-latest");
  var correlationsPanel = document.getElementById("panel-correlations");

  function loadAll(withCorrelations) {
    var work = [loadMap()].concat(chartPanels.map(loadChart), [loadFragment(latestPanel)]);
    if (withCorrelations) { work.push(loadFragment(correlationsPanel)); }
    return Promise.all(work);
  }

  var refreshTimer = null;
  function scheduleRefresh() {
    if (refreshTimer) { return; }
    refreshTimer = setTimeout(function () {
      refreshTimer = null;
      loadAll(false).then(function () {
        var status = document.getElementById("live-status");
        status.setAttribute("data-refreshed", new Date().toISOString());
        status.textContent = T.feed_connected + " · " + fill(T.feed_refreshed, { time: timeFormat.format(new Date()) });
      });
    }, 600);
  }

  // -- filters in the URL --------------------------------------------------------------------

  var form = document.getElementById("dashboard-filters");
  function formQuery() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) { if (value) { params.append(key, value); } });
    return params.toString();
  }
  function syncLangLinks() {
    document.querySelectorAll(".lang-switch a[data-lang]").forEach(function (link) {
      var params = new URLSearchParams(state.query);
      params.set("lang", link.getAttribute("data-lang"));
      link.setAttribute("href", "/?" + params.toString());
    });
  }
  function applyQuery(query) {
    state.query = query;
    root.setAttribute("data-query", query);
    syncLangLinks();
    return loadAll(true);
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var query = formQuery();
    history.pushState({ query: query }, "", query ? "/?" + query : "/");
    applyQuery(query);
  });
  window.addEventListener("popstate", function () {
    var params = new URLSearchParams(location.search);
    Array.prototype.forEach.call(form.elements, function (field) {
      if (field.name) { field.value = params.get(field.name) || ""; }
    });
    params.delete("lang");
    applyQuery(params.toString());
  });

  // -- CSV downloads (the rows of the same JSON the API documents) ---------------------------

  function csvCell(value) {
    if (value === null || value === undefined) { return ""; }
    if (Array.isArray(value)) {
      value = value.map(function (v) {
        return typeof v === "object" && v !== null ? Object.keys(v).map(function (k) { return v[k]; }).join(":") : v;
      }).join(";");
    } else if (typeof value === "object") {
      value = JSON.stringify(value);
    }
    var text = String(value);
    return /[",\n;]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }
  function toCsv(rows) {
    var keys = [];
    rows.forEach(function (r) { Object.keys(r).forEach(function (k) { if (keys.indexOf(k) < 0) { keys.push(k); } }); });
    var lines = [keys.join(",")].concat(rows.map(function (r) {
      return keys.map(function (k) { return csvCell(r[k]); }).join(",");
    }));
    return "\ufeff" + lines.join("\r\n") + "\r\n";
  }
  function download(name, rows) {
    var blob = new Blob([toCsv(rows)], { type: "text/csv;charset=utf-8" });
    var link = el("a", { href: URL.createObjectURL(blob), download: "dozor-" + name + ".csv" });
    document.body.appendChild(link);
    link.click();
    setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
  }
  var CSV_SOURCES = {
    latest: function () {
      return fetchJson("/api/v1/seizures?" + [state.query, latestPanel.getAttribute("data-params")].filter(Boolean).join("&"))
        .then(function (data) { return data.items; });
    },
    correlations: function () {
      return Promise.resolve(Array.prototype.map.call(
        correlationsPanel.querySelectorAll("[data-row]"),
        function (item) { return JSON.parse(item.getAttribute("data-row")); }));
    },
    feed: function () { return Promise.resolve(state.feed); },
  };
  root.addEventListener("click", function (event) {
    var button = event.target.closest("[data-csv]");
    if (!button) { return; }
    var name = button.getAttribute("data-csv");
    var source = CSV_SOURCES[name] ? CSV_SOURCES[name]()
                                   : Promise.resolve((state.data[name] || { rows: [] }).rows);
    source.then(function (rows) { download(name, rows); });
  });

  // -- live feed -----------------------------------------------------------------------------

  var feedList = document.getElementById("live-feed");
  var liveStatus = document.getElementById("live-status");
  var CHANGE_TEXT = { created: T.feed_new, updated: T.feed_updated, workflow: T.feed_workflow, deleted: T.feed_deleted };

  function feedItem(s) {
    var groups = [], seen = {};
    (s.items || []).forEach(function (item) {
      if (item.drug_group && !seen[item.drug_group]) { seen[item.drug_group] = true; groups.push(item.drug_group); }
    });
    var dot = el("span", { "class": "dot", "aria-hidden": "true" });
    dot.style.background = GROUP_COLOURS[groups[0]] || "#8a8a8a";
    var meta = [day(s.seized_date), label("country", s.reporting_country)];
    if (s.bcp) { meta.push(label("bcp", s.bcp)); }
    meta.push(groups.map(function (g) { return label("drug_group", g); }).join(", ") || T.unknown);
    meta.push(kg(s.total_kg_eq) + " " + T.kg_eq);
    var town = !s.bcp && s.settlement ? [" · ", el("span", { translate: "no" }, [s.settlement])] : [];
    var link = el("a", { href: "/seizures/" + s.id, translate: "no" }, [s.seizure_ref]);
    var head = el("div", {}, [dot, link, " · " + label("status", s.status) + " · " + (CHANGE_TEXT[s.change] || s.change)]);
    var time = el("time", { datetime: s.sent_at }, [timeFormat.format(new Date(s.sent_at))]);
    return el("li", { "data-seizure-id": s.id, "data-seizure-ref": s.seizure_ref, "class": "fresh" },
      [head, el("div", { "class": "feed-meta" }, [time, " · " + meta.join(" · ")].concat(town))]);
  }

  function onSeizure(event) {
    var s = JSON.parse(event.data);
    var old = feedList.querySelector('[data-seizure-id="' + s.id + '"]');
    if (old) { old.remove(); }
    feedList.insertBefore(feedItem(s), feedList.firstChild);
    while (feedList.children.length > 50) { feedList.lastChild.remove(); }
    document.getElementById("feed-empty").hidden = true;
    state.feed.unshift({ received_at: s.sent_at, change: s.change, id: s.id, seizure_ref: s.seizure_ref,
      status: s.status, seized_date: s.seized_date, reporting_country: s.reporting_country,
      bcp: s.bcp, settlement: s.settlement, total_kg_eq: s.total_kg_eq,
      drug_groups: (s.items || []).map(function (i) { return i.drug_group; }) });
    scheduleRefresh();
  }

  function connect() {
    if (!window.EventSource) { return; }
    var source = new EventSource("/api/v1/live?after=" + (root.getAttribute("data-feed-mark") || "0"));
    source.addEventListener("ready", function () {
      liveStatus.textContent = T.feed_connected;
      liveStatus.classList.add("connected");
    });
    source.addEventListener("seizure", onSeizure);
    source.addEventListener("error", function () {
      liveStatus.textContent = T.feed_reconnecting;
      liveStatus.classList.remove("connected");
    });
    window.addEventListener("pagehide", function () { source.close(); });
  }

  syncLangLinks();
  loadAll(true);
  connect();
})();
