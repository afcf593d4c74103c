/* Drawing an outline on the land officers' map: the corners an officer clicks make a polygon (the outline a
   neighbour or a claimant says is theirs, for a land dispute). A few dozen lines of our own instead of a drawing
   library: click to add a corner, "Undo the last corner", "Finish the outline" (three corners at least),
   "Cancel". The polygon is returned as GeoJSON in longitude and latitude; the server checks it and the database
   measures its overlap with the plot. Also draws the claimed outline of a plot's open dispute (showClaimed).
   map.js loads first and shares the map as window.landreg. */
(function () {
  "use strict";
  var L = window.landreg;
  var map = L.map, gettext = L.gettext, fmt = L.fmt, digits = L.digits, el = L.el;
  var EMPTY = { type: "FeatureCollection", features: [] };
  var DRAFT = "outline-draft", CLAIMED = "claimed-outline";

  function whenLoaded(fn) { if (window.landregMapLoaded) fn(); else map.once("load", fn); }

  whenLoaded(function () {
    map.addSource(CLAIMED, { type: "geojson", data: EMPTY });
    map.addLayer({ id: CLAIMED + "-fill", type: "fill", source: CLAIMED, paint: { "fill-color": "#e41a1c", "fill-opacity": 0.15 } });
    map.addLayer({ id: CLAIMED + "-line", type: "line", source: CLAIMED,
      paint: { "line-color": "#b10026", "line-width": 2.5, "line-dasharray": [2, 1.5] } });
    map.addSource(DRAFT, { type: "geojson", data: EMPTY });
    map.addLayer({ id: DRAFT + "-fill", type: "fill", source: DRAFT, filter: ["==", ["geometry-type"], "Polygon"],
      paint: { "fill-color": "#b10026", "fill-opacity": 0.2 } });
    map.addLayer({ id: DRAFT + "-line", type: "line", source: DRAFT, filter: ["!=", ["geometry-type"], "Point"],
      paint: { "line-color": "#b10026", "line-width": 2.5 } });
    map.addLayer({ id: DRAFT + "-corners", type: "circle", source: DRAFT, filter: ["==", ["geometry-type"], "Point"],
      paint: { "circle-radius": 5, "circle-color": "#ffffff", "circle-stroke-color": "#b10026", "circle-stroke-width": 2 } });
  });

  // The claimed outline of a plot's open dispute (GeoJSON Polygon), or none.
  function showClaimed(polygon) {
    var source = map.getSource(CLAIMED);
    if (source) source.setData(polygon ? { type: "Feature", geometry: polygon, properties: {} } : EMPTY);
  }

  // --- drawing ---------------------------------------------------------------------------------------------------

  var corners = [];
  var done = null, cancelled = null;
  var bar = null, count = null, finishButton = null, undoButton = null;

  function ring() { return corners.concat([corners[0]]); }

  function redraw() {
    var features = corners.map(function (c) { return { type: "Feature", geometry: { type: "Point", coordinates: c }, properties: {} }; });
    if (corners.length >= 3) features.push({ type: "Feature", geometry: { type: "Polygon", coordinates: [ring()] }, properties: {} });
    else if (corners.length === 2) features.push({ type: "Feature", geometry: { type: "LineString", coordinates: corners }, properties: {} });
    map.getSource(DRAFT).setData({ type: "FeatureCollection", features: features });
    count.textContent = corners.length
      ? fmt(window.ngettext ? window.ngettext("%(n)s corner drawn.", "%(n)s corners drawn.", corners.length) : "%(n)s corners drawn.", { n: digits(corners.length) }, true)
      : gettext("Click the first corner on the map.");
    finishButton.disabled = corners.length < 3;
    undoButton.disabled = !corners.length;
  }

  function onClick(e) {
    corners.push([+e.lngLat.lng.toFixed(7), +e.lngLat.lat.toFixed(7)]);
    redraw();
  }

  function stop() {
    map.off("click", onClick);
    map.doubleClickZoom.enable();
    map.getCanvas().style.cursor = "";
    if (bar) bar.hidden = true;
    L.drawing = false;
    map.getSource(DRAFT).setData(EMPTY);
  }

  function toolbar() {
    if (bar) return;
    count = el("span", { "class": "draw-count", "aria-live": "polite" });
    finishButton = el("button", { type: "button", id: "draw-finish", "class": "confirm", text: gettext("Finish the outline"), onclick: function () {
      if (corners.length < 3) return;
      var polygon = { type: "Polygon", coordinates: [ring()] };
      var take = done;
      stop();
      take(polygon);
    } });
    undoButton = el("button", { type: "button", id: "draw-undo", text: gettext("Undo the last corner"), onclick: function () {
      corners.pop();
      redraw();
    } });
    var cancel = el("button", { type: "button", id: "draw-cancel", text: gettext("Cancel"), onclick: function () {
      var back = cancelled;
      stop();
      if (back) back();
    } });
    bar = el("div", { id: "draw-bar", "class": "draw-bar", role: "toolbar", "aria-label": gettext("Drawing the claimed outline") },
      [el("strong", { "class": "draw-what" }), count, el("div", { "class": "draw-buttons" }, [finishButton, undoButton, cancel])]);
    document.getElementById("map").appendChild(bar);
  }

  // Start drawing: `what` says what to draw; onDone(polygon) receives the GeoJSON Polygon, onCancel() nothing.
  function drawPolygon(what, onDone, onCancel) {
    toolbar();
    corners = [];
    done = onDone;
    cancelled = onCancel || null;
    bar.querySelector(".draw-what").textContent = what;
    bar.hidden = false;
    L.drawing = true;
    map.doubleClickZoom.disable();
    map.getCanvas().style.cursor = "crosshair";
    map.on("click", onClick);
    redraw();
  }

  L.draw = { polygon: drawPolygon, showClaimed: showClaimed, active: function () { return !!L.drawing; } };
})();
