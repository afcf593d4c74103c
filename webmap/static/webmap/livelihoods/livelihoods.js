/* The livelihoods pages: the small map of an opportunity (its point or area over the townships and plots, from our
   own vector tiles; nothing from the internet), the map on which an officer or a partner clicks where a new
   opportunity is, and the ISCO-08 occupation search (English, Dari, Pashto) of the profile and opportunity forms.
   No inline script: the page hands its data over in <script type="application/json"> (json_script). */
(function () {
  "use strict";
  var gettext = window.gettext || function (s) { return s; };
  var AFGHANISTAN = [[60.5, 29.3], [75.2, 38.5]];

  function readJSON(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k.slice(0, 2) === "on") node.addEventListener(k.slice(2), attrs[k]);
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }

  // --- the small maps ----------------------------------------------------------------------------------------------

  function style(tiles) {
    var sources = {}, layers = [{ id: "background", type: "background", paint: { "background-color": "#f4f1ea" } }];
    if (tiles) {
      sources.townships = { type: "vector", tiles: [tiles.townships], minzoom: 0, maxzoom: 16 };
      sources.plots = { type: "vector", tiles: [tiles.plots], minzoom: 13, maxzoom: 16 };
      layers.push({ id: "townships", type: "fill", source: "townships", "source-layer": "townships",
        paint: { "fill-color": "#c9d8c5", "fill-outline-color": "#4a6b45" } });
      layers.push({ id: "plots", type: "line", source: "plots", "source-layer": "plots", minzoom: 13,
        paint: { "line-color": "#8a8a8a", "line-width": 0.5 } });
    }
    sources.feature = { type: "geojson", data: { type: "FeatureCollection", features: [] } };
    layers.push({ id: "feature-area", type: "fill", source: "feature", filter: ["!=", ["geometry-type"], "Point"],
      paint: { "fill-color": "#e41a1c", "fill-opacity": 0.3, "fill-outline-color": "#e41a1c" } });
    layers.push({ id: "feature-point", type: "circle", source: "feature", filter: ["==", ["geometry-type"], "Point"],
      paint: { "circle-radius": 8, "circle-color": "#e41a1c", "circle-stroke-color": "#fff", "circle-stroke-width": 2 } });
    return { version: 8, sources: sources, layers: layers };
  }

  function bounds(geometry) {
    var west = 180, south = 90, east = -180, north = -90;
    (function walk(c) {
      if (typeof c[0] === "number") {
        west = Math.min(west, c[0]); east = Math.max(east, c[0]); south = Math.min(south, c[1]); north = Math.max(north, c[1]);
      } else { c.forEach(walk); }
    })(geometry.coordinates);
    return [[west, south], [east, north]];
  }

  function smallMap(container, tiles) {
    var map = new maplibregl.Map({ container: container, style: style(tiles), bounds: AFGHANISTAN, attributionControl: false });
    map.addControl(new maplibregl.NavigationControl({ showCompass: false }));
    map.addControl(new maplibregl.ScaleControl({ unit: "metric" }));
    window.landregSmallMap = map;
    return map;
  }

  var tiles = readJSON("livelihoods-tiles");
  var shown = document.getElementById("opportunity-map");
  var feature = readJSON("opportunity-feature");
  if (shown && feature && window.maplibregl) {
    var map = smallMap(shown, tiles);
    map.on("load", function () {
      map.getSource("feature").setData({ type: "FeatureCollection", features: [feature] });
      map.fitBounds(bounds(feature.geometry), { padding: 40, maxZoom: 14, duration: 0 });
      shown.dataset.ready = "1";
    });
  }

  var pick = document.getElementById("pick-map");
  if (pick && window.maplibregl) {
    var lon = document.getElementById(pick.dataset.lon), lat = document.getElementById(pick.dataset.lat);
    var pickMap = smallMap(pick, tiles);
    var show = function () {
      var x = parseFloat(lon.value), y = parseFloat(lat.value);
      if (isNaN(x) || isNaN(y)) return false;
      pickMap.getSource("feature").setData({ type: "FeatureCollection", features: [
        { type: "Feature", properties: {}, geometry: { type: "Point", coordinates: [x, y] } }] });
      return true;
    };
    pickMap.on("load", function () {
      var start = readJSON("livelihoods-extent");
      if (show()) pickMap.jumpTo({ center: [parseFloat(lon.value), parseFloat(lat.value)], zoom: 13 });
      else if (start) pickMap.fitBounds([[start[0], start[1]], [start[2], start[3]]], { padding: 20, duration: 0 });
      pick.dataset.ready = "1";
    });
    pickMap.getCanvas().style.cursor = "crosshair";
    pickMap.on("click", function (e) {
      lon.value = e.lngLat.lng.toFixed(6);
      lat.value = e.lngLat.lat.toFixed(6);
      show();
    });
    [lon, lat].forEach(function (input) { input.addEventListener("change", show); });
  }

  // --- ISCO-08 occupation search -------------------------------------------------------------------------------------

  document.querySelectorAll(".isco-search").forEach(function (box) {
    var q = box.querySelector(".isco-q"), list = box.querySelector(".isco-results");
    var timer = null, asked = "";
    function choose(code) {
      var target = box.dataset.target && document.getElementById(box.dataset.target);
      if (target) {
        var codes = target.value.split(/[,،]/).map(function (s) { return s.trim(); }).filter(Boolean);
        if (codes.indexOf(code) < 0) codes.push(code);
        target.value = codes.join(", ");
      } else {
        var empty = Array.prototype.find.call(document.querySelectorAll("input[data-isco-search]"), function (i) { return !i.value; });
        if (!empty) { list.textContent = ""; list.appendChild(el("li", { "class": "muted", text: gettext("Every row is taken: save the profile, then add more.") })); return; }
        empty.value = code;
        empty.focus();
      }
      list.textContent = "";
      q.value = "";
    }
    function search() {
      var text = q.value.trim();
      if (text === asked) return;
      asked = text;
      if (!text) { list.textContent = ""; return; }
      fetch(box.dataset.searchUrl + "?q=" + encodeURIComponent(text), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (text !== asked) return;
          list.textContent = "";
          var results = data.results || [];
          if (!results.length) list.appendChild(el("li", { "class": "muted", text: gettext("No occupation found; try another word or the code.") }));
          results.forEach(function (o) {
            list.appendChild(el("li", {}, [el("button", { type: "button", "class": "link", "data-code": o.code,
              onclick: function () { choose(o.code); } }, [el("bdi", { dir: "ltr", text: o.code }), " — ", el("bdi", { text: o.title })])]));
          });
        });
    }
    q.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(search, 250); });
    q.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); search(); } });
  });
})();
