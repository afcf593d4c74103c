/* The admin's map widget (landreg.admin_widgets.LocalMapWidget): makes GeoDjango's MapWidget from the options its
   template writes in data- attributes, since the Content-Security-Policy runs no inline script. Province outlines
   as the background (offline), or the XYZ basemap of LANDREG_BASEMAP_URL if set. Runs where its <script> stands,
   after the map's <div>, once per widget on the page. */
(function () {
  "use strict";
  var wrapper = document.currentScript.parentElement;
  var d = wrapper.querySelector(".dj_map").dataset;
  var baseLayer = d.basemapUrl
    ? new ol.layer.Tile({source: new ol.source.XYZ({url: d.basemapUrl})})
    : new ol.layer.Vector({
      source: new ol.source.Vector({url: d.provincesUrl, format: new ol.format.GeoJSON()}),
      style: new ol.style.Style({stroke: new ol.style.Stroke({color: "#8a8a8a", width: 1})})
    });
  var options = {
    base_layer: baseLayer,
    geom_name: d.geomName,
    id: d.id,
    map_id: d.id + "_map",
    map_srid: Number(d.mapSrid),
    name: d.name,
    default_lon: Number(d.defaultLon),
    default_lat: Number(d.defaultLat),
    default_zoom: Number(d.defaultZoom)
  };
  window[d.module] = new MapWidget(options);  // as GeoDjango's template names it (geodjango_<field>)
})();
