/* landreg field pages: today's plots nearest first, a plot's card, inspections and occupancy checks with the
   camera and the device GPS, and complaints (a dispute on a plot among them) heard in the field. Offline first: visits wait in IndexedDB with a UUID made on the phone and are sent
   when the connection returns; the server answers a UUID it has seen with the visit it already made, so a
   retry never duplicates. No map library: distances are computed here, to the edge of the plot's outline as the
   server measures them (docs/field.md), so a visit off the plot is refused on site, not after sync. */
(function () {
  "use strict";
  // Called by name, so `makemessages -d djangojs` finds every string.
  const gettext = window.gettext || ((s) => s);
  const interpolate = window.interpolate || ((fmt, obj) => fmt.replace(/%\((\w+)\)s/g, (_, k) => obj[k]));
  const app = document.getElementById("app");
  if (!app) return;
  const API = app.dataset.api;
  const LANG = document.documentElement.lang || "en";
  // Every request says the page's language, so the server's sentences (a refusal) come back in it.
  const HEADERS = { Accept: "application/json", "Accept-Language": LANG };
  // The server's tolerance (LANDREG_INSPECTION_TOLERANCE_M): from the page, then from the list of plots it sends.
  let TOLERANCE = parseFloat(app.dataset.tolerance || "30");
  const MAX_PHOTO_BYTES = parseInt(app.dataset.maxPhotoBytes || "0", 10);
  // A position is used for a visit only while it says where the officer stands now: at most this old (a fix from
  // the previous plot is not one from this plot) and accurate to the tolerance (the server accepts a fix up to twice
  // the tolerance, but then it cannot tell whether the officer stands on the plot).
  const POSITION_MAX_AGE_S = 120;
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));

  const state = { position: null, assignments: [], plot: null, syncing: false, grievanceKind: "general" };
  // Other kinds of form share this queue (border.js: families registered at a crossing point; survey.js: survey
  // rounds): each says how it is sent, what its answer means, and how the queue names it.
  const kinds = {};
  function registerKind(kind, handlers) { kinds[kind] = handlers; }
  // The views other scripts add (border-view, survey-view…): show() hides them with the others.
  const views = ["list-view", "card-view", "inspection-view", "occupancy-view", "grievance-view"];

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

  // --- numbers and units in the page's language: "75 m" in English, "۷۵ متر" in Dari and Pashto -------------------
  function localDigits(text) {
    if (LANG === "en") return text;
    return text.replace(/[0-9,.]/g, (c) => (c === "," ? "٬" : c === "." ? "٫" : "۰۱۲۳۴۵۶۷۸۹"[c]));
  }
  function num(value, places) {
    const p = places || 0;
    return localDigits(Number(value).toLocaleString("en-US", { minimumFractionDigits: p, maximumFractionDigits: p }));
  }
  const unbroken = (text) => text.replace(/ /g, "\u00a0");  // a number and its unit stay on one line
  function metresText(d) {
    return unbroken(d < 1000
      ? interpolate(gettext("%(n)s m"), { n: num(Math.round(d)) }, true)
      : interpolate(gettext("%(n)s km"), { n: num(d / 1000, 1) }, true));
  }
  function bytesText(bytes) {
    return unbroken(bytes < 1048576
      ? interpolate(gettext("%(n)s KB"), { n: num(Math.max(1, Math.round(bytes / 1024))) }, true)
      : interpolate(gettext("%(n)s MB"), { n: num(bytes / 1048576, 1) }, true));
  }

  // --- the distance to a plot, as the server measures it -----------------------------------------------------------
  // The server measures from the GPS point to the plot's outline (0 inside) in the township's UTM zone
  // (shelter_plot_distance_m). Here: the outline is projected onto a plane tangent at the point with the WGS 84
  // ellipsoid's radii of curvature there (true ground metres, to the millimetre at the size of a plot), then scaled
  // by the UTM zone's scale factor at the point, which is what the server's grid metres are.
  const RAD = Math.PI / 180;
  const WGS84_A = 6378137, WGS84_E2 = 0.00669437999014;
  function utmScale(lat, lon, utmSrid) {
    if (!utmSrid) return 1;  // a township without a zone: the server measures on the ellipsoid
    const centralMeridian = -183 + 6 * (utmSrid % 100);
    const b = Math.cos(lat * RAD) * Math.sin((lon - centralMeridian) * RAD);
    return 0.9996 / Math.sqrt(1 - b * b);
  }
  function segmentFromOrigin(a, b) {
    const dx = b[0] - a[0], dy = b[1] - a[1];
    const length2 = dx * dx + dy * dy;
    const t = length2 ? Math.max(0, Math.min(1, -(a[0] * dx + a[1] * dy) / length2)) : 0;
    return Math.hypot(a[0] + t * dx, a[1] + t * dy);
  }
  function plotEdgeMetres(outline, lat, lon, utmSrid) {
    const sin = Math.sin(lat * RAD), w = 1 - WGS84_E2 * sin * sin;
    const east = (WGS84_A / Math.sqrt(w)) * Math.cos(lat * RAD) * RAD;  // metres per degree of longitude
    const north = ((WGS84_A * (1 - WGS84_E2)) / (w * Math.sqrt(w))) * RAD;  // metres per degree of latitude
    const polygons = outline.type === "MultiPolygon" ? outline.coordinates : [outline.coordinates];
    let nearest = Infinity;
    for (const rings of polygons) {
      let inside = false;  // even-odd over the outer ring and its holes: a point in a hole is outside
      for (const ring of rings) {
        const xy = ring.map((c) => [(c[0] - lon) * east, (c[1] - lat) * north]);
        for (let i = 0, j = xy.length - 1; i < xy.length; j = i++) {
          const [xi, yi] = xy[i], [xj, yj] = xy[j];
          if ((yi > 0) !== (yj > 0) && 0 < ((xj - xi) * -yi) / (yj - yi) + xi) inside = !inside;
          nearest = Math.min(nearest, segmentFromOrigin(xy[j], xy[i]));
        }
      }
      if (inside) return 0;
    }
    return nearest * utmScale(lat, lon, utmSrid);
  }

  // --- position ---------------------------------------------------------------------------------------------------
  function showPosition() {
    const p = state.position;
    const text = p
      ? interpolate(gettext("Your position: %(lat)s, %(lon)s (± %(acc)s m)"), { lat: localDigits(p.lat.toFixed(6)), lon: localDigits(p.lon.toFixed(6)), acc: num(Math.round(p.accuracy)) }, true)
      : gettext("No GPS position yet: go outside and allow the location.");
    $("#position").textContent = text;
    $$(".gps-text").forEach((el) => { el.textContent = text; });
    showOnPlot();
  }
  function located(pos) {
    state.position = {
      lat: pos.coords.latitude,
      lon: pos.coords.longitude,
      accuracy: pos.coords.accuracy,
      // When the fix arrived: every request asks for a new one (maximumAge 0), and the phone's own clock is the one
      // the age is judged by (a fix's timestamp comes from the GPS or the system and may disagree with it).
      at: Date.now(),
    };
    showPosition();
    renderList();
  }
  function locate() {
    if (!navigator.geolocation) { showPosition(); return; }
    navigator.geolocation.getCurrentPosition(located, () => showPosition(), { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 });
  }
  // While a visit's form is open, the position follows the phone and its distance to the plot is shown live.
  let watchId = null, ticker = null;
  function followPosition(on) {
    if (watchId !== null) { navigator.geolocation.clearWatch(watchId); watchId = null; }
    if (ticker !== null) { clearInterval(ticker); ticker = null; }
    if (!on) return;
    if (navigator.geolocation) {
      watchId = navigator.geolocation.watchPosition(located, () => showPosition(), { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 });
    }
    ticker = setInterval(showOnPlot, 5000);  // a position grows old while the officer waits
  }
  function positionProblem() {
    const p = state.position;
    if (!p) return gettext("Wait for the GPS position before saving.");
    const age = (Date.now() - p.at) / 1000;
    if (age > POSITION_MAX_AGE_S) {
      return interpolate(gettext("Your position is %(min)s minutes old: update the position where you stand."), { min: num(Math.floor(age / 60)) }, true);
    }
    if (p.accuracy > TOLERANCE) {
      return interpolate(gettext("The GPS fix is accurate only to ± %(acc)s; wait in the open and update the position (± %(max)s or better)."), { acc: metresText(p.accuracy), max: metresText(TOLERANCE) }, true);
    }
    return "";
  }
  function edgeDistance(plot) {
    if (!state.position || !plot.outline) return null;
    return plotEdgeMetres(plot.outline, state.position.lat, state.position.lon, plot.township.utm_srid);
  }
  // Whether a visit to the plot may be saved from where the phone is: { ok, message } (the reason when not).
  function onPlot(plot) {
    const problem = positionProblem();
    if (problem) return { ok: false, message: problem };
    const d = edgeDistance(plot);
    if (d === null) return { ok: true, message: "" };  // no outline kept: the server measures
    const values = { d: metresText(d), number: plot.number, tol: metresText(TOLERANCE) };
    if (d > TOLERANCE) {
      return { ok: false, message: interpolate(gettext("You are %(d)s from the edge of plot %(number)s; a visit is accepted within %(tol)s. Move closer to the plot and update the position."), values, true) };
    }
    return { ok: true, message: d === 0 ? interpolate(gettext("You stand on plot %(number)s."), values, true) : interpolate(gettext("You are %(d)s from the edge of plot %(number)s: within %(tol)s."), values, true) };
  }
  function showOnPlot() {
    const rule = interpolate(gettext("A position older than %(min)s minutes, or less accurate than ± %(tol)s, is not used: update it on the plot."), { min: num(POSITION_MAX_AGE_S / 60), tol: metresText(TOLERANCE) }, true);
    for (const form of $$("#inspection-form, #occupancy-form")) {
      $(".position-rule", form).textContent = rule;
      const line = $(".on-plot", form);
      if (!state.plot || form.closest("section").hidden) { line.textContent = ""; continue; }
      const check = onPlot(state.plot);
      line.textContent = check.message;
      line.className = "on-plot " + (check.ok ? "ok" : "bad");
      const error = $(".error", form);
      if (check.ok && error.dataset.position) { error.textContent = ""; delete error.dataset.position; }
    }
  }

  // --- today's plots ----------------------------------------------------------------------------------------------
  async function loadAssignments() {
    try {
      const response = await fetch(API + "assignments/", { credentials: "same-origin", headers: HEADERS });
      if (response.status === 401 || response.status === 403) { window.location.href = "/field/login/?next=/field/"; return; }
      if (!response.ok) throw new Error(response.statusText);
      const body = await response.json();
      state.assignments = body.assignments;
      if (body.tolerance_m) TOLERANCE = body.tolerance_m;
      await storePut("assignments", body);
      $("#offline-data").hidden = true;
      state.assignmentsBody = body;
    } catch (e) {
      const saved = await storeGet("assignments");
      state.assignments = saved ? saved.assignments : [];
      state.assignmentsBody = saved || {};
      if (saved && saved.tolerance_m) TOLERANCE = saved.tolerance_m;
      $("#offline-data").hidden = false;
    }
    renderList();
    // The rest of the day's work in the same answer (survey rounds due): survey.js draws it.
    document.dispatchEvent(new CustomEvent("landreg:assignments", { detail: state.assignmentsBody }));
  }
  const distanceTo = edgeDistance;  // sorting uses whatever position there is; saving checks its age
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
      if (d !== null) parts.push(metresText(d));
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
    for (const id of views) $("#" + id).hidden = id !== view;
    followPosition(view === "inspection-view" || view === "occupancy-view");
    showOnPlot();
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
    if (plot.area_m2) add(gettext("Area"), interpolate(gettext("%(n)s m²"), { n: num(Math.round(plot.area_m2)) }, true));
    if (plot.household) add(gettext("Household"), `${plot.household.code}${plot.household.head ? " · " + plot.household.head : ""}`);
    if (plot.shelter) {
      add(gettext("Implementing partner"), plot.shelter.partner);
      add(gettext("Stage reached"), stageName(plot, plot.shelter.stage_reached));
      add(gettext("Next stage"), plot.shelter.next_stage ? stageName(plot, plot.shelter.next_stage) : gettext("completed"));
    }
    const d = distanceTo(plot);
    if (d !== null) add(gettext("Distance to the plot's edge"), metresText(d));
    card.append(h, facts);
    $("#start-inspection").hidden = !plot.shelter;
    show("card-view");
  }
  function openInspection() {
    const plot = state.plot;
    const form = $("#inspection-form");
    form.reset();
    renderPreviews(form);
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
    show("inspection-view");
    showPosition();
  }
  function renderChecklist() {
    const plot = state.plot;
    const stage = plot.shelter.stages.find((s) => s.code === $("#stage").value);
    const box = $("#checklist .items");
    box.replaceChildren();
    // The labels come with the list of plots, in the page's language (kept on the phone with it).
    const items = (stage && (stage.items || (stage.checklist || []).map((code) => ({ code, label: code.replace(/_/g, " ") })))) || [];
    for (const item of items) {
      const label = document.createElement("label");
      const input = document.createElement("input");
      input.type = "checkbox"; input.name = "checklist"; input.value = item.code;
      label.append(input, " " + item.label);
      box.append(label);
    }
  }
  function openOccupancy() {
    const form = $("#occupancy-form");
    form.reset();
    renderPreviews(form);
    $(".error", form).textContent = "";
    $(".plot-number", form).textContent = state.plot.number;
    show("occupancy-view");
    showPosition();
  }

  // --- a complaint heard in the field: about nothing in particular, about the plot, or a dispute over its land -------
  // It waits in the same queue as the visits, with its own UUID; the server records a UUID once, and answers the
  // reference the officer gives the complainant (kept on the phone in "Complaints recorded").
  function openGrievance(kind) {
    const form = $("#grievance-form");
    form.reset();
    state.grievanceKind = kind;
    $(".error", form).textContent = "";
    const title = $(".grievance-title", form);
    title.textContent = interpolate(title.dataset[kind], { number: state.plot ? state.plot.number : "" }, true);
    $(".dispute-only", form).hidden = kind !== "dispute";
    $(".category-field", form).hidden = kind === "dispute";  // a dispute is a land dispute
    $(".province-field", form).hidden = kind !== "general";  // a plot says its province
    $("#grievance-language").value = LANG;
    show("grievance-view");
  }
  async function saveGrievance(form) {
    const kind = state.grievanceKind;
    const data = new FormData(form);
    const description = (data.get("description") || "").trim();
    if (!description) return problem(form, gettext("Write what the complainant says."));
    const plot = kind === "general" ? null : state.plot;
    const category = kind === "dispute" ? "land_dispute" : data.get("category");
    const select = $("#grievance-category");
    const item = {
      client_uuid: uuid4(),
      kind: "grievance",
      dispute: kind === "dispute",
      category: category,
      // The queue shows the category's name in the page's language.
      category_name: kind === "dispute" ? gettext("Dispute on the plot") : select.options[select.selectedIndex].text,
      plot: plot ? plot.id : "",
      plot_number: plot ? plot.number : "",
      province: plot ? "" : data.get("province"),
      description: description,
      language: data.get("language") || LANG,
      anonymous: data.get("anonymous") === "on",
      consent_to_share: data.get("consent_to_share") === "on",
      recorded_on: localDate(),
      saved_at: new Date().toISOString(),
      error: "",
    };
    await queuePut(item);
    form.reset();
    await renderQueue();
    show(plot ? "card-view" : "list-view");
    sync();
    return true;
  }
  async function grievanceRecorded(item, body) {
    // The last references recorded from this phone, newest first: the complainant may come back for theirs.
    const kept = (await storeGet("grievances_sent")) || [];
    const entry = { reference: body.reference, category_name: item.category_name, plot_number: item.plot_number, recorded_on: item.recorded_on };
    await storePut("grievances_sent", [entry, ...kept.filter((k) => k.reference !== body.reference)].slice(0, 30));
  }
  async function renderGrievancesSent() {
    const kept = (await storeGet("grievances_sent")) || [];
    const list = $("#grievance-references");
    list.replaceChildren();
    for (const entry of kept) {
      const li = document.createElement("li");
      const reference = document.createElement("strong");
      reference.className = "reference";
      reference.dir = "ltr";
      reference.textContent = entry.reference;
      const about = entry.plot_number ? interpolate(gettext("plot %(number)s"), { number: entry.plot_number }, true) : "";
      li.append(reference, " · " + [entry.category_name, about, shamsi(entry.recorded_on)].filter(Boolean).join(" · "));
      list.append(li);
    }
    $("#grievances-sent").hidden = kept.length === 0;
  }

  // --- the photos chosen, shown before the visit is saved ----------------------------------------------------------------
  const previewUrls = new Map();  // form id → the object URLs of its previews, released when the choice changes
  function renderPreviews(form) {
    for (const url of previewUrls.get(form.id) || []) URL.revokeObjectURL(url);
    const urls = [];
    const box = $(".previews", form);
    box.replaceChildren();
    for (const file of form.querySelector("input[type=file]").files) {
      const url = URL.createObjectURL(file);
      urls.push(url);
      const item = document.createElement("li");
      const img = document.createElement("img");
      img.src = url;
      img.alt = file.name;
      const caption = document.createElement("span");
      caption.textContent = `${file.name} · ${bytesText(file.size)}`;
      if (MAX_PHOTO_BYTES && file.size > MAX_PHOTO_BYTES) {
        item.className = "too-large";
        caption.textContent += " · " + interpolate(gettext("larger than %(max)s: take it again"), { max: bytesText(MAX_PHOTO_BYTES) }, true);
      }
      item.append(img, caption);
      box.append(item);
    }
    previewUrls.set(form.id, urls);
  }

  // --- saving a visit: into the queue first, then sent ----------------------------------------------------------------
  function problem(form, message, position) {
    const error = $(".error", form);
    error.textContent = message;
    if (position) error.dataset.position = "1"; else delete error.dataset.position;  // cleared once on the plot
    return false;
  }
  async function saveVisit(form, kind) {
    const plot = state.plot;
    const data = new FormData(form);
    const photos = Array.from(form.querySelector("input[type=file]").files);
    const here = onPlot(plot);
    if (!here.ok) { showOnPlot(); return problem(form, here.message, true); }
    if (MAX_PHOTO_BYTES && photos.some((file) => file.size > MAX_PHOTO_BYTES)) {
      return problem(form, interpolate(gettext("A photo is larger than %(max)s; take it again or choose another."), { max: bytesText(MAX_PHOTO_BYTES) }, true));
    }
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
      item.stage_name = stageName(plot, item.stage);  // the queue shows the name, in the page's language
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
    form.reset();
    renderPreviews(form);
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
    if (kinds[item.kind]) return kinds[item.kind].send(item);
    if (item.kind === "grievance") {
      const fields = ["client_uuid", "category", "plot", "province", "description", "language", "anonymous", "consent_to_share", "dispute"];
      const payload = Object.fromEntries(fields.filter((name) => item[name] !== "").map((name) => [name, item[name]]));
      payload.recorded_at = item.saved_at;  // when the complainant was heard, not when the phone found a network
      return fetch(API + "grievances/", {
        method: "POST",
        body: JSON.stringify(payload),
        credentials: "same-origin",
        headers: { ...HEADERS, "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      });
    }
    const body = new FormData();
    const fields = item.kind === "inspection"
      ? ["client_uuid", "plot", "stage", "result", "inspected_on", "lat", "lon", "accuracy_m", "remarks"]
      : ["client_uuid", "plot", "finding", "checked_on", "lat", "lon", "accuracy_m", "remarks"];
    for (const name of fields) body.append(name, item[name] ?? "");
    if (item.kind === "inspection") body.append("checklist", JSON.stringify(item.checklist || {}));
    for (const photo of item.photos || []) body.append("photos", new Blob([photo.blob], { type: photo.type || "image/jpeg" }), photo.name);
    const url = API + (item.kind === "inspection" ? "inspections/" : "occupancy-checks/");
    return fetch(url, { method: "POST", body, credentials: "same-origin", headers: { ...HEADERS, "X-CSRFToken": csrfToken() } });
  }

  async function sync() {
    if (state.syncing || !navigator.onLine) { await renderQueue(); return; }
    state.syncing = true;
    let sent = 0, complaints = 0;
    const others = {};  // kind → how many were recorded
    try {
      for (const item of await queueAll()) {
        if (item.error) continue;  // refused: the officer reads why and discards or redoes it
        let response;
        try {
          if (item.attempted && item.kind === "inspection") {
            // Sent before but no answer came back: ask first, so the photos are not uploaded twice.
            const known = await fetch(API + "inspections/" + item.client_uuid + "/", { credentials: "same-origin", headers: HEADERS });
            if (known.status === 200) { await queueDelete(item.client_uuid); sent += 1; continue; }
          }
          item.attempted = true;
          await queuePut(item);
          response = await send(item);
        } catch (e) {
          break;  // no connection after all: try again later
        }
        if (response.status === 200 || response.status === 201) {
          if (kinds[item.kind]) {
            let body = null;
            try { body = await response.json(); } catch (e) { /* the answer was cut: the retry answers it again */ }
            if (!body) break;
            await kinds[item.kind].recorded(item, body);
            others[item.kind] = (others[item.kind] || 0) + 1;
          } else if (item.kind === "grievance") {
            let body = null;
            try { body = await response.json(); } catch (e) { /* the answer was cut: the retry answers it again */ }
            if (!body || !body.reference) break;
            await grievanceRecorded(item, body);
            complaints += 1;
          } else {
            sent += 1;
          }
          await queueDelete(item.client_uuid);  // 200: the server already had it (a retry); nothing new is made
        } else if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
          let detail = response.statusText, body = null;
          try { body = await response.json(); detail = body.detail || detail; } catch (e) { /* not JSON */ }
          // A kind may keep what the refusal says (skills.js: the profile changed at the office meanwhile).
          if (kinds[item.kind] && kinds[item.kind].refused) kinds[item.kind].refused(item, body, response.status);
          // A refusal of a complaint is the service's sentence (a plot disputed already, outside the officer's provinces).
          if (response.status === 401 || (response.status === 403 && item.kind !== "grievance" && !kinds[item.kind])) detail = gettext("Log in again to send this visit.") + " " + detail;
          item.error = detail;
          await queuePut(item);
        } else {
          break;  // the server is busy or down: keep the queue as it is
        }
      }
    } finally {
      state.syncing = false;
    }
    const time = localDigits(new Date().toLocaleTimeString("en-GB"));
    const said = [];
    if (sent) said.push(interpolate(gettext("%(n)s visit(s) sent at %(time)s."), { n: num(sent), time }, true));
    if (complaints) said.push(interpolate(gettext("%(n)s complaint(s) recorded at %(time)s."), { n: num(complaints), time }, true));
    for (const [kind, n] of Object.entries(others)) said.push(kinds[kind].summary(n, time));
    if (said.length) {
      $("#last-sync").textContent = said.join(" ");
      loadAssignments();  // online again: today's work from the server, not the phone's copy
    }
    for (const kind of Object.keys(others)) if (kinds[kind].after) await kinds[kind].after();
    await renderQueue();
  }

  function queuedStageName(item) {
    // A visit queued before the name was kept with it: its plot's stages in the list kept on the phone.
    const row = state.assignments.find((a) => a.plot.id === item.plot);
    return row && row.plot.shelter ? stageName(row.plot, item.stage) : item.stage;
  }
  async function renderQueue() {
    const items = await queueAll();
    const waiting = items.filter((i) => !i.error).length;
    $("#queue-count").textContent = num(items.length);
    $("#queue-count").dataset.count = String(items.length);  // the number itself, for scripts and the tests
    $("#queue-panel").dataset.waiting = String(waiting);
    const list = $("#queue");
    list.replaceChildren();
    // A surge fills the queue with hundreds of families: the first ones are drawn, the count says the rest.
    const QUEUE_SHOWN = 200;
    const sorted = items.sort((a, b) => a.saved_at.localeCompare(b.saved_at));
    for (const item of sorted.filter((i) => i.error).concat(sorted.filter((i) => !i.error)).slice(0, QUEUE_SHOWN)) {
      const li = document.createElement("li");
      li.dataset.uuid = item.client_uuid;
      if (kinds[item.kind]) {
        li.textContent = kinds[item.kind].describe(item);
      } else if (item.kind === "grievance") {
        const what = item.plot_number
          ? interpolate(gettext("Plot %(number)s: complaint (%(category)s)"), { number: item.plot_number, category: item.category_name }, true)
          : interpolate(gettext("Complaint (%(category)s)"), { category: item.category_name }, true);
        li.textContent = `${what} · ${shamsi(item.recorded_on)}`;
      } else {
        const what = item.kind === "inspection"
          ? interpolate(gettext("Plot %(number)s: inspection of %(stage)s (%(result)s)"), { number: item.plot_number, stage: item.stage_name || queuedStageName(item), result: item.result === "pass" ? gettext("passed") : gettext("failed") }, true)
          : interpolate(gettext("Plot %(number)s: occupancy check"), { number: item.plot_number }, true);
        li.textContent = `${what} · ${shamsi(item.inspected_on || item.checked_on)} · ${interpolate(gettext("%(n)s photo(s)"), { n: num((item.photos || []).length) }, true)}`;
      }
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
        const handlers = kinds[item.kind] || {};
        retry.textContent = (handlers.retryLabel && handlers.retryLabel(item)) || gettext("Try again");
        retry.className = "retry";
        retry.addEventListener("click", async () => {
          if (handlers.retry) handlers.retry(item);
          item.error = ""; await queuePut(item); sync();
        });
        li.append(why, retry, " ", discard);
      } else {
        li.className = "waiting";
        li.append(" · " + gettext("waiting to sync"));
      }
      list.append(li);
    }
    $("#queue-panel").hidden = items.length === 0 && !$("#last-sync").textContent;
    await renderGrievancesSent();
    document.dispatchEvent(new CustomEvent("landreg:queue", { detail: items }));
  }

  function showNetwork() {
    const net = $("#net");
    net.textContent = navigator.onLine ? gettext("Online") : gettext("Offline: visits are kept on this phone");
    net.className = "net " + (navigator.onLine ? "online" : "offline");
  }

  // --- wiring ---------------------------------------------------------------------------------------------------------
  $$(".back").forEach((b) => b.addEventListener("click", () => {
    if (b.dataset.back) { show(b.dataset.back); return; }  // a form not about a plot (border, survey)
    const general = b.closest("#grievance-form") && state.grievanceKind === "general";
    show(state.plot && b.closest("form") && !general ? "card-view" : "list-view");
  }));
  $("#start-grievance").addEventListener("click", () => openGrievance("general"));
  $("#start-plot-grievance").addEventListener("click", () => openGrievance("plot"));
  $("#start-dispute").addEventListener("click", () => openGrievance("dispute"));
  $("#grievance-form").addEventListener("submit", (e) => { e.preventDefault(); saveGrievance(e.target); });
  $("#start-inspection").addEventListener("click", openInspection);
  $("#start-occupancy").addEventListener("click", openOccupancy);
  $("#stage").addEventListener("change", renderChecklist);
  $$(".locate").forEach((b) => b.addEventListener("click", locate));
  $$("#inspection-form input[type=file], #occupancy-form input[type=file]").forEach((input) => input.addEventListener("change", () => renderPreviews(input.form)));
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
  // For border.js, survey.js and skills.js, which add their forms to the same queue, and for the browser tests and
  // the benchmark (plotEdgeMetres is checked against PostGIS).
  window.landregField = {
    API, HEADERS, LANG, state, views, registerKind, show, sync, queueAll, queuePut, queueDelete, renderQueue,
    storeGet, storePut, tx, request, uuid4, localDate, shamsi, num, localDigits, csrfToken, plotEdgeMetres, loadAssignments,
  };
  function start() {
    showNetwork();
    showPosition();
    locate();
    loadAssignments().then(() => renderQueue()).then(() => sync());
  }
  // The other scripts (deferred after this one) register their kinds before the queue is first sent: deferred
  // scripts all run before DOMContentLoaded.
  if (document.readyState === "complete") start(); else document.addEventListener("DOMContentLoaded", start);
})();
