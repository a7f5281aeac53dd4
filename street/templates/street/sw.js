/* RED LIV street logging: keeps the street pages and their files on the tablet.
   Pages: network first, the last copy when offline. Static files: cache first.
   Entries are never sent from here; the page's queue (IndexedDB) does that. */
const CACHE = "redliv-street-{{ version }}";
const ASSETS = {{ assets|safe }};
const PAGES = {{ pages|safe }};
const SCOPE = "{{ scope }}";

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(ASSETS);
    await Promise.all(PAGES.map(async (url) => {
      try {
        const response = await fetch(url, {credentials: "same-origin"});
        if (response.ok && !response.redirected) await cache.put(url, response);
      } catch (error) { /* offline while installing: cached on the next visit */ }
    }));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("redliv-street-") && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (ASSETS.includes(url.pathname)) {
    event.respondWith(caches.match(url.pathname).then((hit) => hit || fetch(request)));
  } else if (url.pathname.startsWith(SCOPE) && (request.mode === "navigate" || PAGES.includes(url.pathname))) {
    event.respondWith((async () => {
      const cache = await caches.open(CACHE);
      try {
        const response = await fetch(request);
        if (response.ok && !response.redirected) await cache.put(url.pathname, response.clone());
        return response;
      } catch (error) {
        return (await cache.match(url.pathname)) || Response.error();
      }
    })());
  }
});
