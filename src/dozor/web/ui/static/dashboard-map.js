// The dashboard's map: Central Asia's countries from the vendored Natural Earth GeoJSON (no
// tile server), the crossing-point register, and the seizures per place from
// /api/v1/stats/map — a dot sized by kg-equivalent and coloured by the main drug group,
// clustered when dense. dashboard.js creates it (window.dozorMap.create) and feeds it data.
(function () {
  "use strict";

  var SIZE_STEPS = [1, 10, 50, 200, 1000]; // kg-equivalent thresholds of the dot sizes s1..s6

  function sizeClass(kg) {
    var step = 1;
    SIZE_STEPS.forEach(function (limit) { if (kg >= limit) { step += 1; } });
    return "s" + step;
  }

  function create(holder, options) {
    var lang = options.lang;
    var map = L.map(holder, {
      attributionControl: false, zoomControl: false, zoomSnap: 0.25, scrollWheelZoom: false,
      minZoom: 3, maxZoom: 10,
    });
    L.control.zoom({
      zoomInTitle: holder.getAttribute("data-zoom-in") || "+",
      zoomOutTitle: holder.getAttribute("data-zoom-out") || "-",
    }).addTo(map);
    map.setView([42.5, 66], 4.25);
    map.createPane("crossings");
    map.getPane("crossings").style.zIndex = 450;

    var centres = {};
    var memberBounds = L.latLngBounds([]);
    var countries = fetch(options.geojson, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (geojson) {
        L.geoJSON(geojson, {
          style: function (feature) {
            var member = options.members.indexOf(feature.properties.iso3) >= 0;
            return {
              color: "#5b6b7a", weight: member ? 1.2 : 0.6,
              fillColor: member ? "#f7f7f2" : "#e4e7ea", fillOpacity: 1,
            };
          },
          onEachFeature: function (feature, shape) {
            var props = feature.properties;
            centres[props.iso3] = props.centre ? [props.centre[1], props.centre[0]]
                                               : [shape.getBounds().getCenter().lat, shape.getBounds().getCenter().lng];
            if (options.members.indexOf(props.iso3) >= 0) { memberBounds.extend(shape.getBounds()); }
            shape.bindTooltip(lang === "ru" ? props.name_ru : props.name_en, { sticky: true });
          },
        }).addTo(map);
        if (memberBounds.isValid()) { map.fitBounds(memberBounds, { padding: [4, 4] }); }
      });

    fetch("/api/v1/crossing-points", { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        (data.crossing_points || []).forEach(function (point) {
          if (point.lat === null || point.lon === null) { return; }
          L.circleMarker([point.lat, point.lon], {
            pane: "crossings", radius: 3, weight: 1, color: "#10263d", fillColor: "#10263d",
            fillOpacity: 1, interactive: true,
          }).bindTooltip(options.label("bcp", point.code) + " — " + options.texts.crossing_point)
            .addTo(map);
        });
      });

    var cluster = L.markerClusterGroup({
      maxClusterRadius: 36, showCoverageOnHover: false, spiderfyOnMaxZoom: true,
      iconCreateFunction: function (group) {
        var seizures = 0;
        group.getAllChildMarkers().forEach(function (m) { seizures += m.options.seizures || 0; });
        var size = seizures < 100 ? "small" : (seizures < 1000 ? "medium" : "large");
        return L.divIcon({
          html: "<div><span>" + options.number(seizures) + "</span></div>",
          className: "marker-cluster marker-cluster-" + size, iconSize: L.point(40, 40),
        });
      },
    });
    map.addLayer(cluster);

    // Draw the places of one /api/v1/stats/map answer; rows without coordinates go to the centre
    // of their country. Resolves to how many seizures were drawn without an exact position.
    function update(data) {
      return countries.then(function () { return draw(data); });
    }

    function draw(data) {
      cluster.clearLayers();
      var approximate = 0;
      var markers = [];
      (data.rows || []).forEach(function (place) {
        var position = place.lat !== null && place.lon !== null ? [place.lat, place.lon]
                                                                : centres[place.country];
        if (!position) { return; }
        if (place.lat === null) { approximate += place.count; }
        var group = place.drug_group || "other";
        var name = options.placeName(place);
        var icon = L.divIcon({
          className: "seizure-dot dot-" + group + " " + sizeClass(place.kg_eq),
          iconSize: null,
        });
        var marker = L.marker(position, {
          icon: icon, keyboard: false, seizures: place.count, riseOnHover: true,
        });
        var groups = (place.drug_groups || []).slice(0, 4).map(function (g) {
          return escapeHtml(options.label("drug_group", g.drug_group)) + ": " + options.number(g.count);
        }).join("<br>");
        marker.bindTooltip(
          "<strong translate=\"no\">" + escapeHtml(name) + "</strong> (" + escapeHtml(options.label("country", place.country)) + ")<br>" +
          escapeHtml(options.texts.count) + ": " + options.number(place.count) + "<br>" +
          escapeHtml(options.texts.kg_eq) + ": " + options.kg(place.kg_eq) + "<br>" + groups
        );
        markers.push(marker);
      });
      cluster.addLayers(markers);
      return approximate;
    }

    return { map: map, update: update, ready: countries };
  }

  function escapeHtml(text) {
    return String(text === null || text === undefined ? "" : text)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }

  window.dozorMap = { create: create, escapeHtml: escapeHtml };
})();
