/* The plot panel of the land officers' map: what a plot is, its history, and the allocation workflow's actions,
   which call the allocation API. map.js loads first and shares the map and its helpers as window.landreg. */
(function () {
  "use strict";
  var L = window.landreg;
  var config = L.config, map = L.map, gettext = L.gettext, fmt = L.fmt, rtl = L.rtl, digits = L.digits, el = L.el;
  var post = L.post, message = L.message, refreshTiles = L.refreshTiles;

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
