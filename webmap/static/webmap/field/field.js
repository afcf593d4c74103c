/* landreg field pages: today's plots nearest first, a plot's card, inspections and occupancy checks with the
   camera and the device GPS. Offline first: visits wait in IndexedDB with a UUID made on the phone and are sent
   when the connection returns; the server answers a UUID it has seen with the visit it already made, so a
   retry never duplicates. No map library: distances are computed here. */
(function () {
  "use strict";
  // Called by name, so `makemessages -d djangojs` finds every string.
  const gettext = window.gettext || ((s) => s);
  const interpolate = window.interpolate || ((fmt, obj) => fmt.replace(/%\((\w+)\)s/g, (_, k) => obj[k]));
  const app = document.getElementById("app");
  if (!app) return;
  const API = app.dataset.api;
  const TOLERANCE = parseFloat(app.dataset.tolerance || "30");
  const labels = document.getElementById("field-checklist");
  const CHECKLIST_LABELS = labels ? JSON.parse(labels.textContent) : {};
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));

  const state = { position: null, assignments: [], plot: null, syncing: false };

  // --- IndexedDB: the queue of visits and the last list of plots -----------------------------------------------
  const DB_NAME = "landreg-field";
  let dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise((resolve, reject) => {
        const open = indexedDB.open(DB_NAME, 1);
        open.onupgradeneeded = () => {
          open.result.createObjectStore("queue", { keyPath: "client_uuid" });
          open.result.createObjectStore("store");
        };
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
    }
    return dbPromise;
  }
  async function tx(storeName, mode, work) {
    const database = await db();
    return new Promise((resolve, reject) => {
      const transaction = database.transaction(storeName, mode);
      const store = transaction.objectStore(storeName);
      let result;
      Promise.resolve(work(store)).then((r) => { result = r; });
      transaction.oncomplete = () => resolve(result);
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error);
    });
  }
  const request = (r) => new Promise((resolve, reject) => { r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); });
  const queueAll = () => tx("queue", "readonly", (s) => request(s.getAll()));
  const queuePut = (item) => tx("queue", "readwrite", (s) => request(s.put(item)));
  const queueDelete = (key) => tx("queue", "readwrite", (s) => request(s.delete(key)));
  const storeGet = (key) => tx("store", "readonly", (s) => request(s.get(key)));
  const storePut = (key, value) => tx("store", "readwrite", (s) => request(s.put(value, key)));

  function uuid4() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  function localDate(date) {
    const d = date || new Date();
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  }
  function shamsi(isoDate) {
    // A date in the Solar Hijri calendar with the Afghan month names (Hamal … Hut) the server sends in the page;
    // the browser's own Persian calendar gives the year, month and day, its Iranian month names are not used.
    try {
      const months = JSON.parse(document.getElementById("shamsi-months").textContent);
      const parts = new Intl.DateTimeFormat("en-u-ca-persian-nu-latn", { day: "numeric", month: "numeric", year: "numeric" })
        .formatToParts(new Date(isoDate + "T12:00:00"));
      const part = (type) => parseInt(parts.find((p) => p.type === type).value, 10);
      const text = `${part("day")} ${months[part("month") - 1]} ${part("year")}`;
      const lang = document.documentElement.lang || "en";
      return lang === "en" ? text : text.replace(/[0-9]/g, (d) => "۰۱۲۳۴۵۶۷۸۹"[d]);
    } catch (e) {
      return isoDate;
    }
  }

  // --- position ---------------------------------------------------------------------------------------------------
  function metres(lat1, lon1, lat2, lon2) {
    const r = 6371008.8, rad = Math.PI / 180;
    const dLat = (lat2 - lat1) * rad, dLon = (lon2 - lon1) * rad;
    const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
    return 2 * r * Math.asin(Math.sqrt(a));
  }
  function showPosition() {
    const p = state.position;
    const text = p
      ? interpolate(gettext("Your position: %(lat)s, %(lon)s (± %(acc)s m)"), { lat: p.lat.toFixed(6), lon: p.lon.toFixed(6), acc: Math.round(p.accuracy) }, true)
      : gettext("No GPS position yet: go outside and allow the location.");
    $("#position").textContent = text;
    $$(".gps-text").forEach((el) => { el.textContent = text; });
  }
  function locate() {
    if (!navigator.geolocation) { showPosition(); return; }
    navigator.geolocation.getCurrentPosition(
      (pos) => { state.position = { lat: pos.coords.latitude, lon: pos.coords.longitude, accuracy: pos.coords.accuracy }; showPosition(); renderList(); },
      () => showPosition(),
      { enableHighAccuracy: true, timeout: 20000, maximumAge: 10000 }
    );
  }

  // --- today's plots ----------------------------------------------------------------------------------------------
  async function loadAssignments() {
    try {
      const response = await fetch(API + "assignments/", { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (response.status === 401 || response.status === 403) { window.location.href = "/field/login/?next=/field/"; return; }
      if (!response.ok) throw new Error(response.statusText);
      const body = await response.json();
      state.assignments = body.assignments;
      await storePut("assignments", body);
      $("#offline-data").hidden = true;
    } catch (e) {
      const saved = await storeGet("assignments");
      state.assignments = saved ? saved.assignments : [];
      $("#offline-data").hidden = false;
    }
    renderList();
  }
  function distanceTo(plot) {
    if (!state.position) return null;
    return metres(state.position.lat, state.position.lon, plot.lat, plot.lon);
  }
  function stageName(plot, code) {
    const stage = plot.shelter && plot.shelter.stages.find((s) => s.code === code);
    return stage ? stage.name : (code || gettext("not started"));
  }
  function renderList() {
    const list = $("#plots");
    const rows = state.assignments.slice().sort((a, b) => (distanceTo(a.plot) ?? 1e12) - (distanceTo(b.plot) ?? 1e12));
    list.replaceChildren();
    $("#no-plots").hidden = rows.length > 0;
    for (const row of rows) {
      const plot = row.plot;
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "plot" + (row.done ? " done" : "");
      button.dataset.plot = plot.id;
      const d = distanceTo(plot);
      const title = document.createElement("strong");
      title.textContent = interpolate(gettext("Plot %(number)s"), { number: plot.number }, true) + " · " + plot.township.code + (plot.block ? " / " + plot.block : "");
      const detail = document.createElement("span");
      detail.className = "muted";
      const parts = [row.purpose === "occupancy" ? gettext("Occupancy check") : gettext("Shelter inspection")];
      if (plot.shelter) parts.push(interpolate(gettext("stage: %(stage)s"), { stage: stageName(plot, plot.shelter.stage_reached) }, true));
      if (d !== null) parts.push(d < 1000 ? `${Math.round(d)} m` : `${(d / 1000).toFixed(1)} km`);
      if (row.done) parts.push(gettext("done"));
      detail.textContent = parts.join(" · ");
      button.append(title, document.createElement("br"), detail);
      button.addEventListener("click", () => openCard(plot));
      item.append(button);
      list.append(item);
    }
  }

  // --- views -----------------------------------------------------------------------------------------------------------
  function show(view) {
    for (const id of ["list-view", "card-view", "inspection-view", "occupancy-view"]) $("#" + id).hidden = id !== view;
    window.scrollTo(0, 0);
  }
  function openCard(plot) {
    state.plot = plot;
    const card = $("#card");
    card.replaceChildren();
    const h = document.createElement("h1");
    h.textContent = interpolate(gettext("Plot %(number)s"), { number: plot.number }, true);
    const facts = document.createElement("dl");
    const add = (label, value) => {
      const dt = document.createElement("dt"); dt.textContent = label;
      const dd = document.createElement("dd"); dd.textContent = value;
      facts.append(dt, dd);
    };
    add(gettext("Township"), `${plot.township.name} (${plot.township.code})`);
    if (plot.block) add(gettext("Block"), plot.block);
    if (plot.area_m2) add(gettext("Area"), `${Math.round(plot.area_m2)} m²`);
    if (plot.household) add(gettext("Household"), `${plot.household.code}${plot.household.head ? " · " + plot.household.head : ""}`);
    if (plot.shelter) {
      add(gettext("Implementing partner"), plot.shelter.partner);
      add(gettext("Stage reached"), stageName(plot, plot.shelter.stage_reached));
      add(gettext("Next stage"), plot.shelter.next_stage ? stageName(plot, plot.shelter.next_stage) : gettext("completed"));
    }
    const d = distanceTo(plot);
    if (d !== null) add(gettext("Distance"), `${Math.round(d)} m`);
    card.append(h, facts);
    $("#start-inspection").hidden = !plot.shelter;
    show("card-view");
  }
  function openInspection() {
    const plot = state.plot;
    const form = $("#inspection-form");
    form.reset();
    $(".error", form).textContent = "";
    $(".plot-number", form).textContent = plot.number;
    const select = $("#stage");
    select.replaceChildren();
    for (const stage of plot.shelter.stages) {
      const option = document.createElement("option");
      option.value = stage.code;
      option.textContent = stage.name;
      if (stage.code === plot.shelter.next_stage) option.selected = true;
      select.append(option);
    }
    renderChecklist();
    showPosition();
    locate();
    show("inspection-view");
  }
  function renderChecklist() {
    const plot = state.plot;
    const stage = plot.shelter.stages.find((s) => s.code === $("#stage").value);
    const box = $("#checklist .items");
    box.replaceChildren();
    for (const item of (stage && stage.checklist) || []) {
      const label = document.createElement("label");
      const input = document.createElement("input");
      input.type = "checkbox"; input.name = "checklist"; input.value = item;
      label.append(input, " " + (CHECKLIST_LABELS[item] || item.replace(/_/g, " ")));
      box.append(label);
    }
  }
  function openOccupancy() {
    const form = $("#occupancy-form");
    form.reset();
    $(".error", form).textContent = "";
    $(".plot-number", form).textContent = state.plot.number;
    showPosition();
    locate();
    show("occupancy-view");
  }

  // --- saving a visit: into the queue first, then sent ----------------------------------------------------------------
  function problem(form, message) {
    $(".error", form).textContent = message;
    return false;
  }
  async function saveVisit(form, kind) {
    const plot = state.plot;
    const data = new FormData(form);
    const photos = Array.from(form.querySelector("input[type=file]").files);
    if (!state.position) return problem(form, gettext("Wait for the GPS position before saving."));
    if (state.position.accuracy > 2 * TOLERANCE) return problem(form, gettext("The GPS fix is not accurate enough yet; wait a moment and update the position."));
    const item = {
      client_uuid: uuid4(),
      kind: kind,
      plot: plot.id,
      plot_number: plot.number,
      lat: state.position.lat,
      lon: state.position.lon,
      accuracy_m: state.position.accuracy,
      remarks: data.get("remarks") || "",
      saved_at: new Date().toISOString(),
      photos: photos.map((file) => ({ name: file.name, type: file.type, blob: file })),
      error: "",
    };
    if (kind === "inspection") {
      if (!data.get("result")) return problem(form, gettext("Say whether the stage passed or failed."));
      if (data.get("result") === "pass" && photos.length === 0) return problem(form, gettext("A passed stage needs at least one photo of the work."));
      item.stage = data.get("stage");
      item.result = data.get("result");
      item.inspected_on = localDate();
      item.checklist = Object.fromEntries(data.getAll("checklist").map((c) => [c, true]));
    } else {
      if (!data.get("finding")) return problem(form, gettext("Say what you found on the plot."));
      item.finding = data.get("finding");
      item.checked_on = localDate();
    }
    // Photos are stored as ArrayBuffers: some browsers cannot keep a File from a camera in IndexedDB.
    for (const photo of item.photos) { photo.blob = await photo.blob.arrayBuffer(); }
    await queuePut(item);
    await renderQueue();
    show("list-view");
    sync();
    return true;
  }

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  async function send(item) {
    const body = new FormData();
    const fields = item.kind === "inspection"
      ? ["client_uuid", "plot", "stage", "result", "inspected_on", "lat", "lon", "accuracy_m", "remarks"]
      : ["client_uuid", "plot", "finding", "checked_on", "lat", "lon", "accuracy_m", "remarks"];
    for (const name of fields) body.append(name, item[name] ?? "");
    if (item.kind === "inspection") body.append("checklist", JSON.stringify(item.checklist || {}));
    for (const photo of item.photos || []) body.append("photos", new Blob([photo.blob], { type: photo.type || "image/jpeg" }), photo.name);
    const url = API + (item.kind === "inspection" ? "inspections/" : "occupancy-checks/");
    return fetch(url, { method: "POST", body, credentials: "same-origin", headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" } });
  }

  async function sync() {
    if (state.syncing || !navigator.onLine) { await renderQueue(); return; }
    state.syncing = true;
    let sent = 0;
    try {
      for (const item of await queueAll()) {
        if (item.error) continue;  // refused: the officer reads why and discards or redoes it
        let response;
        try {
          if (item.attempted && item.kind === "inspection") {
            // Sent before but no answer came back: ask first, so the photos are not uploaded twice.
            const known = await fetch(API + "inspections/" + item.client_uuid + "/", { credentials: "same-origin", headers: { Accept: "application/json" } });
            if (known.status === 200) { await queueDelete(item.client_uuid); sent += 1; continue; }
          }
          item.attempted = true;
          await queuePut(item);
          response = await send(item);
        } catch (e) {
          break;  // no connection after all: try again later
        }
        if (response.status === 200 || response.status === 201) {
          await queueDelete(item.client_uuid);  // 200: the server already had it (a retry); nothing new is made
          sent += 1;
        } else if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
          let detail = response.statusText;
          try { detail = (await response.json()).detail || detail; } catch (e) { /* not JSON */ }
          if (response.status === 401 || response.status === 403) detail = gettext("Log in again to send this visit.") + " " + detail;
          item.error = detail;
          await queuePut(item);
        } else {
          break;  // the server is busy or down: keep the queue as it is
        }
      }
    } finally {
      state.syncing = false;
    }
    if (sent) {
      $("#last-sync").textContent = interpolate(gettext("%(n)s visit(s) sent at %(time)s."), { n: sent, time: new Date().toLocaleTimeString() }, true);
      loadAssignments();
    }
    await renderQueue();
  }

  async function renderQueue() {
    const items = await queueAll();
    const waiting = items.filter((i) => !i.error).length;
    $("#queue-count").textContent = String(items.length);
    $("#queue-panel").dataset.waiting = String(waiting);
    const list = $("#queue");
    list.replaceChildren();
    for (const item of items.sort((a, b) => a.saved_at.localeCompare(b.saved_at))) {
      const li = document.createElement("li");
      li.dataset.uuid = item.client_uuid;
      const what = item.kind === "inspection"
        ? interpolate(gettext("Plot %(number)s: inspection of %(stage)s (%(result)s)"), { number: item.plot_number, stage: item.stage, result: item.result === "pass" ? gettext("passed") : gettext("failed") }, true)
        : interpolate(gettext("Plot %(number)s: occupancy check"), { number: item.plot_number }, true);
      li.textContent = `${what} · ${shamsi(item.inspected_on || item.checked_on)} · ${interpolate(gettext("%(n)s photo(s)"), { n: (item.photos || []).length }, true)}`;
      if (item.error) {
        li.className = "refused";
        const why = document.createElement("p");
        why.className = "error";
        why.textContent = gettext("Refused by the server:") + " " + item.error;
        const discard = document.createElement("button");
        discard.type = "button";
        discard.textContent = gettext("Discard");
        discard.addEventListener("click", async () => { await queueDelete(item.client_uuid); renderQueue(); });
        const retry = document.createElement("button");
        retry.type = "button";
        retry.textContent = gettext("Try again");
        retry.addEventListener("click", async () => { item.error = ""; await queuePut(item); sync(); });
        li.append(why, retry, " ", discard);
      } else {
        li.className = "waiting";
        li.append(" · " + gettext("waiting to sync"));
      }
      list.append(li);
    }
    $("#queue-panel").hidden = items.length === 0 && !$("#last-sync").textContent;
  }

  function showNetwork() {
    const net = $("#net");
    net.textContent = navigator.onLine ? gettext("Online") : gettext("Offline: visits are kept on this phone");
    net.className = "net " + (navigator.onLine ? "online" : "offline");
  }

  // --- wiring ---------------------------------------------------------------------------------------------------------
  $$(".back").forEach((b) => b.addEventListener("click", () => show(state.plot && b.closest("form") ? "card-view" : "list-view")));
  $("#start-inspection").addEventListener("click", openInspection);
  $("#start-occupancy").addEventListener("click", openOccupancy);
  $("#stage").addEventListener("change", renderChecklist);
  $$(".locate").forEach((b) => b.addEventListener("click", locate));
  $("#inspection-form").addEventListener("submit", (e) => { e.preventDefault(); saveVisit(e.target, "inspection"); });
  $("#occupancy-form").addEventListener("submit", (e) => { e.preventDefault(); saveVisit(e.target, "occupancy"); });
  $("#sync-now").addEventListener("click", () => sync());
  // The language switch (webmap/static/webmap/app.js does this on the other field pages; the shell keeps to this file).
  $$("select[data-autosubmit]").forEach((s) => s.addEventListener("change", () => s.form.submit()));
  window.addEventListener("online", () => { showNetwork(); sync(); });
  window.addEventListener("offline", showNetwork);
  setInterval(() => { if (navigator.onLine) sync(); }, 60000);

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/field/sw.js", { scope: "/field/" }).catch(() => { /* pages still work online */ });
  }
  window.landregField = { sync, queueAll, queuePut, renderQueue };  // for the browser tests and the benchmark
  showNetwork();
  showPosition();
  locate();
  loadAssignments().then(() => renderQueue()).then(() => sync());
})();
