/* The plot panel of the land officers' map: what a plot is, its history, and the allocation workflow, which calls
   the allocation API. The next step comes first; every step says what it does and is confirmed in a dialog; the
   success message says what happened and what comes next. map.js loads first and shares the map and its helpers as
   window.landreg. */
(function () {
  "use strict";
  var L = window.landreg;
  var config = L.config, map = L.map, gettext = L.gettext, fmt = L.fmt, rtl = L.rtl, digits = L.digits, el = L.el;
  var ngettext = window.ngettext || function (one, many, n) { return n === 1 ? one : many; };
  var post = L.post, message = L.message, refreshTiles = L.refreshTiles;
  // Each language named in itself, so an officer finds theirs whatever the page's language.
  var ENDONYMS = { en: "English", fa: "دری", ps: "پښتو" };

  // --- the plot panel --------------------------------------------------------------------------------------------

  var panel = document.getElementById("plot-panel");
  var panelBody = document.getElementById("plot-panel-body");
  var currentPlot = null;
  var picking = null;  // while the officer clicks the hand-over point on the map: the function that takes it
  var justPicked = false;  // that click is the point, not a choice of plot
  document.getElementById("panel-close").addEventListener("click", function () {
    panel.hidden = true;
    currentPlot = null;
    map.setFilter("plots-selected", ["==", ["get", "id"], -1]);
    if (L.draw) L.draw.showClaimed(null);
  });

  map.on("click", function (e) {
    if (!picking) return;
    var take = picking;
    picking = null;
    justPicked = true;
    setTimeout(function () { justPicked = false; }, 0);
    map.getCanvas().style.cursor = "";
    take(e.lngLat);
  });
  map.on("click", "plots-fill", function (e) {
    if (picking || justPicked || L.drawing || !e.features.length) return;
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
  map.on("mouseenter", "plots-fill", function () { if (!picking && !L.drawing) map.getCanvas().style.cursor = "pointer"; });
  map.on("mouseleave", "plots-fill", function () { if (!picking && !L.drawing) map.getCanvas().style.cursor = ""; });

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json().catch(function () { return {}; }).then(function (data) { return { ok: r.ok, status: r.status, data: data }; }); });
  }

  function openPanel(id) {
    forgetPoint();
    currentPlot = id;
    map.setFilter("plots-selected", ["==", ["get", "id"], id]);
    panel.hidden = false;
    panelBody.textContent = gettext("Loading…");
    return getJSON(config.api.plot.replace("/0/", "/" + id + "/")).then(function (answer) {
      if (currentPlot !== id) return;
      if (!answer.ok) { panelBody.textContent = answer.data.detail || gettext("This plot is not in your scope."); return; }
      renderPanel(answer.data);
    });
  }
  window.landregOpenPlot = openPanel;

  // /?plot=<id>: a household's page links the plot it holds here; its panel opens once the map is ready.
  var linkedPlot = parseInt(new URLSearchParams(window.location.search).get("plot"), 10);
  if (linkedPlot) {
    if (window.landregMapLoaded) { openPanel(linkedPlot); } else { map.on("load", function () { openPanel(linkedPlot); }); }
  }

  // Text that may run in another direction than the page (a name, a code, a number) is isolated with <bdi>; a
  // sentence from the server takes its own direction (dir=auto), so one not yet translated still reads right.
  function bdi(text) { return el("bdi", { text: text }); }
  function row(term, value) { return [el("dt", { text: term }), el("dd", {}, [bdi(value)])]; }

  // Inside a sentence, a code or a name is isolated with Unicode's first-strong isolate (the <bdi> of plain text),
  // so "household HH-0001 (Habibullah)" keeps its order and brackets in a Dari sentence, in the panel and in messages.
  function isolated(text) { return "\u2068" + text + "\u2069"; }
  function who(code, name) {
    return name
      ? fmt(gettext("household %(code)s (%(name)s)"), { code: isolated(code), name: isolated(name) }, true)
      : fmt(gettext("household %(code)s"), { code: isolated(code) }, true);
  }

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
    if (plot.site) {  // whether the ground is fit to live on (slope, flood, water), from the planning figures
      dl.appendChild(el("dt", { text: gettext("Ground") }));
      dl.appendChild(el("dd", { "class": "plot-site plot-site-" + plot.site.fit, text: plot.site.fit_label }));
    }
    if (plot.active) {
      dl.appendChild(el("dt", { text: gettext("Household") }));
      dl.appendChild(el("dd", { "class": "plot-household" }, [
        el("a", { href: plot.active.household_url, target: "_blank", rel: "noopener" }, [bdi(who(plot.active.household_code, plot.active.head_name))]),
        " · " + plot.active.status_label
      ]));
    }
    panelBody.appendChild(dl);

    renderActions(plot);
    renderDocuments(plot);
    // Sections other files add (grievances.js: the plot's grievances and disputes), in the order they load.
    (L.panelSections || []).forEach(function (section) { section(plot, panelBody); });

    panelBody.appendChild(el("h3", { text: fmt(gettext("Facilities within %(metres)s m"), { metres: digits(plot.walking_distance_m) }, true) }));
    if (plot.facilities.length) {
      panelBody.appendChild(el("ul", { "class": "facilities" }, plot.facilities.map(function (f) {
        var parts = [bdi(f.label), " — ", bdi(f.distance_text)];
        if (!f.functional) parts.push(" (" + gettext("not working") + ")");
        return el("li", {}, parts);
      })));
    } else {
      panelBody.appendChild(el("p", { "class": "muted", text: gettext("None within walking distance.") }));
    }

    if (plot.allocations !== null) {
      panelBody.appendChild(el("h3", { text: gettext("Allocation history") }));
      if (!plot.allocations.length) panelBody.appendChild(el("p", { "class": "muted", text: gettext("Never allocated.") }));
      plot.allocations.forEach(function (a) {
        var items = a.transitions.map(function (t) {
          var parts = [bdi(t.at), ": " + t.to_status_label];
          if (t.by) parts.push(" (", bdi(t.by), ")");
          if (t.reference) parts.push(" · ", bdi(t.reference));
          if (t.reason) parts.push(" · ", bdi(t.reason));
          return el("li", {}, parts);
        });
        var head = fmt(gettext("Household %(code)s: %(status)s"), { code: a.household_code, status: a.status_label }, true);
        if (a.revocation_reason) head += " (" + a.revocation_reason + ")";
        panelBody.appendChild(el("div", { "class": "allocation" }, [el("strong", {}, [bdi(head)]), el("ul", { "class": "history" }, items)]));
      });
    }
    renderOtherActions(plot);
  }

  // --- the next step ---------------------------------------------------------------------------------------------

  function stepButton(plot, step) {
    return el("button", { type: "button", "class": "step step-" + step.group, "data-action": step.action, dir: "auto", text: step.label,
      onclick: function () { stepDialog(plot, step); } });
  }

  function renderActions(plot) {
    var box = el("div", { "class": "actions", id: "next-steps" });
    var acts = plot.actions;
    if (acts.propose) box.appendChild(el("button", { type: "button", id: "propose-start", "class": "step step-next",
      text: gettext("Propose an allocation…"), onclick: function () { proposeForm(plot, box); } }));
    plot.steps.filter(function (s) { return s.group === "next"; }).forEach(function (step) { box.appendChild(stepButton(plot, step)); });
    plot.documents_to_issue.forEach(function (offer) {
      box.appendChild(el("button", { type: "button", "class": "step step-next", "data-issue": offer.kind, text: offer.label + "…",
        onclick: function () { issueDialog(plot, offer); } }));
    });
    if (acts.maker_checker) box.appendChild(el("p", { "class": "muted", text: gettext("You proposed this allocation or registered the household, so another committee member must approve it.") }));
    if (box.childNodes.length) {
      panelBody.appendChild(el("h3", { text: gettext("Next step") }));
      panelBody.appendChild(box);
    }
  }

  function renderOtherActions(plot) {
    var others = plot.steps.filter(function (s) { return s.group === "other"; });
    if (!others.length) return;
    var box = el("div", { "class": "actions" }, others.map(function (step) { return stepButton(plot, step); }));
    panelBody.appendChild(el("details", { "class": "other-actions" }, [
      el("summary", { text: gettext("Suspend, revoke or transfer…") }), box
    ]));
  }

  // --- documents: issued once, printed in any language, re-issued only with a reason ------------------------------

  function renderDocuments(plot) {
    var active = plot.active;
    if (!active || !active.documents.length) return;
    panelBody.appendChild(el("h3", { text: gettext("Letters and deeds") }));
    var list = el("ul", { "class": "documents", id: "documents" });
    active.documents.slice().reverse().forEach(function (d) {
      var line = [el("strong", {}, [bdi(d.kind_label + " " + d.number)]), " · ",
        el("span", { "class": "standing-" + d.standing, text: d.standing_label })];
      var facts = fmt(gettext("issued %(date)s by %(user)s"), { date: d.issued_at, user: d.issued_by || "—" }, true);
      if (d.prints) facts += " · " + fmt(ngettext("printed %(count)s time, last %(date)s", "printed %(count)s times, last %(date)s", d.prints), { count: digits(d.prints), date: d.last_printed }, true);
      if (d.supersedes) facts += " · " + fmt(gettext("replaces %(number)s (%(reason)s)"), { number: d.supersedes, reason: d.reissue_reason }, true);
      var item = el("li", { "data-number": d.number }, [el("div", {}, line), el("div", { "class": "muted" }, [bdi(facts)])]);
      var languages = Object.keys(d.print_urls);
      if (languages.length) {
        var prints = el("div", { "class": "print-links" }, [gettext("Print (same number):") + " "]);
        languages.forEach(function (code) {
          prints.appendChild(el("a", { href: d.print_urls[code], target: "_blank", rel: "noopener", lang: code, "data-language": code,
            "class": "print-link", text: ENDONYMS[code] || code, onclick: function () { setTimeout(function () { openPanel(plot.id); }, 1500); } }));
        });
        item.appendChild(prints);
        item.appendChild(el("button", { type: "button", "class": "reissue", "data-number": d.number,
          text: gettext("Re-issue with a new number…"), onclick: function () { reissueDialog(plot, d); } }));
      }
      list.appendChild(item);
    });
    panelBody.appendChild(list);
  }

  function languageSelect() {
    var select = el("select", { name: "print_language" });
    ["en", "fa", "ps"].forEach(function (code) {
      var option = el("option", { value: code, lang: code, text: ENDONYMS[code] });
      if (code === config.language) option.selected = true;
      select.appendChild(option);
    });
    return select;
  }

  function issueDialog(plot, offer) {
    var language = languageSelect();
    dialog({
      title: offer.label,
      consequence: gettext("The document gets its number and QR code now, once. Later you can print it again in English, Dari or Pashto with the same number."),
      fields: [field(gettext("Print it first in"), language)],
      confirm: offer.label,
      send: function () {
        return post(config.api.allocations + plot.active.id + "/documents/", { kind: offer.kind, language: language.value });
      },
      done: function (data) {
        window.open(data.pdf_url, "_blank", "noopener");
        return fmt(gettext("%(kind)s %(number)s issued for plot %(plot)s, %(who)s, and opened for printing. It can be printed again in any language with the same number."),
          { kind: offer.kind === "deed" ? gettext("Deed") : gettext("Allocation letter"), number: data.number, plot: plot.number, who: who(plot.active.household_code, plot.active.head_name) }, true);
      },
      plot: plot
    });
  }

  function reissueDialog(plot, doc) {
    var reason = el("select", { name: "reissue_reason", required: "required" }, [el("option", { value: "", text: gettext("Choose the reason") })].concat(
      plot.reissue_reasons.map(function (r) { return el("option", { value: r.code, text: r.label }); })));
    var note = el("textarea", { name: "reissue_note", maxlength: "500", rows: "2" });
    var language = languageSelect();
    dialog({
      title: fmt(gettext("Re-issue %(number)s"), { number: doc.number }, true),
      consequence: fmt(gettext("A new number replaces %(number)s, and the verification page will show %(number)s as SUPERSEDED. Do this only when the paper was lost, damaged or wrong; to print the same document again, use Print instead."), { number: doc.number }, true),
      warning: true,
      fields: [field(gettext("Why is it re-issued?"), reason), field(gettext("Explanation"), note), field(gettext("Print it first in"), language)],
      confirm: gettext("Re-issue and supersede"),
      send: function () {
        if (!reason.value) return Promise.resolve({ ok: false, status: 400, data: { detail: gettext("Choose why the document is re-issued.") } });
        return post(config.api.allocations + plot.active.id + "/documents/",
          { kind: doc.kind, language: language.value, reissue_reason: reason.value, reissue_note: note.value });
      },
      done: function (data) {
        window.open(data.pdf_url, "_blank", "noopener");
        return fmt(gettext("%(number)s issued for plot %(plot)s; it supersedes %(old)s, which no longer counts."),
          { number: data.number, plot: plot.number, old: doc.number }, true);
      },
      plot: plot
    });
  }

  // --- the dialog every step is confirmed in ---------------------------------------------------------------------

  var dialogBox = null;

  function field(label, input, hint) {
    return el("label", { "class": "field" }, [el("span", { text: label }), input].concat(hint ? [el("small", { "class": "muted", text: hint })] : []));
  }

  function dialog(options) {
    if (dialogBox) dialogBox.remove();
    var error = el("p", { "class": "dialog-error", role: "alert", hidden: "hidden" });
    var confirm = el("button", { type: "submit", "class": "confirm" + (options.warning ? " danger" : ""), text: options.confirm });
    var cancel = el("button", { type: "button", "class": "cancel", text: gettext("Cancel"), onclick: function () {
      dialogBox.close(); forgetPoint(); if (options.cancelled) options.cancelled();
    } });
    var form = el("form", { method: "dialog", onsubmit: function (e) {
      e.preventDefault();
      confirm.disabled = true;
      error.hidden = true;
      options.send().then(function (answer) {
        confirm.disabled = false;
        if (answer.ok) {
          dialogBox.close();
          message(options.done(answer.data), false);
          return refreshTiles().then(function () { return openPanel(options.plot.id); });
        }
        error.textContent = answer.data.detail || gettext("That did not work; try again.");
        error.hidden = false;
        if (answer.status === 409) {
          error.textContent = fmt(gettext("Someone else changed this plot a moment ago: %(detail)s The map has been refreshed."), { detail: answer.data.detail || "" }, true);
          return refreshTiles().then(function () { return openPanel(options.plot.id); });
        }
      });
    } }, [el("h3", { dir: "auto", text: options.title }), el("p", { "class": "consequence", dir: "auto", text: options.consequence })]
      .concat(options.fields).concat([error, el("div", { "class": "dialog-buttons" }, [confirm, cancel])]));
    dialogBox = el("dialog", { id: "step-dialog", "class": "step-dialog" }, [form]);
    document.body.appendChild(dialogBox);
    dialogBox.showModal();
    var first = form.querySelector("input, select, textarea");
    (first || confirm).focus();
    return dialogBox;
  }

  // What other panel sections use: the confirming dialog, its fields, reopening the panel, isolating a code.
  L.panel = { dialog: dialog, field: field, open: openPanel, bdi: bdi, isolated: isolated, getJSON: getJSON };

  function stepDialog(plot, step) {
    var values = {};
    var fields = [];
    var url = config.api.allocations + plot.active.id + "/" + step.action + "/";
    var required = { approve: ["reference"], reject: ["reason"], suspend: ["reason"], revoke: ["reason_code"], transfer: ["heir_code"] };
    var needs = required[step.action.replace("-", "_")] || [];
    step.fields.forEach(function (name) {
      var input;
      if (name === "reference") {
        input = el("input", { name: "reference", maxlength: "60" });
        fields.push(field(gettext("Committee decision reference"), input));
      } else if (name === "reason") {
        input = el("textarea", { name: "reason", maxlength: "500", rows: "2" });
        fields.push(field(needs.indexOf("reason") >= 0 ? gettext("Why (required)") : gettext("Notes"), input));
      } else if (name === "reason_code") {
        input = el("select", { name: "reason_code" }, [el("option", { value: "", text: gettext("Choose the reason") })].concat(
          plot.revocation_reasons.map(function (r) { return el("option", { value: r.code, text: r.label }); })));
        fields.push(field(gettext("Reason for revocation"), input));
      } else if (name === "heir_code") {
        input = el("input", { name: "heir_code", maxlength: "30" });
        fields.push(field(gettext("Heir household code"), input));
      } else if (name === "point") {
        fields.push(pointField(plot, values, function () { return box; }));
        return;
      }
      if (needs.indexOf(name) >= 0) input.required = true;
      values[name] = input;
    });
    var box = dialog({
      title: step.label.replace(/…$/, ""),
      consequence: step.consequence,
      warning: step.group === "other" || step.action === "reject",
      fields: fields,
      confirm: step.label.replace(/…$/, ""),
      send: function () {
        var body = {};
        Object.keys(values).forEach(function (k) {
          if (k === "point") return;
          if (values[k].value !== "") body[k] = values[k].value;
        });
        if (values.point) {
          if (!values.point.lon) return Promise.resolve({ ok: false, status: 400, data: { detail: gettext("Take the GPS point first: use this device's location, or click the point on the map.") } });
          body.lon = values.point.lon; body.lat = values.point.lat;
          if (values.point.accuracy !== null) body.accuracy_m = values.point.accuracy;
        }
        return post(url, body);
      },
      done: function () { return step.done; },
      plot: plot
    });
  }

  // The hand-over point: this device's GPS fix with its accuracy, or a point the officer clicks on the map.
  var marker = null;
  function forgetPoint() {
    if (marker) marker.remove();
    marker = null;
  }
  function pointField(plot, values, dialogOf) {
    var shown = el("output", { "class": "gps-point", text: gettext("No point yet.") });
    values.point = { lon: null, lat: null, accuracy: null };
    function set(lon, lat, accuracy, how) {
      values.point.lon = +lon.toFixed(7); values.point.lat = +lat.toFixed(7); values.point.accuracy = accuracy;
      shown.textContent = fmt(gettext("%(how)s: %(lat)s, %(lon)s"), { how: how, lat: digits(values.point.lat.toFixed(6)), lon: digits(values.point.lon.toFixed(6)) }, true)
        + (accuracy !== null ? " " + fmt(gettext("(± %(metres)s m)"), { metres: digits(Math.round(accuracy)) }, true) : "");
      if (marker) marker.remove();
      marker = new maplibregl.Marker({ color: "#24475e" }).setLngLat([lon, lat]).addTo(map);
    }
    var gps = el("button", { type: "button", "class": "gps-device", text: gettext("Use this device's location"), onclick: function () {
      if (!navigator.geolocation) { shown.textContent = gettext("This device gives no location; click the point on the map."); return; }
      shown.textContent = gettext("Waiting for the GPS fix…");
      navigator.geolocation.getCurrentPosition(function (position) {
        set(position.coords.longitude, position.coords.latitude, position.coords.accuracy, gettext("GPS"));
      }, function () {
        shown.textContent = gettext("No GPS fix (location refused or unavailable); click the point on the map instead.");
      }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 });
    } });
    var pick = el("button", { type: "button", "class": "gps-map", text: gettext("Click the point on the map"), onclick: function () {
      var box = dialogOf();
      box.close();
      map.getCanvas().style.cursor = "crosshair";
      message(fmt(gettext("Click the point on plot %(number)s where the household stands."), { number: plot.number }, true), false);
      picking = function (lngLat) {
        set(lngLat.lng, lngLat.lat, null, gettext("Point on the map"));
        box.showModal();
      };
    } });
    var tolerance = fmt(gettext("The point must lie on the plot (within %(metres)s m)."), { metres: digits(plot.handover_tolerance_m) }, true);
    return el("div", { "class": "field gps" }, [el("span", { text: gettext("GPS point of the hand-over") }),
      el("div", { "class": "gps-buttons" }, [gps, pick]), shown, el("small", { "class": "muted", text: tolerance })]);
  }

  // --- proposing: a person chooses the household, with what makes it eligible --------------------------------------

  function proposeForm(plot, box) {
    box.textContent = gettext("Loading the eligible households…");
    getJSON(config.api.candidates.replace("/0/", "/" + plot.id + "/")).then(function (answer) {
      box.textContent = "";
      if (!answer.ok) { box.appendChild(el("p", { text: answer.data.detail })); return; }
      // Unfit ground is not refused (a committee may know better), but said before anyone is proposed.
      if (plot.site && plot.site.warning) box.appendChild(el("p", { id: "propose-site-warning", "class": "error", role: "alert", text: plot.site.warning }));
      var households = answer.data.households;
      if (!households.length) {
        box.appendChild(el("p", { "class": "muted", text: gettext("No eligible household is waiting for a plot of this size.") }));
        return;
      }
      var submit = el("button", { type: "submit", disabled: "disabled", text: gettext("Propose the chosen household") });
      var byId = {};
      var list = el("div", { "class": "candidates", role: "radiogroup", "aria-label": gettext("Eligible households") }, households.map(function (h) {
        byId[h.id] = h;
        var title = h.head_name ? h.head_name + " · " + h.code : h.code;
        var facts = fmt(gettext("%(size)s people · priority %(priority)s · %(category)s · registered %(registered)s"),
          { size: digits(h.size), priority: digits(h.priority), category: h.category, registered: h.registered }, true);
        var input = el("input", { type: "radio", name: "household", value: h.id, onchange: function () { submit.disabled = false; } });
        var why = h.eligible_because.length ? el("span", { "class": "muted why" }, [gettext("Eligible because:") + " ", bdi(h.eligible_because.join("; "))]) : null;
        return el("label", { "data-code": h.code }, [input, el("span", { "class": "candidate" }, [
          el("strong", {}, [bdi(title)]), el("span", {}, [bdi(facts)]), why,
          el("a", { href: h.url, target: "_blank", rel: "noopener", text: gettext("Open the household") })])]);
      }));
      var reason = el("input", { name: "reason", maxlength: "200" });
      box.appendChild(el("form", { id: "propose-form", onsubmit: function (e) {
        e.preventDefault();
        var chosen = list.querySelector("input:checked");
        if (!chosen) return;
        var h = byId[chosen.value];
        var name = who(h.code, h.head_name);
        act(plot, config.api.allocations, { household: +chosen.value, plot: plot.id, reason: reason.value },
          fmt(gettext("Plot %(plot)s proposed for %(who)s; waiting for a committee member to approve or reject it."), { plot: plot.number, who: name }, true));
      } }, [el("p", { text: answer.data.entitlement_note }), list, el("label", { text: gettext("Reason or note") }), reason,
            submit, el("button", { type: "button", text: gettext("Cancel"), onclick: function () { openPanel(plot.id); } })]));
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
})();
