/* landreg field pages: service worker (scope /field/). Keeps the app shell and the last list of today's plots
   so the pages open and work without a connection; visits themselves wait in IndexedDB (field.js). */
const VERSION = "{{ version }}";
const SHELL = [{% for url in shell %}"{{ url|escapejs }}"{% if not forloop.last %}, {% endif %}{% endfor %}];
const API_CACHE = VERSION + "-api";

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(VERSION).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== VERSION && k !== API_CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

async function networkFirst(request, cacheName, key) {
  const cache = await caches.open(cacheName);
  try {
    const response = await fetch(request);
    if (response.ok) cache.put(key || request, response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(key || request, { ignoreSearch: true });
    if (cached) return cached;
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;  // visits are sent by the page, which queues them when offline
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === "/api/v1/field/assignments/") {
    event.respondWith(networkFirst(request, API_CACHE, "/api/v1/field/assignments/"));
  } else if (url.pathname === "/api/v1/field/isco/") {
    // The ISCO-08 list the skills profile searches offline (skills.js also keeps it in IndexedDB).
    event.respondWith(networkFirst(request, API_CACHE, "/api/v1/field/isco/"));
  } else if (request.mode === "navigate" && url.pathname === "/field/") {
    event.respondWith(networkFirst(request, VERSION, "/field/"));
  } else if (SHELL.includes(url.pathname) && url.pathname.startsWith("/static/")) {
    // Static files: from the phone first (bandwidth is scarce); a new VERSION replaces them.
    event.respondWith(caches.match(url.pathname).then((cached) => cached || networkFirst(request, VERSION, url.pathname)));
  } else if (SHELL.includes(url.pathname)) {
    event.respondWith(networkFirst(request, VERSION, url.pathname));
  }
});
