/* The layout draft's map (OpenLayers, no base map: nothing loads from the internet): the parcel on the form
   page, the drafted plots, reserved blocks, roads, outline and the unfit ground left empty on the result page. */
(function () {
  "use strict";
  var target = document.getElementById("draft-map");
  if (!target || !window.ol) { return; }
  var t = window.gettext || function (s) { return s; };
  var fill = {
    outline: "rgba(120, 120, 120, 0.08)",
    roads: "rgba(160, 160, 160, 0.55)",
    residential: "rgba(246, 199, 104, 0.75)",
    public: "rgba(74, 144, 226, 0.75)",
    unfit: "rgba(214, 69, 65, 0.75)",
    unfit_ground: "rgba(214, 69, 65, 0.25)"
  };
  function style(feature) {
    var p = feature.getProperties();
    if (p.layer === "blocks") { return null; }
    var colour = fill.outline;
    var stroke = "#555";
    var width = 0.6;
    if (p.layer === "roads") { colour = fill.roads; stroke = "rgba(0,0,0,0)"; }
    if (p.layer === "outline") { stroke = "#222"; width = 2; }
    if (p.layer === "unfit_ground") { colour = fill.unfit_ground; stroke = "rgba(214, 69, 65, 0.9)"; }
    if (p.layer === "plots") { colour = p.unfit ? fill.unfit : (p.use === "public" ? fill.public : fill.residential); }
    return new ol.style.Style({
      fill: new ol.style.Fill({ color: colour }),
      stroke: new ol.style.Stroke({ color: stroke, width: width })
    });
  }
  var source = new ol.source.Vector();
  var map = new ol.Map({
    target: target,
    layers: [new ol.layer.Vector({ source: source, style: style })],
    view: new ol.View({ center: [0, 0], zoom: 2 })
  });
  var format = new ol.format.GeoJSON({ dataProjection: "EPSG:4326", featureProjection: "EPSG:3857" });
  function show(collection) {
    source.addFeatures(format.readFeatures(collection));
    if (source.getFeatures().length) {
      map.getView().fit(source.getExtent(), { padding: [20, 20, 20, 20] });
    }
    target.setAttribute("data-features", String(source.getFeatures().length));
  }
  var outline = document.getElementById("draft-outline");
  if (outline) {
    show({ type: "FeatureCollection", features: [JSON.parse(outline.textContent)] });
  }
  var url = target.getAttribute("data-preview");
  if (url) {
    fetch(url, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(show)
      .catch(function () {
        var p = document.createElement("p");
        p.className = "notice";
        p.textContent = t("The draft's map could not be loaded; reload the page.");
        target.appendChild(p);
      });
  }
  // The angle is asked for only when the orientation is an angle.
  var angle = document.getElementById("id_angle_deg");
  var radios = document.querySelectorAll("input[name=orientation]");
  function sync() {
    var chosen = document.querySelector("input[name=orientation]:checked");
    if (angle) { angle.disabled = !chosen || chosen.value !== "angle"; }
  }
  radios.forEach(function (r) { r.addEventListener("change", sync); });
  sync();
  // The button says the work is under way: a large parcel takes a few seconds.
  var form = document.getElementById("draft-form");
  if (form) {
    form.addEventListener("submit", function () {
      var button = document.getElementById("draft-submit");
      if (button) { button.disabled = true; button.textContent = t("Drafting and checking…"); }
    });
  }
}());
