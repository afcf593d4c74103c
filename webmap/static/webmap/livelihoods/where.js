/* Where a new opportunity is, on the posting page (OpenLayers, vendored: nothing loads from the internet; no inline
   script). A point clicked on the map fills in the longitude and latitude; an area is drawn with OpenLayers' Draw
   (a click per corner, a double-click on the last) and corrected with Modify (drag a corner or an edge), and goes to
   the server as GeoJSON in WGS 84 in the hidden field "area". The server reads it again, whatever the page sends
   (livelihoods.services.location_from_geojson), and the database keeps it inside the province. */
(function () {
  "use strict";
  var target = document.getElementById("pick-map");
  if (!target || !window.ol) return;
  var gettext = window.gettext || function (s) { return s; };
  var interpolate = window.interpolate || function (f, o) { return f.replace(/%\((\w+)\)s/g, function (_, k) { return o[k]; }); };
  var LANG = document.documentElement.lang || "en";
  function readJSON(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  var lon = document.getElementById(target.dataset.lon);
  var lat = document.getElementById(target.dataset.lat);
  var area = document.getElementById(target.dataset.area);
  var radios = Array.prototype.slice.call(document.querySelectorAll('input[name="' + target.dataset.location + '"]'));
  var tiles = readJSON("livelihoods-tiles");
  var extent = readJSON("livelihoods-extent") || [60.5, 29.3, 75.2, 38.5];

  var layers = [];
  if (tiles) {  // our own townships and plots under the drawing (none for a partner: the layout may not be shared)
    layers.push(new ol.layer.VectorTile({
      source: new ol.source.VectorTile({ format: new ol.format.MVT(), url: tiles.townships, maxZoom: 16 }),
      style: new ol.style.Style({ fill: new ol.style.Fill({ color: "#c9d8c5" }), stroke: new ol.style.Stroke({ color: "#4a6b45", width: 1 }) })
    }));
    layers.push(new ol.layer.VectorTile({
      source: new ol.source.VectorTile({ format: new ol.format.MVT(), url: tiles.plots, minZoom: 13, maxZoom: 16 }),
      minZoom: 13,
      style: new ol.style.Style({ stroke: new ol.style.Stroke({ color: "#8a8a8a", width: 0.5 }) })
    }));
  }
  var drawn = new ol.source.Vector();
  var red = "#e41a1c";
  layers.push(new ol.layer.Vector({
    source: drawn,
    style: new ol.style.Style({
      fill: new ol.style.Fill({ color: "rgba(228, 26, 28, 0.25)" }),
      stroke: new ol.style.Stroke({ color: red, width: 2 }),
      image: new ol.style.Circle({ radius: 7, fill: new ol.style.Fill({ color: red }), stroke: new ol.style.Stroke({ color: "#fff", width: 2 }) })
    })
  }));
  var map = new ol.Map({ target: target, layers: layers, view: new ol.View({ center: ol.proj.fromLonLat([67.7, 33.9]), zoom: 5 }) });
  map.getView().fit(ol.proj.transformExtent(extent, "EPSG:4326", "EPSG:3857"), { padding: [20, 20, 20, 20] });
  var geojson = new ol.format.GeoJSON({ dataProjection: "EPSG:4326", featureProjection: "EPSG:3857" });
  var draw = new ol.interaction.Draw({ source: drawn, type: "Polygon" });
  var modify = new ol.interaction.Modify({ source: drawn });
  window.landregWhereMap = map;  // for the browser tests: they draw where a place is, not at a guessed pixel

  function mode() {
    var checked = radios.filter(function (r) { return r.checked; })[0];
    return checked ? checked.value : "point";
  }
  function number(value, places) {
    return value.toLocaleString(LANG === "en" ? "en-US" : LANG + "-AF", { maximumFractionDigits: places });
  }
  function write() {
    var feature = drawn.getFeatures()[0];
    var size = document.getElementById("area-size");
    if (!feature) { area.value = ""; size.textContent = ""; target.dataset.drawn = ""; return; }
    var geometry = feature.getGeometry();
    area.value = geojson.writeGeometry(geometry, { decimals: 7 });
    var m2 = ol.sphere.getArea(geometry);  // on the sphere: a guide for the officer; the server measures in UTM
    size.textContent = m2 >= 1e6
      ? interpolate(gettext("about %(n)s km²"), { n: number(m2 / 1e6, 2) }, true)
      : interpolate(gettext("about %(n)s ha"), { n: number(m2 / 1e4, 1) }, true);
    target.dataset.drawn = "1";
  }
  function showPoint() {
    drawn.clear();
    var x = parseFloat(lon.value), y = parseFloat(lat.value);
    if (isNaN(x) || isNaN(y)) return;
    drawn.addFeature(new ol.Feature(new ol.geom.Point(ol.proj.fromLonLat([x, y]))));
  }
  function apply() {
    var m = mode();
    document.querySelectorAll(".where-point").forEach(function (n) { n.hidden = m !== "point"; });
    document.querySelectorAll(".where-area").forEach(function (n) { n.hidden = m !== "area"; });
    map.removeInteraction(draw);
    map.removeInteraction(modify);
    drawn.clear();
    if (m === "area") {
      if (area.value) {  // the area sent back with the page's errors: kept, to correct
        try { drawn.addFeature(new ol.Feature(geojson.readGeometry(JSON.parse(area.value)))); } catch (e) { area.value = ""; }
      }
      if (!drawn.getFeatures().length) map.addInteraction(draw);
      map.addInteraction(modify);
      write();
    } else {
      showPoint();
    }
    target.dataset.mode = m;
  }
  draw.on("drawend", function (e) {
    map.removeInteraction(draw);  // one area; "Clear" draws again
    drawn.once("addfeature", function () { write(); });
    e.feature.getGeometry();  // the feature is added to the source right after this event
  });
  modify.on("modifyend", write);
  map.on("click", function (e) {
    if (mode() !== "point") return;
    var at = ol.proj.toLonLat(e.coordinate);
    lon.value = at[0].toFixed(6);
    lat.value = at[1].toFixed(6);
    showPoint();
  });
  [lon, lat].forEach(function (input) { input.addEventListener("change", showPoint); });
  radios.forEach(function (r) { r.addEventListener("change", apply); });
  document.getElementById("area-clear").addEventListener("click", function () {
    drawn.clear();
    write();
    map.removeInteraction(draw);
    map.addInteraction(draw);
  });
  apply();
  map.once("rendercomplete", function () { target.dataset.ready = "1"; });
})();
