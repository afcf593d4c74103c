/* The plot panel's grievances: the plot's open grievances (reference and status), "Open a grievance about this
   plot", "Open a land dispute" with the claimed outline drawn on the map, and "Resolve the dispute" with the
   decision. Each is confirmed in the panel's dialog, which says what will happen; afterwards the tiles are
   re-read, so the plot's colour follows (disputed, then back). The officers' grievance API does the work
   (api/rest/grievances.py). map.js, panel.js and draw.js load first. */
(function () {
  "use strict";
  var L = window.landreg;
  var config = L.config, gettext = L.gettext, fmt = L.fmt, el = L.el, post = L.post, digits = L.digits;
  var P = L.panel;
  var ENDONYMS = { en: "English", fa: "دری", ps: "پښتو" };

  function options(list, chosen, blank) {
    var select = [];
    if (blank) select.push(el("option", { value: "", text: blank }));
    list.forEach(function (c) {
      var option = el("option", { value: c.code, text: c.label });
      if (c.code === chosen) option.selected = true;
      select.push(option);
    });
    return select;
  }

  function languageSelect() {
    var select = el("select", { name: "language" });
    ["en", "fa", "ps"].forEach(function (code) {
      var option = el("option", { value: code, lang: code, text: ENDONYMS[code] });
      if (code === config.language) option.selected = true;
      select.appendChild(option);
    });
    return select;
  }

  function checkbox(name, label) {
    var box = el("input", { type: "checkbox", name: name });
    return { input: box, label: el("label", { "class": "field check" }, [box, " " + label]) };
  }

  function section(plot, body) {
    var g = plot.grievances;
    if (!g) return;  // a role that does not work with grievances sees none
    body.appendChild(el("h3", { text: gettext("Grievances and disputes") }));
    var list = el("ul", { "class": "grievances", id: "plot-grievances" });
    g.open.forEach(function (item) {
      list.appendChild(el("li", { "data-reference": item.reference, "data-status": item.status }, [
        el("a", { href: item.url, target: "_blank", rel: "noopener", dir: "ltr" }, [P.bdi(item.reference)]),
        " · " + item.status_label
      ]));
    });
    if (!g.open.length) list.appendChild(el("li", { "class": "muted", text: gettext("No open grievance about this plot.") }));
    body.appendChild(list);
    if (g.dispute) {
      var facts = g.dispute.overlap_text
        ? fmt(gettext("Disputed (%(reference)s): the claimed outline, drawn in red on the map, takes %(overlap)s of the plot."),
          { reference: P.isolated(g.dispute.reference), overlap: g.dispute.overlap_text }, true)
        : fmt(gettext("Disputed (%(reference)s): no claimed outline was drawn."), { reference: P.isolated(g.dispute.reference) }, true);
      body.appendChild(el("p", { "class": "dispute-facts", dir: "auto", text: facts }));
    }
    if (L.draw) L.draw.showClaimed(g.dispute ? g.dispute.claimed_outline : null);
    var box = el("div", { "class": "actions", id: "grievance-actions" });
    if (g.dispute && g.dispute.may_acknowledge) {
      box.appendChild(el("button", { type: "button", dir: "auto", "class": "step step-next", "data-grievance": "acknowledge-dispute",
        text: gettext("Acknowledge the dispute…"), onclick: function () { acknowledgeDialog(plot, g); } }));
    } else if (g.dispute && g.dispute.status === "received") {
      body.appendChild(el("p", { "class": "muted", text: gettext("A land officer acknowledges the dispute first; then a committee member decides it.") }));
    }
    if (g.dispute && g.dispute.may_resolve) {
      box.appendChild(el("button", { type: "button", dir: "auto", "class": "step step-next", "data-grievance": "resolve-dispute",
        text: gettext("Resolve the dispute…"), onclick: function () { resolveDialog(plot, g); } }));
    }
    if (g.may_open_dispute) {
      box.appendChild(el("button", { type: "button", dir: "auto", "class": "step step-other", "data-grievance": "open-dispute",
        text: gettext("Open a land dispute…"), onclick: function () { disputeDialog(plot, g); } }));
    }
    if (g.may_record) {
      box.appendChild(el("button", { type: "button", dir: "auto", "class": "step step-plain", "data-grievance": "open-grievance",
        text: gettext("Open a grievance about this plot…"), onclick: function () { grievanceDialog(plot, g); } }));
    }
    if (box.childNodes.length) body.appendChild(box);
  }

  function grievanceDialog(plot, g) {
    var category = el("select", { name: "category", required: "required" }, options(g.categories, "", gettext("Choose the category")));
    var channel = el("select", { name: "channel" }, options(g.channels, "office"));
    var description = el("textarea", { dir: "auto", name: "description", rows: "4", maxlength: "5000", required: "required" });
    var language = languageSelect();
    var anonymous = checkbox("anonymous", gettext("Made anonymously (no name is recorded)"));
    var consent = checkbox("consent_to_share", gettext("The complainant agrees that it is shared with a partner"));
    P.dialog({
      title: fmt(gettext("A grievance about plot %(number)s"), { number: plot.number }, true),
      consequence: gettext("A grievance is recorded with a reference to give the complainant, and deadlines start: acknowledge it, then resolve it. Conduct of staff, sexual exploitation and abuse, and data protection are sealed: only the grievance focal point reads them."),
      fields: [P.field(gettext("Category"), category), P.field(gettext("How it came in"), channel),
        P.field(gettext("What the complainant says"), description), P.field(gettext("Complainant's language"), language),
        anonymous.label, consent.label],
      confirm: gettext("Record the grievance"),
      send: function () {
        if (!category.value || !description.value.trim()) {
          return Promise.resolve({ ok: false, status: 400, data: { detail: gettext("Choose the category and write what the complainant says.") } });
        }
        return post(g.api.record, { plot: plot.id, category: category.value, channel: channel.value,
          description: description.value, language: language.value, anonymous: anonymous.input.checked,
          consent_to_share: consent.input.checked });
      },
      done: function (data) {
        return fmt(gettext("Grievance %(reference)s recorded about plot %(plot)s. Give the complainant this reference; the receipt is printed from the grievance's page."),
          { reference: P.isolated(data.reference), plot: plot.number }, true);
      },
      plot: plot
    });
  }

  // Close enough to the plot to click its corners, with its neighbours around it, in the part of the map the panel
  // and the drawing bar leave free.
  function zoomToDraw(bbox) {
    if (!bbox) return;
    var padding = { top: 70, bottom: 130, left: 40, right: 40 };
    padding[L.rtl ? "left" : "right"] += document.getElementById("plot-panel").getBoundingClientRect().width;
    L.map.fitBounds([[bbox[0], bbox[1]], [bbox[2], bbox[3]]], { padding: padding, maxZoom: 18.5, duration: 0 });
  }

  function disputeDialog(plot, g) {
    var kind = el("select", { name: "category" }, options(g.dispute_kinds, "land_dispute"));
    var description = el("textarea", { dir: "auto", name: "description", rows: "3", maxlength: "5000", required: "required" });
    var channel = el("select", { name: "channel" }, options(g.channels, "office"));
    var household = el("input", { name: "household", maxlength: "30" });
    var language = languageSelect();
    var outline = null;
    var shown = el("output", { "class": "outline-drawn", text: gettext("No outline drawn (optional).") });
    var box;
    var draw = el("button", { type: "button", id: "draw-outline", text: gettext("Draw the claimed outline on the map"), onclick: function () {
      box.close();
      zoomToDraw(g.bbox);
      L.message(gettext("Click the corners of the outline claimed, then Finish the outline."), false);
      L.draw.polygon(fmt(gettext("The outline claimed on plot %(number)s"), { number: plot.number }, true), function (polygon) {
        outline = polygon;
        L.draw.showClaimed(polygon);
        shown.textContent = fmt(gettext("Outline drawn with %(n)s corners; the overlap with the plot is measured when the dispute is opened."),
          { n: digits(polygon.coordinates[0].length - 1) }, true);
        box.showModal();
      }, function () { box.showModal(); });
    } });
    box = P.dialog({
      title: fmt(gettext("Open a land dispute over plot %(number)s"), { number: plot.number }, true),
      consequence: fmt(gettext("Plot %(number)s will show as disputed: while the dispute is open it cannot be allocated, handed over or transferred, and an allocation under way is suspended. It returns to its status when the dispute is resolved."), { number: plot.number }, true),
      warning: true,
      fields: [P.field(gettext("Kind of dispute"), kind), P.field(gettext("What is claimed, and by whom"), description), P.field(gettext("How it came in"), channel),
        P.field(gettext("Claimant household code (if registered)"), household),
        el("div", { "class": "field outline" }, [el("span", { text: gettext("Claimed outline") }), draw, shown]),
        P.field(gettext("Complainant's language"), language)],
      confirm: gettext("Open the dispute"),
      send: function () {
        if (!description.value.trim()) {
          return Promise.resolve({ ok: false, status: 400, data: { detail: gettext("Say what is claimed, and by whom.") } });
        }
        var body = { plot: plot.id, category: kind.value, description: description.value, channel: channel.value, language: language.value };
        if (household.value.trim()) body.household = household.value.trim();
        if (outline) body.claimed_outline = outline;
        return post(g.api.dispute, body);
      },
      done: function (data) {
        return fmt(gettext("Dispute %(reference)s opened over plot %(plot)s; the plot shows as disputed until the dispute is resolved."),
          { reference: P.isolated(data.reference), plot: plot.number }, true);
      },
      cancelled: function () { L.draw.showClaimed(g.dispute ? g.dispute.claimed_outline : null); },
      plot: plot
    });
  }

  function acknowledgeDialog(plot, g) {
    var note = el("textarea", { dir: "auto", name: "note", rows: "2", maxlength: "5000" });
    P.dialog({
      title: fmt(gettext("Acknowledge the dispute %(reference)s"), { reference: P.isolated(g.dispute.reference) }, true),
      consequence: gettext("Records that the claimant was told the dispute is received and will be decided; a committee member can then decide it."),
      fields: [P.field(gettext("Note"), note)],
      confirm: gettext("Acknowledge"),
      send: function () { return post(g.dispute.acknowledge_url, { action: "acknowledge", note: note.value }); },
      done: function (data) {
        return fmt(gettext("Dispute %(reference)s acknowledged. Next: a committee member decides it."), { reference: P.isolated(data.reference) }, true);
      },
      plot: plot
    });
  }

  function resolveDialog(plot, g) {
    var decision = el("select", { name: "decision", required: "required" }, options(g.decisions, "", gettext("Choose the decision")));
    var note = el("textarea", { dir: "auto", name: "note", rows: "3", maxlength: "5000", required: "required" });
    P.dialog({
      title: fmt(gettext("Resolve the dispute %(reference)s"), { reference: P.isolated(g.dispute.reference) }, true),
      consequence: fmt(gettext("The decision is recorded for good, and plot %(number)s returns to the status it should have (an allocation suspended for the dispute resumes, unless the claim is upheld)."), { number: plot.number }, true),
      warning: true,
      fields: [P.field(gettext("Decision"), decision), P.field(gettext("Why, and what was agreed"), note)],
      confirm: gettext("Resolve the dispute"),
      send: function () {
        if (!decision.value || !note.value.trim()) {
          return Promise.resolve({ ok: false, status: 400, data: { detail: gettext("Choose the decision and say why.") } });
        }
        return post(g.dispute.resolve_url, { decision: decision.value, note: note.value });
      },
      done: function (data) {
        var label = (g.decisions.filter(function (d) { return d.code === decision.value; })[0] || {}).label || decision.value;
        return fmt(gettext("Dispute %(reference)s over plot %(plot)s resolved: %(decision)s."),
          { reference: P.isolated(data.reference), plot: plot.number, decision: label }, true);
      },
      plot: plot
    });
  }

  L.panelSections = (L.panelSections || []).concat([section]);
})();
