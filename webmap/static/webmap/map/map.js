/* The land officers' map: our vector tiles in MapLibre, the township switcher and search, and filters. The plot
   panel, whose actions call the allocation API, is panel.js, which uses what this file shares as window.landreg. Every string goes through gettext() (Django's /jsi18n/ catalog);
   dates and areas come already written by the server in the page's language and calendar. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("map-config").textContent);
  var gettext = window.gettext || function (s) { return s; };
  var fmt = window.interpolate || function (s, o) { return s.replace(/%\((\w+)\)s/g, function (m, k) { return o[k]; }); };
  var rtl = document.documentElement.dir === "rtl";
  var LOCAL_DIGITS = "۰۱۲۳۴۵۶۷۸۹";

  function digits(value) {
    var text = String(value);
    if (config.language !== "fa" && config.language !== "ps") return text;
    return text.replace(/[0-9]/g, function (d) { return LOCAL_DIGITS[+d]; });
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

  // --- the map ---------------------------------------------------------------------------------------------------

  var statusColour = ["match", ["get", "status"]];
  config.statuses.forEach(function (s) { statusColour.push(s.code, s.colour); });
  statusColour.push("#999999");

  // Names on the map in the page's language: the tiles carry every language's name (they are shared by all and
  // cached), and the style picks the Dari or Pashto one where it is recorded (config.localNameField), else `name`.
  function localName(fallback) {
    return config.localNameField ? ["coalesce", ["get", config.localNameField], ["get", fallback]] : ["get", fallback];
  }
  // A number from a tile, written with the page's digits by the browser's Intl: Dari and Pashto write the same
  // Extended Arabic-Indic digits (as the server does, landreg/calendar.py), and Chromium has no Pashto number data,
  // so both use Dari's.
  var numberLocale = config.language === "fa" || config.language === "ps" ? "fa-AF" : "en";
  function count(property) { return ["number-format", ["get", property], { locale: numberLocale }]; }
  // A translated sentence with %(name)s places, as an expression that fills each place with that tile count.
  function sentence(text) {
    var parts = ["concat"];
    text.split(/(%\(\w+\)s)/).forEach(function (piece) {
      var place = /^%\((\w+)\)s$/.exec(piece);
      if (place) parts.push(count(place[1]));
      else if (piece) parts.push(piece);
    });
    return parts;
  }
  var ngettext = window.ngettext || function (one, many, n) { return n === 1 ? one : many; };
  function plotCounts(n) {
    return sentence(ngettext("%(plots)s plot · %(available)s available", "%(plots)s plots · %(available)s available", n));
  }
  var townshipLabel = ["format",
    localName("name"), {},
    "\n", {},
    ["case", ["==", ["get", "plots"], 1], plotCounts(1), plotCounts(2)], { "font-scale": 0.85 }];

  function vector(name, minzoom, maxzoom) {
    return { type: "vector", tiles: [config.tiles[name]], minzoom: minzoom, maxzoom: maxzoom };
  }

  var sources = {
    provinces: vector("provinces", 0, 12),
    // A point a township with its counts of plots by status, each in one tile: the symbols of the low zooms.
    "township-points": vector("township-points", 0, 14),
    townships: vector("townships", 6, 16),
    blocks: vector("blocks", 12, 18),
    plots: vector("plots", 13, 18),
    facilities: vector("facilities", 13, 18)
  };
  // No glyphs URL: MapLibre draws label glyphs in the browser with the system font, so nothing is fetched. Arabic
  // script needs the right-to-left plugin (our own copy) to join its letters and order the words.
  if (config.rtlTextPlugin && maplibregl.getRTLTextPluginStatus() === "unavailable") {
    maplibregl.setRTLTextPlugin(config.rtlTextPlugin, true);
  }
  var layers = [{ id: "background", type: "background", paint: { "background-color": "#f3f0e8" } }];
  if (config.basemap) {
    sources.basemap = { type: "raster", tiles: [config.basemap], tileSize: 256, maxzoom: 19 };
    layers.push({ id: "basemap", type: "raster", source: "basemap" });
  }
  config.imagery.forEach(function (img) {
    var source = { type: "raster", tiles: [img.url], tileSize: 256, maxzoom: img.maxzoom || 20 };
    if (img.bounds) source.bounds = img.bounds;
    sources["imagery-" + img.id] = source;
    layers.push({ id: "imagery-" + img.id, type: "raster", source: "imagery-" + img.id });
  });
  var halo = { "text-halo-color": "#ffffff", "text-halo-width": 1.5 };
  function paint(colour) { return Object.assign({ "text-color": colour }, halo); }
  layers.push(
    { id: "provinces-line", type: "line", source: "provinces", "source-layer": "provinces",
      paint: { "line-color": "#7a6a58", "line-width": 1.2, "line-dasharray": [3, 2] } },
    { id: "townships-fill", type: "fill", source: "townships", "source-layer": "townships", maxzoom: 14,
      paint: { "fill-color": "#24475e", "fill-opacity": 0.12 } },
    { id: "townships-line", type: "line", source: "townships", "source-layer": "townships",
      paint: { "line-color": "#24475e", "line-width": 2 } },
    { id: "blocks-line", type: "line", source: "blocks", "source-layer": "blocks",
      paint: { "line-color": "#555555", "line-width": 1.5 } },
    { id: "plots-fill", type: "fill", source: "plots", "source-layer": "plots",
      paint: { "fill-color": statusColour, "fill-opacity": 0.75 } },
    { id: "plots-line", type: "line", source: "plots", "source-layer": "plots",
      paint: { "line-color": "#ffffff", "line-width": 0.8 } },
    // Plots on ground judged not fit to live on (planning: slope, flood, water): a dashed red outline.
    { id: "plots-unfit", type: "line", source: "plots", "source-layer": "plots", filter: ["==", ["get", "site_fit"], "not_fit"],
      paint: { "line-color": "#c0392b", "line-width": 2.5, "line-dasharray": [2, 1] } },
    { id: "plots-selected", type: "line", source: "plots", "source-layer": "plots", filter: ["==", ["get", "id"], -1],
      paint: { "line-color": "#000000", "line-width": 3 } },
    { id: "facilities", type: "circle", source: "facilities", "source-layer": "facilities",
      paint: { "circle-radius": 5, "circle-color": "#d7301f", "circle-stroke-color": "#ffffff", "circle-stroke-width": 1.5,
               "circle-opacity": ["case", ["get", "functional"], 1, 0.4] } },
    // Townships as symbols where their outlines are specks: a circle whose area grows with the plots.
    { id: "township-circles", type: "circle", source: "township-points", "source-layer": "township-points", maxzoom: 12,
      paint: { "circle-color": "#24475e", "circle-opacity": 0.85, "circle-stroke-color": "#ffffff", "circle-stroke-width": 1.5,
               "circle-radius": ["interpolate", ["linear"], ["sqrt", ["get", "plots"]], 0, 5, 20, 11, 60, 18] } },
    // Labels last; MapLibre places the upper layers' labels first: plot numbers, townships, then provinces.
    { id: "province-names", type: "symbol", source: "provinces", "source-layer": "province-labels", maxzoom: 9,
      layout: { "text-field": localName("name_en"), "text-font": ["sans-serif"], "text-size": 14 },
      paint: paint("#6b5a48") },
    { id: "township-names", type: "symbol", source: "township-points", "source-layer": "township-points", maxzoom: 13,
      layout: { "text-field": townshipLabel, "text-font": ["sans-serif"], "text-size": 13, "text-anchor": "top",
                "text-offset": [0, 1], "symbol-sort-key": ["-", 0, ["get", "plots"]] },
      paint: paint("#1d3a4d") },
    { id: "plot-numbers", type: "symbol", source: "plots", "source-layer": "plot-labels", minzoom: 16.5,
      layout: { "text-field": ["get", "number"], "text-font": ["sans-serif"], "text-size": 12 },
      paint: paint("#111111") }
  );

  var map = new maplibregl.Map({
    container: "map",
    style: { version: 8, sources: sources, layers: layers },
    bounds: config.extent,
    fitBoundsOptions: { padding: 20 },
    maxZoom: 20,
    attributionControl: false,
    locale: {
      "NavigationControl.ZoomIn": gettext("Zoom in"),
      "NavigationControl.ZoomOut": gettext("Zoom out"),
      "NavigationControl.ResetBearing": gettext("Reset bearing to north"),
      "ScaleControl.Meters": gettext("m"),
      "ScaleControl.Kilometers": gettext("km")
    }
  });
  window.landregMap = map;
  // Controls on the side away from the plot panel, which opens at the inline end.
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), rtl ? "top-right" : "top-left");
  map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), rtl ? "bottom-right" : "bottom-left");
  map.on("load", function () { window.landregMapLoaded = true; });

  // --- tiles follow the layer versions: a change anywhere gives new tile URLs, so the map shows it at once -------

  function refreshTiles() {
    return fetch(config.api.versions, { credentials: "same-origin" }).then(function (r) { return r.json(); })
      .then(function (versions) {
        Object.keys(versions).forEach(function (name) {
          var source = map.getSource(name);
          var url = config.tiles[name].replace(/\?v=.*$/, "?v=" + encodeURIComponent(versions[name]));
          if (source && url !== config.tiles[name]) {
            config.tiles[name] = url;
            source.setTiles([url]);
          }
        });
      });
  }
  window.landregRefreshTiles = refreshTiles;

  // --- filters ---------------------------------------------------------------------------------------------------

  function applyFilters() {
    var statuses = Array.prototype.map.call(document.querySelectorAll("input[name=status]:checked"), function (i) { return i.value; });
    var use = document.getElementById("use-filter").value;
    var filter = ["all", ["in", ["get", "status"], ["literal", statuses]]];
    if (use) filter.push(["==", ["get", "use"], use]);
    ["plots-fill", "plots-line", "plot-numbers"].forEach(function (id) { map.setFilter(id, filter); });
    map.setFilter("plots-unfit", filter.concat([["==", ["get", "site_fit"], "not_fit"]]));
  }
  document.querySelectorAll("input[name=status]").forEach(function (i) { i.addEventListener("change", applyFilters); });
  document.getElementById("use-filter").addEventListener("change", applyFilters);
  var basemapToggle = document.getElementById("basemap-toggle");
  if (basemapToggle) basemapToggle.addEventListener("change", function () {
    map.setLayoutProperty("basemap", "visibility", basemapToggle.checked ? "visible" : "none");
  });
  document.querySelectorAll(".imagery-toggle").forEach(function (box) {
    box.addEventListener("change", function () {
      map.setLayoutProperty("imagery-" + box.value, "visibility", box.checked ? "visible" : "none");
    });
  });

  // --- township switcher and search ------------------------------------------------------------------------------

  var townships = {};
  config.townships.forEach(function (t) { townships[t.id] = t; });
  var dashboardLink = document.getElementById("dashboard-link");

  function fit(bbox, maxZoom) {
    if (bbox) map.fitBounds([[bbox[0], bbox[1]], [bbox[2], bbox[3]]], { padding: 40, maxZoom: maxZoom || 17, duration: 0 });
  }

  document.getElementById("township-switcher").addEventListener("change", function (e) {
    var t = townships[e.target.value];
    if (t) {
      fit(t.bbox, 17);
      dashboardLink.href = config.api.dashboard.replace("CODE", encodeURIComponent(t.code));
    } else {
      fit(config.extent);
    }
  });

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": config.csrf, "Accept": "application/json" },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) { return { status: r.status, ok: r.ok, data: data }; });
    });
  }

  var results = document.getElementById("map-search-results");
  document.getElementById("map-search").addEventListener("submit", function (e) {
    e.preventDefault();
    var q = document.getElementById("map-search-q").value.trim();
    results.textContent = "";
    if (!q) return;
    var township = document.getElementById("township-switcher").value;
    var body = { q: q };
    if (township) body.township = +township;
    post(config.api.search, body).then(function (answer) {
      if (!answer.ok) { message(answer.data.detail || gettext("The search failed; try again."), true); return; }
      if (!answer.data.results.length) {
        results.appendChild(el("li", { text: gettext("Nothing found in your townships.") }));
        return;
      }
      answer.data.results.forEach(function (hit) {
        results.appendChild(el("li", {}, [el("button", {
          type: "button",
          text: hit.label,
          onclick: function () {
            fit(hit.bbox, hit.type === "township" ? 17 : 19);
            if (hit.type !== "township" && hit.id) window.landregOpenPlot(hit.id);
          }
        })]));
      });
    });
  });

  // --- messages --------------------------------------------------------------------------------------------------

  var messageBox = document.getElementById("map-message");
  var messageTimer = null;
  function message(text, isError) {
    messageBox.textContent = text;
    messageBox.className = "map-message" + (isError ? " error" : "");
    messageBox.hidden = false;
    clearTimeout(messageTimer);
    messageTimer = setTimeout(function () { messageBox.hidden = true; }, 8000);
  }


  // --- published layers: border crossing points, IDP sites, livelihood opportunities ---------------------------
  // Aggregates only (docs/partners.md, "Published layers"), drawn from their own vector tiles and shown when their
  // box is ticked. Each is offered only when its TileJSON answers: a role or an agreement that does not share it
  // gets no box. A count of 1 to 4 is absent from a tile (suppressed) and written "fewer than 5".

  var tileRoot = config.tiles.provinces.replace(/provinces\/\{z\}.*$/, "");
  var localNumber = new Intl.NumberFormat(numberLocale);
  function figure(value) { return value === undefined || value === null ? gettext("fewer than 5") : localNumber.format(value); }
  // A date as the server writes it in forms (landreg/calendar.py shamsi_numeric): Solar Hijri, in the page's digits.
  function shamsiNumeric(iso) {
    if (!iso) return "";
    var parts = {};
    new Intl.DateTimeFormat("en-u-ca-persian-nu-latn", { day: "2-digit", month: "2-digit", year: "numeric", timeZone: "UTC" })
      .formatToParts(new Date(iso + "T00:00:00Z")).forEach(function (p) { parts[p.type] = p.value; });
    return digits(parts.year.replace(/\D/g, "") + "-" + parts.month + "-" + parts.day);
  }
  var KINDS = {
    camp: gettext("Camp"), informal_settlement: gettext("Informal settlement"), host_community: gettext("Host community"),
    cash_for_work: gettext("Cash for work"), tvet: gettext("Vocational training (TVET)"),
    apprenticeship: gettext("Apprenticeship"), job_placement: gettext("Job placement"),
    business_grant: gettext("Business grant"), agricultural_inputs: gettext("Agricultural inputs")
  };
  var METHODS = {
    headcount: gettext("Household head count"), key_informant: gettext("Key informants"),
    registration: gettext("Registration lists"), remote: gettext("Remote sensing (shelters counted on imagery)")
  };
  function rows(pairs) {
    return el("dl", { "class": "published-figures" }, [].concat.apply([], pairs.filter(Boolean).map(function (p) {
      return [el("dt", { text: p[0] }), el("dd", { text: p[1] })];
    })));
  }
  var PUBLISHED = [
    {
      name: "idp-sites", label: gettext("IDP sites"), swatch: "idp",
      layers: [
        { id: "idp-sites-fill", type: "fill", filter: ["==", ["geometry-type"], "Polygon"],
          paint: { "fill-color": "#7b3294", "fill-opacity": 0.25, "fill-outline-color": "#7b3294" } },
        { id: "idp-sites-points", type: "circle", filter: ["==", ["geometry-type"], "Point"],
          paint: { "circle-color": "#7b3294", "circle-stroke-color": "#ffffff", "circle-stroke-width": 1.5,
                   "circle-radius": ["interpolate", ["linear"], ["sqrt", ["coalesce", ["get", "population"], 0]], 0, 5, 100, 16] } }
      ],
      describe: function (p) {
        // When a group is fewer than 5, no group is given (the others would give it away from the total).
        var groups = p.groups_withheld ? [[gettext("By group"), gettext("withheld: a group is fewer than 5")]] : [
          [gettext("Arrival IDPs"), figure(p.arrival_idps)],
          [gettext("Returned IDPs"), figure(p.returned_idps)],
          [gettext("Returnees from abroad"), figure(p.returnees_from_abroad)]
        ];
        if (!p.assessed_on) groups = [];
        return [el("h3", { text: KINDS[p.kind] || p.kind }), rows([
          [gettext("People living there"), p.assessed_on ? figure(p.population) : "—"]
        ].concat(groups, [
          p.assessed_on ? [gettext("Out-migrants"), figure(p.out_migrants)] : null,
          // Dates and words in rows of their own: a Solar Hijri date beside a word is reordered in right to left.
          [gettext("Estimated on"), p.assessed_on ? shamsiNumeric(p.assessed_on) : gettext("not yet assessed")],
          p.assessed_on ? [gettext("Method"), METHODS[p.method] || p.method] : null
        ]))];
      }
    },
    {
      name: "opportunities", label: gettext("Livelihood opportunities"), swatch: "opportunity",
      layers: [
        { id: "opportunities-fill", type: "fill", filter: ["!=", ["geometry-type"], "Point"],
          paint: { "fill-color": "#1a9850", "fill-opacity": 0.25, "fill-outline-color": "#1a9850" } },
        { id: "opportunities-points", type: "circle", filter: ["==", ["geometry-type"], "Point"],
          paint: { "circle-color": "#1a9850", "circle-stroke-color": "#ffffff", "circle-stroke-width": 1.5, "circle-radius": 6 } }
      ],
      describe: function (p) {
        var pay = p.daily_wage ? fmt(gettext("%(wage)s %(currency)s a day, %(days)s days"),
          { wage: localNumber.format(p.daily_wage), currency: p.currency, days: localNumber.format(p.days_offered || 0) }, true)
          : p.stipend_monthly ? fmt(gettext("%(stipend)s %(currency)s a month"),
          { stipend: localNumber.format(p.stipend_monthly), currency: p.currency }, true) : "";
        return [el("h3", { text: KINDS[p.kind] || p.kind }), rows([
          [gettext("Provider"), p.provider],
          p.sector ? [gettext("Sector (ISIC)"), p.sector + (p.isic && p.isic !== p.sector ? " · " + p.isic : "")] : null,
          [gettext("Places"), fmt(gettext("%(filled)s of %(offered)s filled"),
            { filled: figure(p.places_filled), offered: localNumber.format(p.places_offered) }, true)],
          [gettext("From"), shamsiNumeric(p.start_on)],
          p.end_on ? [gettext("Until"), shamsiNumeric(p.end_on)] : null,
          pay ? [gettext("Pay"), pay] : null
        ])];
      }
    },
    {
      name: "crossing-points", label: gettext("Border crossing points"), swatch: "crossing",
      layers: [
        { id: "crossing-points", type: "circle",
          paint: { "circle-color": "#b35806", "circle-stroke-color": "#ffffff", "circle-stroke-width": 2,
                   "circle-radius": ["interpolate", ["linear"],
                     ["sqrt", ["coalesce", ["get", "counted_last_week"], ["get", "arrivals_last_week"], 0]], 0, ["case", ["get", "main"], 7, 5], 300, 22] } },
        { id: "crossing-point-names", type: "symbol",
          layout: { "text-field": localName("name"), "text-font": ["sans-serif"], "text-size": 12, "text-anchor": "top", "text-offset": [0, 1] },
          paint: paint("#7f3b08") }
      ],
      describe: function (p) {
        var name = (config.localNameField && p[config.localNameField]) || p.name;
        return [el("h3", { text: name }), rows([
          [gettext("Arrivals registered last week"), figure(p.arrivals_last_week)],
          [gettext("Counted by the border teams last week"), figure(p.counted_last_week)],
          [gettext("Arrivals registered last month"), figure(p.arrivals_last_month)],
          [gettext("Counted by the border teams last month"), figure(p.counted_last_month)],
          [gettext("Week from"), shamsiNumeric(p.week_start)]
        ])];
      }
    }
  ];

  var publishedBox = null;
  function publishedFieldset() {
    if (publishedBox) return publishedBox;
    publishedBox = el("fieldset", { "class": "map-filters published-layers", id: "published-layers" },
      [el("legend", { text: gettext("Returns and livelihoods") })]);
    var side = document.querySelector(".map-side");
    var dashboard = document.getElementById("dashboard-link");
    side.insertBefore(publishedBox, dashboard ? dashboard.parentNode : null);
    return publishedBox;
  }

  function showPublished(spec, shown) {
    spec.layers.forEach(function (layer) { map.setLayoutProperty(layer.id, "visibility", shown ? "visible" : "none"); });
  }

  function addPublished(spec, document_) {
    map.addSource(spec.name, { type: "vector", tiles: document_.tiles, minzoom: document_.minzoom,
                               maxzoom: document_.maxzoom, bounds: document_.bounds });
    spec.layers.forEach(function (layer) {
      var style = Object.assign({ source: spec.name, "source-layer": spec.name }, layer);
      style.layout = Object.assign({ visibility: "none" }, layer.layout || {});
      map.addLayer(style, map.getLayer("province-names") ? "province-names" : undefined);
      if (layer.type === "symbol") return;
      map.on("click", layer.id, function (e) {
        if (!e.features.length) return;
        var body = el("div", { "class": "published-popup" }, spec.describe(e.features[0].properties));
        new maplibregl.Popup({ maxWidth: "18rem" }).setLngLat(e.lngLat).setDOMContent(body).addTo(map);
      });
      map.on("mouseenter", layer.id, function () { map.getCanvas().style.cursor = "pointer"; });
      map.on("mouseleave", layer.id, function () { map.getCanvas().style.cursor = ""; });
    });
    var box = el("input", { type: "checkbox", "class": "published-toggle", value: spec.name });
    box.addEventListener("change", function () { showPublished(spec, box.checked); });
    publishedFieldset().appendChild(el("label", { "class": "legend-row" },
      [box, el("span", { "class": "swatch " + spec.swatch }), spec.label]));
  }

  // In a fixed order (the toggles and the drawing order do not depend on which answer comes first).
  var answers = PUBLISHED.map(function (spec) {
    return fetch(tileRoot + spec.name + ".json", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .catch(function () { return null; });
  });
  map.on("load", function () {
    Promise.all(answers).then(function (documents) {
      PUBLISHED.forEach(function (spec, i) { if (documents[i]) addPublished(spec, documents[i]); });
      window.landregPublishedReady = true;
    });
  });

  window.landreg = {
    config: config, map: map, gettext: gettext, fmt: fmt, rtl: rtl, digits: digits, el: el, post: post,
    message: message, refreshTiles: refreshTiles, fit: fit
  };
})();
