/* landreg field pages: registering families at a border crossing point, offline and in a surge (docs/field.md,
   "Border registration"). A whole family on one screen; "Save and next family" puts it in the phone's queue (the
   same queue and UUIDs as the visits, field.js) and clears the members for the next one.

   Duplicates, twice. On the phone: the server keeps ID numbers only as hashes with a key the phone does not have, so
   the phone compares with what it registered itself today: each tazkira and PoR number, and each name with its date
   of birth, as an HMAC with a key made on this phone (kept in IndexedDB, not extractable). A match is shown before
   the family is saved. On the server at sync: movements.services.arrival_register looks the ID numbers up among all
   registered households; a family whose number is registered to another household comes back "review" and is
   listed here for a land officer's decision, never merged. */
(function () {
  "use strict";
  const gettext = window.gettext || ((s) => s);
  const ngettext = window.ngettext || ((one, many, n) => (n === 1 ? one : many));
  const interpolate = window.interpolate || ((fmt, obj) => fmt.replace(/%\((\w+)\)s/g, (_, k) => obj[k]));
  const field = window.landregField;
  const setupNode = document.getElementById("border-setup");
  if (!field) return;
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const setup = setupNode ? JSON.parse(setupNode.textContent) : null;

  // --- what the queue and the sync do with a family -------------------------------------------------------------
  function familyLabel(item) {
    const head = item.members.find((m) => m.relationship === "head") || item.members[0];
    const who = head.name || head.name_local || gettext("no name");
    const n = item.members.length;
    return interpolate(ngettext("%(name)s, alone", "Family of %(name)s (%(n)s people)", n), { name: who, n: field.num(n) }, true);
  }
  function timeText(iso) {
    return field.localDigits(new Date(iso).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" }));
  }
  field.registerKind("arrival", {
    send(item) {
      const fields = ["client_uuid", "crossing_point", "crossed_at", "category", "repatriation_form", "country_of_asylum",
        "years_abroad", "documents_held", "vulnerabilities", "assistance", "destination_province", "destination_district", "members"];
      const payload = Object.fromEntries(fields.filter((name) => item[name] !== "" && item[name] !== null).map((name) => [name, item[name]]));
      return fetch(field.API + "arrivals/", {
        method: "POST",
        body: JSON.stringify(payload),
        credentials: "same-origin",
        headers: { ...field.HEADERS, "Content-Type": "application/json", "X-CSRFToken": field.csrfToken() },
      });
    },
    async recorded(item, body) {
      // The answer kept for the day: how many were registered, and those an officer must decide on.
      await dayStore("border_sent", (sent) => { sent.count = (sent.count || 0) + (body.created ? 1 : 0); return sent; });
      // Kept for the officer to see: an ID number registered to another household (a land officer decides), or a
      // household registered with a similar head (name, father's name, date of birth), flagged for the office.
      if (body.status === "review" || body.possible_duplicates > 0) {
        await dayStore("border_flagged", (flagged) => {
          flagged.items = (flagged.items || []).filter((f) => f.client_uuid !== item.client_uuid);
          const why = body.status === "review" ? "review" : "similar";
          flagged.items.push({ client_uuid: item.client_uuid, why, label: familyLabel(item), saved_at: item.saved_at, answer: body });
          return flagged;
        });
      }
    },
    describe(item) {
      return `${familyLabel(item)} · ${item.point_name} · ${timeText(item.saved_at)}`;
    },
    summary(n, time) {
      return interpolate(ngettext("%(n)s family sent at %(time)s.", "%(n)s families sent at %(time)s.", n), { n: field.num(n), time }, true);
    },
    after: refreshFlagged,
  });

  // Lists kept for today only: yesterday's are dropped when they are read.
  async function dayRead(key) {
    const kept = await field.storeGet(key);
    return kept && kept.day === field.localDate() ? kept : { day: field.localDate() };
  }
  async function dayStore(key, change) {
    const value = change(await dayRead(key));
    value.day = field.localDate();
    await field.storePut(key, value);
    return value;
  }

  // --- the families waiting for a decision -------------------------------------------------------------------------
  function reviewText(review) {
    if (!review.candidate) {
      return gettext("An ID number is registered to a household outside your provinces: the office decides.");
    }
    const digits = review.matching.map((d) => "…" + field.localDigits(d)).join(", ");
    return interpolate(
      gettext("ID number %(digits)s is registered to household %(household)s (head: %(head)s)."),
      { digits, household: review.candidate, head: review.candidate_head || "—" }, true);
  }
  async function decide(entry, review, decision, li) {
    const error = $(".error", li);
    if (!navigator.onLine) { error.textContent = gettext("Connect to the network to record the decision."); return; }
    const response = await fetch(`${field.API}arrival-reviews/${review.id}/decide/`, {
      method: "POST",
      body: JSON.stringify({ decision }),
      credentials: "same-origin",
      headers: { ...field.HEADERS, "Content-Type": "application/json", "X-CSRFToken": field.csrfToken() },
    }).catch(() => null);
    if (!response) { error.textContent = gettext("Connect to the network to record the decision."); return; }
    let body = null;
    try { body = await response.json(); } catch (e) { /* not JSON */ }
    if (!response.ok) { error.textContent = (body && body.detail) || response.statusText; return; }
    await keepAnswer(entry.client_uuid, body);
    renderFlagged();
  }
  async function keepAnswer(clientUuid, answer) {
    await dayStore("border_flagged", (flagged) => {
      for (const f of flagged.items || []) if (f.client_uuid === clientUuid) f.answer = answer;
      return flagged;
    });
  }
  async function refreshFlagged() {
    // A decision made at the office since the sync: asked again while the phone is online.
    const flagged = await dayRead("border_flagged");
    for (const entry of flagged.items || []) {
      if (entry.answer.status !== "review" || !navigator.onLine) continue;
      try {
        const response = await fetch(`${field.API}arrivals/${entry.client_uuid}/`, { credentials: "same-origin", headers: field.HEADERS });
        if (response.ok) await keepAnswer(entry.client_uuid, await response.json());
      } catch (e) { break; }
    }
    await renderFlagged();
  }
  async function renderFlagged() {
    const flagged = await dayRead("border_flagged");
    const list = $("#border-flagged-list");
    if (!list) return;
    list.replaceChildren();
    for (const entry of flagged.items || []) {
      const li = document.createElement("li");
      li.dataset.uuid = entry.client_uuid;
      const title = document.createElement("strong");
      title.textContent = `${entry.label} · ${timeText(entry.saved_at)}`;
      li.append(title);
      const answer = entry.answer;
      if (entry.why === "similar") {
        li.className = "similar";
        li.append(" · " + interpolate(ngettext(
          "registered as household %(household)s; a similar household is flagged for the office to compare.",
          "registered as household %(household)s; %(n)s similar households are flagged for the office to compare.",
          answer.possible_duplicates), { household: answer.household, n: field.num(answer.possible_duplicates) }, true));
        list.append(li);
        continue;
      }
      if (answer.status !== "review") {
        li.className = "decided";
        li.append(" · " + (answer.household
          ? interpolate(gettext("decided: household %(household)s"), { household: answer.household }, true)
          : gettext("decided")));
        list.append(li);
        continue;
      }
      li.className = "flagged";
      for (const review of answer.reviews.filter((r) => r.decision === "undecided")) {
        const p = document.createElement("p");
        p.textContent = reviewText(review);
        li.append(p);
        if (answer.may_decide && review.candidate) {
          const same = document.createElement("button");
          same.type = "button";
          same.className = "decide-attach";
          same.textContent = interpolate(gettext("Same people: add to %(household)s"), { household: review.candidate }, true);
          same.addEventListener("click", () => decide(entry, review, "attached", li));
          const other = document.createElement("button");
          other.type = "button";
          other.className = "decide-new";
          other.textContent = gettext("Other people: register a new household");
          other.addEventListener("click", () => decide(entry, review, "new_household", li));
          const actions = document.createElement("p");
          actions.className = "actions";
          actions.append(same, other);
          li.append(actions);
        }
      }
      if (!answer.may_decide) {
        const who = document.createElement("p");
        who.className = "muted";
        who.textContent = gettext("A land officer decides; the decision shows here when the phone is online.");
        li.append(who);
      }
      const error = document.createElement("p");
      error.className = "error";
      li.append(error);
      list.append(li);
    }
    $("#border-flagged").hidden = (flagged.items || []).length === 0;
  }

  window.addEventListener("online", refreshFlagged);
  if (!setup) { renderFlagged(); return; }  // this officer does not register at the border

  // --- the form --------------------------------------------------------------------------------------------------------
  field.views.push("border-view");
  const form = $("#border-form");
  const membersList = $("#border-members .members");
  let rowCount = 0;

  function ageBandOf(isoDate) {
    const born = new Date(isoDate + "T12:00:00"), now = new Date();
    let age = now.getFullYear() - born.getFullYear();
    if (now.getMonth() < born.getMonth() || (now.getMonth() === born.getMonth() && now.getDate() < born.getDate())) age -= 1;
    if (age < 0) return "";
    return age < 5 ? "0_4" : age < 18 ? "5_17" : age < 60 ? "18_59" : "60_plus";
  }
  function addMember(focus) {
    const row = $("#border-member-row").content.firstElementChild.cloneNode(true);
    rowCount += 1;
    for (const radio of $$("input[type=radio]", row)) radio.name = `sex-${rowCount}`;
    const first = membersList.children.length === 0;
    const relationship = $("[data-field=relationship]", row);
    relationship.value = first ? "head" : "child";
    $("[data-field=date_of_birth]", row).max = field.localDate();
    $("[data-field=date_of_birth]", row).addEventListener("change", (e) => {
      const band = e.target.value ? ageBandOf(e.target.value) : "";
      if (band) $("[data-field=age_band]", row).value = band;
    });
    $(".remove-member", row).addEventListener("click", () => { row.remove(); numberRows(); });
    membersList.append(row);
    numberRows();
    if (focus) $("[data-field=name]", row).focus();
  }
  function numberRows() {
    const rows = $$(".member", membersList);
    rows.forEach((row, i) => {
      row.dataset.n = String(i + 1);
      $(".remove-member", row).hidden = rows.length === 1;
    });
    const travelling = rows.length > 1
      ? interpolate(gettext("travelling with family: %(n)s people"), { n: field.num(rows.length) }, true)
      : gettext("travelling alone");
    $("#border-travelling").textContent = travelling;
  }
  function readMembers() {
    return $$(".member", membersList).map((row) => {
      const member = {};
      for (const input of $$("[data-field]", row)) {
        if (input.type === "radio") { if (input.checked) member.sex = input.value; continue; }
        const value = input.value.trim();
        if (value) member[input.dataset.field] = value;
      }
      return member;
    });
  }
  function districtsFor(province) {
    const select = $("#border-district");
    select.replaceChildren(new Option("—", ""));
    for (const d of setup.districts[province] || []) select.append(new Option(d.label, d.id));
  }
  function showCategory() {
    $(".avr-only", form).hidden = $("#border-category").value !== "avr";
  }
  function pointCountry() {
    const option = $("#border-point").selectedOptions[0];
    if (option && option.dataset.country && !$("#border-country").dataset.typed) $("#border-country").value = option.dataset.country;
  }
  function clearFamily() {
    // What changes from one family to the next; the crossing point, category, country and destination stay.
    membersList.replaceChildren();
    addMember(false);
    for (const input of $$("input[type=checkbox]", form)) input.checked = false;
    $("#border-years").value = "";
    $("#border-avr").value = "";
    $("#border-duplicates").hidden = true;
    $(".error", form).textContent = "";
  }
  async function showToday() {
    const sent = await dayRead("border_sent");
    const waiting = (await field.queueAll()).filter((i) => i.kind === "arrival" && !i.error).length;
    $("#border-today").textContent = interpolate(
      gettext("Today on this phone: %(sent)s families sent, %(waiting)s waiting to sync."),
      { sent: field.num(sent.count || 0), waiting: field.num(waiting) }, true);
  }
  function openBorder() {
    if (!membersList.children.length) clearFamily();
    field.show("border-view");
    showToday();
    $("[data-field=name]", membersList).focus();
  }

  // --- duplicates on the phone ------------------------------------------------------------------------------------------
  function normaliseId(text) {
    // As the server does (households/identity.py): Latin digits and letters only, upper case.
    const digits = "۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩";
    return (text || "").replace(/[۰-۹٠-٩]/g, (c) => String(digits.indexOf(c) % 10)).toUpperCase().replace(/[^0-9A-Z]/g, "");
  }
  function normaliseName(text) {
    return (text || "").normalize("NFKC").toLowerCase().replace(/\s+/g, " ").trim();
  }
  async function deviceKey() {
    let key = await field.storeGet("border_key");
    if (!key) {
      key = await crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
      await field.storePut("border_key", key);
    }
    return key;
  }
  async function digest(key, text) {
    const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(text));
    return Array.from(new Uint8Array(mac), (b) => b.toString(16).padStart(2, "0")).join("");
  }
  // What identifies each member on this phone: [{digest, kind, member}] for its tazkira, PoR, and name with date of birth.
  async function memberKeys(members) {
    if (!(window.crypto && crypto.subtle)) return [];  // not a secure page: the server's check still runs at sync
    const key = await deviceKey();
    const keys = [];
    for (const [i, m] of members.entries()) {
      const tazkira = normaliseId(m.tazkira), por = normaliseId(m.por), name = normaliseName(m.name || m.name_local);
      if (tazkira) keys.push({ digest: await digest(key, "t:" + tazkira), kind: "tazkira", member: i + 1, last4: tazkira.slice(-4) });
      if (por) keys.push({ digest: await digest(key, "p:" + por), kind: "por", member: i + 1, last4: por.slice(-4) });
      if (name && m.date_of_birth) keys.push({ digest: await digest(key, `n:${name}|${m.date_of_birth}`), kind: "name", member: i + 1 });
    }
    return keys;
  }
  function matchText(key, entry) {
    const values = { n: field.num(key.member), digits: key.last4 ? "…" + field.localDigits(key.last4) : "", family: entry.label, time: timeText(entry.saved_at) };
    if (key.kind === "name") return interpolate(gettext("Member %(n)s has the same name and date of birth as a person of the %(family)s, saved at %(time)s."), values, true);
    if (key.kind === "tazkira") return interpolate(gettext("Member %(n)s's tazkira %(digits)s is the same as in the %(family)s, saved at %(time)s."), values, true);
    return interpolate(gettext("Member %(n)s's PoR card %(digits)s is the same as in the %(family)s, saved at %(time)s."), values, true);
  }

  // --- saving ------------------------------------------------------------------------------------------------------------
  function problem(message, focus) {
    $(".error", form).textContent = message;
    if (focus) focus.focus();
    return false;
  }
  async function save() {
    const data = new FormData(form);
    const members = readMembers();
    const rows = $$(".member", membersList);
    for (const [i, m] of members.entries()) {
      const values = { n: field.num(i + 1) };
      if (!m.name && !m.name_local) return problem(interpolate(gettext("Member %(n)s has no name; write it."), values, true), $("[data-field=name]", rows[i]));
      if (!m.sex) return problem(interpolate(gettext("Member %(n)s: choose female or male."), values, true), $("input[type=radio]", rows[i]));
      if (!m.age_band) return problem(interpolate(gettext("Member %(n)s: choose an age band, or give the date of birth."), values, true), $("[data-field=age_band]", rows[i]));
      if (m.date_of_birth && m.date_of_birth > field.localDate()) return problem(interpolate(gettext("Member %(n)s: the date of birth is in the future."), values, true), $("[data-field=date_of_birth]", rows[i]));
    }
    if (members.filter((m) => m.relationship === "head").length !== 1) return problem(gettext("Mark one member, and only one, as the head."), $("[data-field=relationship]", rows[0]));
    const category = data.get("category");
    if (category === "avr" && !normaliseId(data.get("repatriation_form"))) return problem(gettext("An assisted voluntary repatriation needs the repatriation form's number."), $("#border-avr"));
    const country = (data.get("country_of_asylum") || "").trim().toUpperCase();
    if (!/^[A-Z]{2}$/.test(country) || country === "AF") return problem(gettext("Write the country of asylum as its two-letter code: IR, PK, TR…"), $("#border-country"));
    const years = data.get("years_abroad");
    if (years !== "" && !(Number.isInteger(Number(years)) && Number(years) >= 0 && Number(years) <= 100)) return problem(gettext("Years abroad is a number from 0 to 100."), $("#border-years"));
    if (!data.get("destination_province")) return problem(gettext("Choose the province the family is going to."), $("#border-province"));

    // The same person twice in the family, or registered on this phone today already.
    const keys = await memberKeys(members);
    const seen = new Map();
    for (const key of keys) {
      const other = seen.get(key.digest);
      if (other && key.kind !== "name") {
        return problem(interpolate(gettext("Members %(a)s and %(b)s have the same ID number; check them."), { a: field.num(other.member), b: field.num(key.member) }, true));
      }
      seen.set(key.digest, key);
    }
    const index = await dayRead("border_index");
    const matches = [];
    for (const key of keys) {
      const entry = (index.entries || []).find((e) => e.digest === key.digest);
      if (entry) matches.push(matchText(key, entry));
    }
    const warning = $("#border-duplicates");
    if (matches.length && !(warning.dataset.shown === matches.join("\n") && $("#border-save-anyway").checked)) {
      const list = $("ul", warning);
      list.replaceChildren(...matches.map((text) => { const li = document.createElement("li"); li.textContent = text; return li; }));
      warning.dataset.shown = matches.join("\n");
      $("#border-save-anyway").checked = false;
      warning.hidden = false;
      return problem(gettext("This may be a family registered already: check it, correct it, or tick “save anyway”."), $("#border-save-anyway"));
    }

    const point = $("#border-point").selectedOptions[0];
    const item = {
      client_uuid: field.uuid4(),
      kind: "arrival",
      crossing_point: Number(data.get("crossing_point")),
      point_name: point ? point.textContent : "",
      crossed_at: new Date().toISOString(),  // registered as the family crosses
      category,
      repatriation_form: category === "avr" ? data.get("repatriation_form").trim() : "",
      country_of_asylum: country,
      years_abroad: years === "" ? null : Number(years),
      documents_held: data.getAll("documents_held"),
      vulnerabilities: data.getAll("vulnerabilities"),
      assistance: data.getAll("assistance"),
      destination_province: Number(data.get("destination_province")),
      destination_district: data.get("destination_district") ? Number(data.get("destination_district")) : null,
      members,
      saved_at: new Date().toISOString(),
      error: "",
    };
    await field.queuePut(item);
    const label = familyLabel(item);
    await dayStore("border_index", (kept) => {
      kept.entries = (kept.entries || []).concat(keys.map((k) => ({ digest: k.digest, label, saved_at: item.saved_at })));
      return kept;
    });
    clearFamily();
    warning.dataset.shown = "";
    $(".error", form).textContent = "";
    $("#border-saved").textContent = interpolate(gettext("Saved: %(family)s. Next family."), { family: label }, true);
    await field.renderQueue();
    showToday();
    $("[data-field=name]", membersList).focus();
    field.sync();
    return true;
  }

  // --- wiring --------------------------------------------------------------------------------------------------------
  const saved = document.createElement("p");
  saved.id = "border-saved";
  saved.className = "saved";
  saved.setAttribute("role", "status");
  $("h1", form).after(saved);
  $("#start-border").addEventListener("click", openBorder);
  $("#border-add-member").addEventListener("click", () => addMember(true));
  $("#border-category").addEventListener("change", showCategory);
  $("#border-point").addEventListener("change", pointCountry);
  $("#border-country").addEventListener("input", (e) => { e.target.dataset.typed = "1"; });
  $("#border-province").addEventListener("change", (e) => districtsFor(e.target.value));
  form.addEventListener("submit", (e) => { e.preventDefault(); save(); });
  // The form on the screen when the page opens at /field/#border (a bookmark on the border team's phones).
  showCategory();
  pointCountry();
  const points = setup.points;
  if (points.length) {
    // The destination is the crossing point's province until the officer chooses another.
    const province = String(points[0].province);
    if ($(`#border-province option[value="${province}"]`)) { $("#border-province").value = province; districtsFor(province); }
  }
  if (window.location.hash === "#border") openBorder();
  document.addEventListener("landreg:queue", () => { if (!$("#border-view").hidden) showToday(); });
  window.landregBorder = { memberKeys, refreshFlagged, renderFlagged, openBorder };
  renderFlagged();
})();
