// The small route map of a seizure: the region's countries (vendored GeoJSON, no tiles),
// the route's countries highlighted and joined in travel order, and the place of seizure.
(function () {
  "use strict";
  var holder = document.getElementById("route-map");
  if (!holder || !window.L) { return; }
  var route = JSON.parse(holder.getAttribute("data-route") || "{}");
  var lang = holder.getAttribute("data-lang") || "en";
  var onRoute = {};
  (route.legs || []).forEach(function (leg) { onRoute[leg.country] = leg.role; });
  var map = L.map(holder, {
    attributionControl: false, zoomControl: false, zoomSnap: 0.25, scrollWheelZoom: false,
  });
  L.control.zoom({
    zoomInTitle: holder.getAttribute("data-zoom-in") || "+",
    zoomOutTitle: holder.getAttribute("data-zoom-out") || "-",
  }).addTo(map);
  map.setView([42, 66], 3.5);

  fetch(holder.getAttribute("data-geojson"), { credentials: "same-origin" })
    .then(function (response) { return response.json(); })
    .then(function (geojson) {
      var centres = {};
      var layer = L.geoJSON(geojson, {
        style: function (feature) {
          var iso3 = feature.properties.iso3;
          var seized = iso3 === route.seized_in;
          return {
            color: "#5b6b7a", weight: 1,
            fillColor: seized ? "#c0392b" : (onRoute[iso3] ? "#f0a500" : "#f7f7f2"),
            fillOpacity: seized || onRoute[iso3] ? 0.55 : 1,
          };
        },
        onEachFeature: function (feature, shape) {
          var props = feature.properties;
          centres[props.iso3] = props.centre ? L.latLng(props.centre[1], props.centre[0])
                                             : shape.getBounds().getCenter();
          shape.bindTooltip(lang === "ru" ? props.name_ru : props.name_en);
        },
      }).addTo(map);
      var path = (route.legs || []).map(function (leg) { return centres[leg.country]; })
        .filter(function (point) { return !!point; });
      if (route.point) { path.push(L.latLng(route.point[0], route.point[1])); }
      if (path.length > 1) {
        L.polyline(path, { color: "#0b5394", weight: 3, dashArray: "6 4" }).addTo(map);
      }
      if (route.point) {
        L.circleMarker(route.point, { radius: 7, color: "#7a0c0c", fillColor: "#c0392b", fillOpacity: 1 })
          .addTo(map);
      }
      var focus = path.length ? L.latLngBounds(path) : layer.getBounds();
      map.fitBounds(focus.pad(0.3), { maxZoom: 6 });
    });
})();
