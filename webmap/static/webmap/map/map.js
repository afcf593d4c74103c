/* The land officers' map: our vector tiles in MapLibre, the township switcher and search, filters, and the plot
   panel whose actions call the allocation API. Every string goes through gettext() (Django's /jsi18n/ catalog);
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

  function vector(name, minzoom, maxzoom) {
    return { type: "vector", tiles: [config.tiles[name]], minzoom: minzoom, maxzoom: maxzoom };
  }

  var sources = {
    provinces: vector("provinces", 0, 12),
    townships: vector("townships", 6, 16),
    blocks: vector("blocks", 12, 18),
    plots: vector("plots", 13, 18),
    facilities: vector("facilities", 13, 18)
  };
  // No glyphs URL: MapLibre draws label glyphs in the browser with the system font, so nothing is fetched.
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
    { id: "plots-selected", type: "line", source: "plots", "source-layer": "plots", filter: ["==", ["get", "id"], -1],
      paint: { "line-color": "#000000", "line-width": 3 } },
    { id: "plot-numbers", type: "symbol", source: "plots", "source-layer": "plots", minzoom: 16.5,
      layout: { "text-field": ["get", "number"], "text-font": ["sans-serif"], "text-size": 12 },
      paint: { "text-color": "#111111", "text-halo-color": "#ffffff", "text-halo-width": 1.2 } },
    { id: "facilities", type: "circle", source: "facilities", "source-layer": "facilities",
      paint: { "circle-radius": 5, "circle-color": "#d7301f", "circle-stroke-color": "#ffffff", "circle-stroke-width": 1.5,
               "circle-opacity": ["case", ["get", "functional"], 1, 0.4] } },
    { id: "township-names", type: "symbol", source: "townships", "source-layer": "townships", minzoom: 9, maxzoom: 15,
      layout: { "text-field": ["get", "code"], "text-font": ["sans-serif"], "text-size": 13 },
      paint: { "text-color": "#24475e", "text-halo-color": "#ffffff", "text-halo-width": 1.5 } }
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
            if (hit.type !== "township" && hit.id) openPanel(hit.id);
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

  // --- the plot panel --------------------------------------------------------------------------------------------

  var panel = document.getElementById("plot-panel");
  var panelBody = document.getElementById("plot-panel-body");
  var currentPlot = null;
  document.getElementById("panel-close").addEventListener("click", function () {
    panel.hidden = true;
    currentPlot = null;
    map.setFilter("plots-selected", ["==", ["get", "id"], -1]);
  });

  map.on("click", "plots-fill", function (e) {
    if (!e.features.length) return;
    openPanel(e.features[0].properties.id);
    keepInView(e.lngLat);
  });

  // The panel covers the map's inline end: move a clicked plot that would sit under it to the open side.
  function keepInView(lngLat) {
    if (panel.hidden || window.innerWidth <= 700) return;
    var point = map.project(lngLat);
    var canvas = map.getCanvas().getBoundingClientRect();
    var covered = panel.getBoundingClientRect();
    var x = canvas.left + point.x;
    if (x < covered.left - 20 || x > covered.right + 20) return;
    var dx = rtl ? x - (covered.right + 80) : x - (covered.left - 80);
    map.panBy([dx, 0], { duration: 250 });
  }
  map.on("mouseenter", "plots-fill", function () { map.getCanvas().style.cursor = "pointer"; });
  map.on("mouseleave", "plots-fill", function () { map.getCanvas().style.cursor = ""; });

  function openPanel(id) {
    currentPlot = id;
    map.setFilter("plots-selected", ["==", ["get", "id"], id]);
    panel.hidden = false;
    panelBody.textContent = gettext("Loading…");
    return fetch(config.api.plot.replace("/0/", "/" + id + "/"), { credentials: "same-origin" })
      .then(function (r) { return r.json().then(function (data) { return { ok: r.ok, data: data }; }); })
      .then(function (answer) {
        if (currentPlot !== id) return;
        if (!answer.ok) { panelBody.textContent = answer.data.detail || gettext("This plot is not in your scope."); return; }
        renderPanel(answer.data);
      });
  }
  window.landregOpenPlot = openPanel;

  function row(term, value) { return [el("dt", { text: term }), el("dd", { text: value })]; }

  function renderPanel(plot) {
    panelBody.textContent = "";
    panel.dataset.plot = plot.id;
    panel.dataset.status = plot.status;
    panelBody.appendChild(el("h2", { text: fmt(gettext("Plot %(number)s"), { number: plot.number }, true) }));
    var dl = el("dl");
    var swatch = el("span", { "class": "swatch", style: "background:" + plot.colour });
    [].concat(
      row(gettext("Township"), plot.township.name),
      row(gettext("Block"), plot.block || "—"),
      row(gettext("Area"), plot.area_text || "—"),
      row(gettext("Use"), plot.use_label)
    ).forEach(function (n) { dl.appendChild(n); });
    dl.appendChild(el("dt", { text: gettext("Status") }));
    dl.appendChild(el("dd", { "class": "plot-status" }, [swatch, " " + plot.status_label]));
    dl.appendChild(el("dt", { text: gettext("Shelter") }));
    dl.appendChild(el("dd", { "class": "plot-shelter", text: plot.shelter ? plot.shelter.label : gettext("No shelter project yet") }));
    panelBody.appendChild(dl);

    panelBody.appendChild(el("h3", { text: fmt(gettext("Facilities within %(metres)s m"), { metres: digits(plot.walking_distance_m) }, true) }));
    if (plot.facilities.length) {
      panelBody.appendChild(el("ul", {}, plot.facilities.map(function (f) {
        var text = f.kind_label + (f.name ? " " + f.name : "") + " — " + f.distance_text;
        if (!f.functional) text += " (" + gettext("not working") + ")";
        return el("li", { text: text });
      })));
    } else {
      panelBody.appendChild(el("p", { "class": "muted", text: gettext("None within walking distance.") }));
    }

    if (plot.allocations !== null) {
      panelBody.appendChild(el("h3", { text: gettext("Allocation history") }));
      if (!plot.allocations.length) panelBody.appendChild(el("p", { "class": "muted", text: gettext("Never allocated.") }));
      plot.allocations.forEach(function (a) {
        var items = a.transitions.map(function (t) {
          var text = t.at + ": " + t.to_status_label + (t.by ? " (" + t.by + ")" : "");
          if (t.reference) text += " · " + t.reference;
          if (t.reason) text += " · " + t.reason;
          return el("li", { text: text });
        });
        var head = fmt(gettext("Household %(code)s: %(status)s"), { code: a.household_code, status: a.status_label }, true);
        if (a.revocation_reason) head += " (" + a.revocation_reason + ")";
        panelBody.appendChild(el("div", { "class": "allocation" }, [el("strong", { text: head }), el("ul", { "class": "history" }, items)]));
      });
    }
    renderActions(plot);
  }

  function renderActions(plot) {
    var box = el("div", { "class": "actions" });
    var acts = plot.actions;
    var active = plot.active;
    if (acts.propose) box.appendChild(el("button", { type: "button", id: "propose-start", text: gettext("Propose an allocation…"), onclick: function () { proposeForm(plot, box); } }));
    if (acts.approve) {
      var ref = el("input", { name: "reference", required: "required", maxlength: "60" });
      box.appendChild(el("form", { id: "approve-form", onsubmit: function (e) {
        e.preventDefault();
        act(plot, config.api.allocations + active.id + "/approve/", { reference: ref.value }, gettext("Approved."));
      } }, [el("label", { text: gettext("Committee decision reference") }), ref, el("button", { type: "submit", text: gettext("Approve") })]));
    }
    if (acts.maker_checker) box.appendChild(el("p", { "class": "muted", text: gettext("You proposed this allocation or registered the household, so another committee member must approve it.") }));
    if (acts.revoke) {
      var reason = el("select", { name: "reason_code", required: "required" }, [el("option", { value: "", text: gettext("Choose the reason") })].concat(
        plot.revocation_reasons.map(function (r) { return el("option", { value: r.code, text: r.label }); })));
      var notes = el("input", { name: "notes", maxlength: "200" });
      box.appendChild(el("form", { id: "revoke-form", onsubmit: function (e) {
        e.preventDefault();
        if (!window.confirm(gettext("Revoke this allocation? The plot becomes free again; the record stays."))) return;
        act(plot, config.api.allocations + active.id + "/revoke/", { reason_code: reason.value, reason: notes.value }, gettext("Revoked."));
      } }, [el("label", { text: gettext("Reason for revocation") }), reason, el("label", { text: gettext("Notes") }), notes,
            el("button", { type: "submit", text: gettext("Revoke") })]));
    }
    plot.steps.forEach(function (step) {
      box.appendChild(el("button", { type: "button", "class": "step", "data-action": step.action, text: step.label, onclick: function () {
        act(plot, config.api.allocations + active.id + "/" + step.action + "/", {}, gettext("Done."));
      } }));
    });
    [["letter", gettext("Print the allocation letter")], ["deed", gettext("Print the deed")]].forEach(function (kind) {
      if (!acts[kind[0]]) return;
      box.appendChild(el("button", { type: "button", text: kind[1], onclick: function () { printDocument(active.id, kind[0]); } }));
    });
    if (box.childNodes.length) {
      panelBody.appendChild(el("h3", { text: gettext("Actions") }));
      panelBody.appendChild(box);
    }
  }

  function proposeForm(plot, box) {
    box.textContent = gettext("Loading the eligible households…");
    fetch(config.api.candidates.replace("/0/", "/" + plot.id + "/"), { credentials: "same-origin" })
      .then(function (r) { return r.json().then(function (data) { return { ok: r.ok, data: data }; }); })
      .then(function (answer) {
        box.textContent = "";
        if (!answer.ok) { box.appendChild(el("p", { text: answer.data.detail })); return; }
        var households = answer.data.households;
        if (!households.length) {
          box.appendChild(el("p", { "class": "muted", text: gettext("No eligible household is waiting for a plot of this size.") }));
          return;
        }
        var list = el("div", { "class": "candidates", role: "radiogroup" }, households.map(function (h, i) {
          var text = fmt(gettext("%(code)s · %(size)s people · priority %(priority)s · %(category)s · registered %(registered)s"),
            { code: h.code, size: digits(h.size), priority: digits(h.priority), category: h.category, registered: h.registered }, true);
          var input = el("input", { type: "radio", name: "household", value: h.id });
          if (i === 0) input.checked = true;
          return el("label", {}, [input, el("span", { text: text })]);
        }));
        var reason = el("input", { name: "reason", maxlength: "200" });
        box.appendChild(el("form", { id: "propose-form", onsubmit: function (e) {
          e.preventDefault();
          var chosen = list.querySelector("input:checked");
          if (!chosen) return;
          act(plot, config.api.allocations, { household: +chosen.value, plot: plot.id, reason: reason.value }, gettext("Proposed."));
        } }, [el("p", { text: answer.data.entitlement_note }), list, el("label", { text: gettext("Reason or note") }), reason,
              el("button", { type: "submit", text: gettext("Propose") })]));
      });
  }

  function act(plot, url, body, done) {
    return post(url, body).then(function (answer) {
      if (answer.ok) {
        message(done, false);
      } else if (answer.status === 409) {
        message(fmt(gettext("Someone else changed this plot a moment ago: %(detail)s The map has been refreshed."), { detail: answer.data.detail || "" }, true), true);
      } else {
        message(answer.data.detail || gettext("That did not work; try again."), true);
      }
      if (answer.ok || answer.status === 409) {
        return refreshTiles().then(function () { return openPanel(plot.id); });
      }
    });
  }

  function printDocument(allocation, kind) {
    var language = ["en", "fa", "ps"].indexOf(config.language) >= 0 ? config.language : "fa";
    post(config.api.allocations + allocation + "/documents/", { kind: kind, language: language }).then(function (answer) {
      if (!answer.ok) { message(answer.data.detail || gettext("The document could not be issued."), true); return; }
      message(fmt(gettext("Document %(number)s issued."), { number: answer.data.number }, true), false);
      window.open(answer.data.pdf_url, "_blank", "noopener");
      openPanel(currentPlot);
    });
  }
})();
