/* landreg field pages: skills profiles (docs/livelihoods.md) of the members aged 15 or over of the households the
   officer visits (they come with today's assignments, kept on the phone), filled offline. Occupations are found in
   a copy of ISCO-08 kept on the phone (/api/v1/field/isco/), by a word in English, Dari or Pashto or by the code.
   A profile waits in the queue with a UUID and the moment the phone last saw the profile; the server records it
   once through the service the officers' page uses, and answers 409 when the profile was changed at the office
   meanwhile: the phone shows that, and the officer discards the form or sends it on top of the change (the
   profile's history keeps the earlier one). */
(function () {
  "use strict";
  const gettext = window.gettext || ((s) => s);
  const interpolate = window.interpolate || ((fmt, obj) => fmt.replace(/%\((\w+)\)s/g, (_, k) => obj[k]));
  const field = window.landregField;
  const form = document.getElementById("skills-form");
  if (!field || !form) return;
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const MIN_AGE = parseInt(form.dataset.minAge || "15", 10);
  const MAX_OCCUPATIONS = 4;  // as on the officers' page
  const RESULTS_SHOWN = 8;
  field.views.push("skills-view");
  const state = { households: [], isco: [], queued: new Map(), open: null };

  // --- ISCO-08 kept on the phone, searched in three languages ------------------------------------------------------
  // Arabic-keyboard yeh and kaf are read as Dari's, as the server's search does.
  const fold = (text) => String(text || "").toLowerCase().replace(/ي/g, "ی").replace(/ك/g, "ک").trim();
  function title(row) {
    const local = field.LANG === "fa" ? row.prs : field.LANG === "ps" ? row.ps : "";
    return local || row.en;
  }
  async function loadIsco() {
    try {
      const response = await fetch(field.API + "isco/", { credentials: "same-origin", headers: field.HEADERS });
      if (!response.ok) throw new Error(response.statusText);
      state.isco = (await response.json()).occupations;
      await field.storePut("isco", state.isco);
    } catch (e) {
      state.isco = (await field.storeGet("isco")) || [];
    }
    $("#isco-status").textContent = state.isco.length
      ? ""
      : gettext("The occupation list is not on this phone yet: open this page once while online.");
  }
  function search(text) {
    const q = fold(text);
    if (!q) return [];
    if (/^[0-9۰-۹]+$/.test(q)) {
      const digits = q.replace(/[۰-۹]/g, (d) => String("۰۱۲۳۴۵۶۷۸۹".indexOf(d)));
      return state.isco.filter((r) => r.code.startsWith(digits)).slice(0, RESULTS_SHOWN);
    }
    const ranked = [];
    for (const row of state.isco) {
      let best = 9;
      for (const t of [row.en, row.prs, row.ps]) {
        const words = fold(t);
        if (!words) continue;
        const at = words.indexOf(q);
        if (at === 0) best = Math.min(best, 0);
        else if (at > 0) best = Math.min(best, /\s/.test(words[at - 1]) ? 1 : 2);
      }
      if (best < 9) ranked.push([best, row]);
    }
    ranked.sort((a, b) => a[0] - b[0] || a[1].code.localeCompare(b[1].code));
    return ranked.slice(0, RESULTS_SHOWN).map((r) => r[1]);
  }
  const byCode = (code) => state.isco.find((r) => r.code === code);

  // --- the people offered ----------------------------------------------------------------------------------------------
  // A Latin user name inside Dari or Pashto text keeps its own direction.
  const isolate = (text) => "\u2068" + text + "\u2069";
  function ageOn(born, day) {
    const b = new Date(born + "T12:00:00"), d = day || new Date();
    let age = d.getFullYear() - b.getFullYear();
    if (d.getMonth() < b.getMonth() || (d.getMonth() === b.getMonth() && d.getDate() < b.getDate())) age -= 1;
    return age;
  }
  function renderPeople() {
    const list = $("#skills-list");
    list.replaceChildren();
    let shown = 0;
    for (const household of state.households) {
      const members = household.members.filter((m) => m.date_of_birth && ageOn(m.date_of_birth) >= MIN_AGE);
      if (!members.length) continue;
      const li = document.createElement("li");
      li.className = "skills-household";
      const h = document.createElement("strong");
      h.textContent = interpolate(gettext("Household %(household)s"), { household: household.household }, true);
      const ul = document.createElement("ul");
      for (const member of members) {
        const item = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.className = "skills-person";
        button.dataset.person = member.person;
        const name = document.createElement("bdi");
        name.textContent = member.name + (member.name_local ? ` (${member.name_local})` : "");
        const status = document.createElement("span");
        status.className = "status";
        const waiting = state.queued.get(member.person);
        if (waiting) {
          status.textContent = waiting.error ? gettext("refused: see the queue") : gettext("waiting to sync");
        } else if (member.profile) {
          button.classList.add("recorded");
          status.textContent = interpolate(gettext("profile recorded %(date)s by %(who)s"),
            { date: field.shamsi(field.localDate(new Date(member.profile.updated_at))), who: isolate(member.profile.recorded_by) }, true);
        } else {
          status.textContent = gettext("no profile yet");
        }
        button.append(name, " · ", interpolate(gettext("%(age)s years"), { age: field.num(ageOn(member.date_of_birth)) }, true), status);
        button.addEventListener("click", () => openProfile(household, member));
        item.append(button);
        ul.append(item);
        shown += 1;
      }
      li.append(h, ul);
      list.append(li);
    }
    $("#skills").hidden = shown === 0;
  }

  // --- the form --------------------------------------------------------------------------------------------------------
  function occupationRow(values) {
    const box = $(".occupations", form);
    const row = $("#skills-occupation-row").content.firstElementChild.cloneNode(true);
    const input = $("[data-field=search]", row);
    const results = $(".isco-results", row);
    const chosen = $(".isco-chosen", row);
    function choose(code) {
      row.dataset.code = code || "";
      const found = code && byCode(code);
      chosen.textContent = code ? `${code} · ${found ? title(found) : (values && values.title) || ""}` : "";
      results.replaceChildren();
      if (code) input.value = "";
      row.classList.remove("missing");
    }
    input.addEventListener("input", () => {
      results.replaceChildren();
      row.dataset.code = "";
      chosen.textContent = "";
      for (const found of search(input.value)) {
        const li = document.createElement("li");
        const b = document.createElement("button");
        b.type = "button";
        b.className = "isco-choice";
        b.dataset.code = found.code;
        b.textContent = `${found.code} · ${title(found)}`;
        if (title(found) !== found.en) b.title = found.en;
        b.addEventListener("click", () => choose(found.code));
        li.append(b);
        results.append(li);
      }
    });
    $(".remove-occupation", row).addEventListener("click", () => { row.remove(); addButton(); });
    if (values) {
      choose(values.isco);
      $("[data-field=years]", row).value = values.years ?? "";
      $("[data-field=learnt_in]", row).value = values.learnt_in || "";
    }
    box.append(row);
    addButton();
    return row;
  }
  function addButton() {
    $("#skills-add-occupation").hidden = $$(".occupation", form).length >= MAX_OCCUPATIONS;
  }

  function openProfile(household, member) {
    const waiting = state.queued.get(member.person);
    const values = waiting || member.profile || {};
    state.open = { household, member, waiting };
    form.reset();
    $(".error", form).textContent = "";
    $(".occupations", form).replaceChildren();
    $("#skills-person").textContent = `${interpolate(gettext("Household %(household)s"), { household: household.household }, true)} · ${member.name} · ${interpolate(gettext("%(age)s years"), { age: field.num(ageOn(member.date_of_birth)) }, true)}`;
    $("#skills-was").textContent = member.profile
      ? interpolate(gettext("Recorded %(date)s by %(who)s; what you save replaces it."), { date: field.shamsi(field.localDate(new Date(member.profile.updated_at))), who: isolate(member.profile.recorded_by) }, true)
      : gettext("No profile yet.");
    for (const name of ["education", "literacy_dari", "literacy_pashto", "literacy_english", "workplace_accepted"]) {
      if (values[name]) form.elements[name].value = values[name];
    }
    form.elements.can_work_outside_home.checked = values.can_work_outside_home ?? true;
    form.elements.care_duties.checked = !!values.care_duties;
    form.elements.disability.checked = !!values.disability;
    form.elements.max_travel_km.value = values.max_travel_km ?? "";
    form.elements.certificates.value = (values.certificates || []).join("\n");
    const spoken = new Set(values.languages || []);
    for (const box of $$("input[name=languages]", form)) box.checked = spoken.has(box.value);
    for (const o of values.occupations || []) occupationRow(o);
    if (!$$(".occupation", form).length) occupationRow();
    addButton();
    field.show("skills-view");
  }

  function problem(message, row) {
    if (row) { row.classList.add("missing"); row.scrollIntoView({ block: "center" }); }
    $(".error", form).textContent = message;
    return false;
  }
  async function save() {
    const { household, member, waiting } = state.open;
    if (ageOn(member.date_of_birth) < MIN_AGE) {
      return problem(interpolate(gettext("A skills profile is for a person aged %(age)s or over."), { age: field.num(MIN_AGE) }, true));
    }
    const occupations = [];
    for (const row of $$(".occupation", form)) {
      const typed = $("[data-field=search]", row).value.trim();
      const code = row.dataset.code || "";
      const years = $("[data-field=years]", row).value;
      const learnt = $("[data-field=learnt_in]", row).value;
      if (!code && !typed && !years && !learnt) continue;  // an empty row
      if (!code || !byCode(code)) {
        return problem(interpolate(gettext("Choose the occupation from the list: “%(text)s” is not one of its entries."), { text: typed || code }, true), row);
      }
      if (occupations.some((o) => o.isco === code)) return problem(gettext("The same occupation is listed twice."), row);
      const y = years === "" ? 0 : Number(years);
      if (!Number.isFinite(y) || y < 0 || y > 80) return problem(gettext("Years of experience are from 0 to 80."), row);
      if (!learnt) return problem(interpolate(gettext("Say where “%(occupation)s” was learnt."), { occupation: title(byCode(code)) }, true), row);
      occupations.push({ isco: code, title: title(byCode(code)), years: y, learnt_in: learnt });
    }
    const km = form.elements.max_travel_km.value;
    if (km !== "" && !(Number(km) >= 0 && Number(km) <= 1000)) return problem(gettext("The furthest travel is from 0 to 1,000 km."));
    const item = {
      client_uuid: field.uuid4(),
      kind: "skills",
      person: member.person,
      person_name: member.name,
      household: household.household,
      // The profile as the phone last saw it: a change made at the office since is not overwritten unseen.
      seen_updated_at: waiting ? waiting.seen_updated_at : (member.profile ? member.profile.updated_at : null),
      education: form.elements.education.value,
      literacy_dari: form.elements.literacy_dari.value,
      literacy_pashto: form.elements.literacy_pashto.value,
      literacy_english: form.elements.literacy_english.value,
      occupations,
      certificates: form.elements.certificates.value.split("\n").map((c) => c.trim()).filter(Boolean),
      languages: $$("input[name=languages]:checked", form).map((b) => b.value),
      can_work_outside_home: form.elements.can_work_outside_home.checked,
      workplace_accepted: form.elements.workplace_accepted.value,
      care_duties: form.elements.care_duties.checked,
      disability: form.elements.disability.checked,
      max_travel_km: km === "" ? null : Number(km),
      saved_at: new Date().toISOString(),
      error: "",
    };
    // A profile still waiting (never sent, or refused) is replaced by the corrected one.
    if (waiting && (!waiting.attempted || waiting.error)) await field.queueDelete(waiting.client_uuid);
    await field.queuePut(item);
    await field.renderQueue();
    field.show("list-view");
    field.sync();
    return true;
  }

  const SENT = ["client_uuid", "person", "seen_updated_at", "education", "literacy_dari", "literacy_pashto", "literacy_english",
    "certificates", "languages", "can_work_outside_home", "workplace_accepted", "care_duties", "disability", "max_travel_km"];
  field.registerKind("skills", {
    send(item) {
      const payload = Object.fromEntries(SENT.map((name) => [name, item[name]]));
      payload.occupations = item.occupations.map((o) => ({ isco: o.isco, years: o.years, learnt_in: o.learnt_in }));
      return fetch(field.API + "skills-profiles/", {
        method: "POST",
        body: JSON.stringify(payload),
        credentials: "same-origin",
        headers: { ...field.HEADERS, "Content-Type": "application/json", "X-CSRFToken": field.csrfToken() },
      });
    },
    async recorded(item, body) {
      for (const household of state.households) {
        for (const member of household.members) if (member.person === item.person) member.profile = body.profile;
      }
    },
    refused(item, body, status) {
      // Changed at the office meanwhile: the officer chooses, knowing what is there now.
      item.conflict = status === 409 && body && body.profile ? body.profile.updated_at : "";
      if (item.conflict) {  // the list and the form then say who changed it and when
        for (const household of state.households) {
          for (const member of household.members) if (member.person === item.person) member.profile = body.profile;
        }
      }
    },
    retryLabel(item) { return item.conflict ? gettext("Send mine on top") : ""; },
    retry(item) {
      if (item.conflict) { item.seen_updated_at = item.conflict; item.conflict = ""; }
    },
    describe(item) {
      return interpolate(gettext("Household %(household)s: skills profile of %(name)s"), { household: item.household, name: item.person_name }, true) +
        ` · ${field.shamsi(field.localDate(new Date(item.saved_at)))}`;
    },
    summary(n, time) {
      return interpolate(gettext("%(n)s skills profile(s) recorded at %(time)s."), { n: field.num(n), time }, true);
    },
  });

  form.addEventListener("submit", (e) => { e.preventDefault(); save(); });
  form.addEventListener("input", (e) => {
    const row = e.target.closest(".occupation");
    if (row) row.classList.remove("missing");
  });
  $("#skills-add-occupation").addEventListener("click", () => occupationRow());
  document.addEventListener("landreg:assignments", (e) => {
    state.households = (e.detail && e.detail.skills) || [];
    renderPeople();
  });
  document.addEventListener("landreg:queue", (e) => {
    state.queued = new Map(e.detail.filter((i) => i.kind === "skills").map((i) => [i.person, i]));
    renderPeople();
  });
  loadIsco();
})();
