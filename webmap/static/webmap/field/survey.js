/* landreg field pages: reintegration survey rounds due (docs/livelihoods.md), assigned to the officer like shelter
   visits and conducted offline. The questions and their scales come with today's assignments (kept on the phone);
   a round is queued only with every question answered on its scale, and the server checks the scales again
   (livelihoods.services.survey_round_record). */
(function () {
  "use strict";
  const gettext = window.gettext || ((s) => s);
  const interpolate = window.interpolate || ((fmt, obj) => fmt.replace(/%\((\w+)\)s/g, (_, k) => obj[k]));
  const field = window.landregField;
  if (!field) return;
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const form = $("#survey-form");
  field.views.push("survey-view");
  const state = { rounds: [], questions: [], queued: new Set(), open: null };

  function roundKey(allocation, round) { return `${allocation}:${round}`; }

  field.registerKind("survey", {
    send(item) {
      const payload = { client_uuid: item.client_uuid, allocation: item.allocation, round: item.round, answers: item.answers, conducted_on: item.conducted_on };
      return fetch(field.API + "survey-rounds/", {
        method: "POST",
        body: JSON.stringify(payload),
        credentials: "same-origin",
        headers: { ...field.HEADERS, "Content-Type": "application/json", "X-CSRFToken": field.csrfToken() },
      });
    },
    async recorded() { /* the round is done: the next list of assignments leaves it out */ },
    describe(item) {
      return interpolate(gettext("Household %(household)s: survey, %(round)s"), { household: item.household, round: item.round_label }, true) +
        ` · ${field.shamsi(item.conducted_on)}`;
    },
    summary(n, time) {
      return interpolate(gettext("%(n)s survey round(s) recorded at %(time)s."), { n: field.num(n), time }, true);
    },
  });

  function renderRounds() {
    const list = $("#survey-list");
    list.replaceChildren();
    const due = state.rounds.filter((r) => !state.queued.has(roundKey(r.allocation, r.round)));
    for (const row of due) {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "plot survey-round";
      button.dataset.allocation = row.allocation;
      button.dataset.round = row.round;
      const title = document.createElement("strong");
      title.textContent = interpolate(gettext("Household %(household)s"), { household: row.household }, true) + (row.head ? " · " + row.head : "");
      const detail = document.createElement("span");
      detail.className = "muted";
      detail.textContent = [
        row.round_label,
        interpolate(gettext("plot %(number)s"), { number: row.plot }, true) + " · " + row.township,
        interpolate(gettext("due %(date)s"), { date: field.shamsi(row.due_on) }, true),
      ].join(" · ");
      button.append(title, document.createElement("br"), detail);
      button.addEventListener("click", () => openRound(row));
      li.append(button);
      list.append(li);
    }
    $("#surveys").hidden = due.length === 0;
  }

  function openRound(row) {
    state.open = row;
    const box = $(".questions", form);
    box.replaceChildren();
    $(".error", form).textContent = "";
    $("#survey-household").textContent = `${interpolate(gettext("Household %(household)s"), { household: row.household }, true)}${row.head ? " · " + row.head : ""} · ${row.round_label}`;
    let group = null, dimension = null;
    for (const q of state.questions) {
      if (q.dimension !== dimension) {
        dimension = q.dimension;
        group = document.createElement("section");
        group.className = "dimension";
        const h = document.createElement("h2");
        h.textContent = q.dimension_label;
        group.append(h);
        box.append(group);
      }
      const set = document.createElement("fieldset");
      set.dataset.question = q.code;
      const legend = document.createElement("legend");
      legend.textContent = q.label;
      set.append(legend);
      for (const choice of q.choices) {
        const label = document.createElement("label");
        const input = document.createElement("input");
        input.type = "radio";
        input.name = q.code;
        input.value = String(choice.value);
        label.append(input, " " + choice.label);
        set.append(label);
      }
      group.append(set);
    }
    field.show("survey-view");
  }

  async function save() {
    const row = state.open;
    const answers = {};
    for (const q of state.questions) {
      const checked = $(`input[name="${q.code}"]:checked`, form);
      const value = checked ? Number(checked.value) : NaN;
      // On its scale: a whole number from the question's lowest to its highest answer.
      if (!Number.isInteger(value) || value < q.min || value > q.max) {
        const set = $(`fieldset[data-question="${q.code}"]`, form);
        set.classList.add("missing");
        set.scrollIntoView({ block: "center" });
        $(".error", form).textContent = interpolate(gettext("Answer every question: “%(question)s” has no answer."), { question: q.label }, true);
        return false;
      }
      answers[q.code] = value;
    }
    const item = {
      client_uuid: field.uuid4(),
      kind: "survey",
      allocation: row.allocation,
      round: row.round,
      round_label: row.round_label,
      household: row.household,
      answers,
      conducted_on: field.localDate(),
      saved_at: new Date().toISOString(),
      error: "",
    };
    await field.queuePut(item);
    state.queued.add(roundKey(row.allocation, row.round));
    renderRounds();
    await field.renderQueue();
    field.show("list-view");
    field.sync();
    return true;
  }

  form.addEventListener("submit", (e) => { e.preventDefault(); save(); });
  form.addEventListener("change", (e) => {
    const set = e.target.closest("fieldset");
    if (set) set.classList.remove("missing");
    if (!$("fieldset.missing", form)) $(".error", form).textContent = "";  // what was missing is answered now
  });
  document.addEventListener("landreg:assignments", (e) => {
    state.rounds = (e.detail && e.detail.surveys) || [];
    if (e.detail && e.detail.survey_questions && e.detail.survey_questions.length) state.questions = e.detail.survey_questions;
    renderRounds();
  });
  document.addEventListener("landreg:queue", (e) => {
    state.queued = new Set(e.detail.filter((i) => i.kind === "survey").map((i) => roundKey(i.allocation, i.round)));
    renderRounds();
  });
})();
