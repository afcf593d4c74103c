/* The small maps of the movements pages (a household's journey, an IDP site): the provinces' outlines and the
   steps or the site, from the page's own JSON (#minimap-data: {"context": …, "steps": …}), with a local style:
   no basemap, nothing loaded from the internet. The steps are numbered as in the page's list. */
(function () {
  "use strict";
  var element = document.getElementById("minimap");
  var source = document.getElementById("minimap-data");
  if (!element || !source || !window.maplibregl) { return; }
  var data = JSON.parse(source.textContent);
  var steps = data.steps || data;
  var context = data.context || { type: "FeatureCollection", features: [] };
  var coordinates = [];
  function collect(c) {
    if (typeof c[0] === "number") { coordinates.push(c); } else { c.forEach(collect); }
  }
  steps.features.forEach(function (f) { collect(f.geometry.coordinates); });
  if (!coordinates.length) { element.hidden = true; return; }
  var bounds = coordinates.reduce(function (b, c) {
    return [Math.min(b[0], c[0]), Math.min(b[1], c[1]), Math.max(b[2], c[0]), Math.max(b[3], c[1])];
  }, [180, 90, -180, -90]);
  var map = new maplibregl.Map({
    container: element,
    attributionControl: false,
    interactive: true,
    style: {
      version: 8,
      sources: {
        context: { type: "geojson", data: context },
        steps: { type: "geojson", data: steps }
      },
      layers: [
        { id: "background", type: "background", paint: { "background-color": "#eef2f5" } },
        { id: "provinces", type: "fill", source: "context", paint: { "fill-color": "#ffffff", "fill-outline-color": "#8a9aa8" } },
        { id: "area", type: "fill", source: "steps", filter: ["==", ["geometry-type"], "Polygon"],
          paint: { "fill-color": "#d62728", "fill-opacity": 0.3 } },
        { id: "path", type: "line", source: "steps", filter: ["==", ["geometry-type"], "LineString"],
          paint: { "line-color": "#24475e", "line-width": 2, "line-dasharray": [2, 1] } },
        { id: "steps", type: "circle", source: "steps", filter: ["==", ["geometry-type"], "Point"],
          paint: { "circle-radius": 6, "circle-color": "#d62728", "circle-stroke-color": "#fff", "circle-stroke-width": 2 } }
      ]
    },
    bounds: [[bounds[0], bounds[1]], [bounds[2], bounds[3]]],
    fitBoundsOptions: { padding: 40, maxZoom: parseInt(element.dataset.maxZoom || "8", 10) }
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }));
  map.on("load", function () { element.dataset.ready = "1"; });
})();
