/* The plot panel's "Opportunities near this household": when the plot's panel shows a household, the open
   opportunities within reach that one of its profiled members is eligible for, nearest first, each member with their
   score, and a "Refer" button that refers that member (confirmed in the panel's dialog; the livelihoods page
   endpoint does the work, CSRF token in the header). map.js and panel.js load first. */
(function () {
  "use strict";
  var L = window.landreg;
  var gettext = L.gettext, fmt = L.fmt, el = L.el, post = L.post;
  var P = L.panel;

  function section(plot, body) {
    var lv = plot.livelihoods;
    if (!lv) return;  // a free plot, or a role without personal data
    body.appendChild(el("h3", { text: gettext("Opportunities near this household") }));
    var box = el("div", { "class": "livelihoods", id: "plot-livelihoods" });
    if (!lv.opportunities.length) {
      box.appendChild(el("p", { "class": "muted", dir: "auto", text: fmt(gettext("No open opportunity within %(km)s that a member with a skills profile is eligible for."), { km: lv.within_text }, true) }));
      box.appendChild(el("a", { href: lv.profiles_url, target: "_blank", rel: "noopener", text: gettext("Record members' skills on the household's page") }));
      body.appendChild(box);
      return;
    }
    var list = el("ul", { "class": "opportunities" });
    lv.opportunities.forEach(function (o) {
      var members = el("ul", { "class": "members" });
      o.members.forEach(function (m) {
        var parts = [P.bdi(m.name), " · ", fmt(gettext("score %(score)s"), { score: m.score_text }, true)];
        if (m.referral_status) {
          parts.push(" · ", el("span", { "class": "referral-status", "data-status": m.referral_status, text: m.referral_label }));
        } else if (lv.may_refer) {
          parts.push(" ", el("button", { type: "button", "class": "refer", "data-opportunity": o.id, "data-person": m.person,
            text: gettext("Refer"), onclick: function () { referDialog(plot, lv, o, m); } }));
        }
        members.appendChild(el("li", { "data-person": m.person }, parts));
      });
      list.appendChild(el("li", { "data-opportunity": o.id }, [
        el("a", { href: o.url, target: "_blank", rel: "noopener", dir: "auto" }, [P.bdi(o.title)]),
        el("span", { "class": "muted" }, [" · " + o.kind_label + " · ", P.bdi(o.distance_text)]),
        members
      ]));
    });
    box.appendChild(list);
    body.appendChild(box);
  }

  function referDialog(plot, lv, o, m) {
    P.dialog({
      title: gettext("Refer to the opportunity"),
      consequence: fmt(gettext("%(name)s is referred to “%(title)s”: the provider sees the referral (without the name) and accepts or refuses it."),
        { name: P.isolated(m.name), title: P.isolated(o.title) }, true),
      fields: [],
      confirm: gettext("Refer"),
      send: function () { return post(lv.refer_url, { opportunity: o.id, person: m.person, step: "referred" }); },
      done: function (data) { return data.detail; },
      plot: plot
    });
  }

  L.panelSections = (L.panelSections || []).concat([section]);
})();
