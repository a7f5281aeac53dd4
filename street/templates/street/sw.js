/* RED LIV street logging: keeps the street pages and their files on the tablet.
   Two caches: the files and the "logged out" page (nothing about anyone), and the pages of
   the logged-in worker, which logging out deletes. Every street page opened online asks
   for a "refresh", which fetches both again, so the pages work offline after any number of
   logouts and logins. Pages: network first, the last copy when offline, and our own "no connection"
   page (kept with the files, nothing about anyone) for a page not kept. Files: cache first.
   Logging out asks this worker to "forget" the pages: a refresh or a page fetched while the logout
   was under way keeps nothing (the generation below), and no page of the worker who logged out is
   kept until the session they left is over (the queue's "logout" note, static/js/logout.js). A refresh from a
   page whose session is over is answered "logged-out", and the pages still open are told "forgotten".
   Entries are sent by the page's queue; Background Sync sends them here when no page is open. */
const VERSION = "{{ version }}";
const FILES = "redliv-street-files-" + VERSION;
const PAGES_CACHE = "redliv-street-pages-" + VERSION;
const ASSETS = {{ assets|safe }};
const PAGES = {{ pages|safe }};
const LOGGED_OUT = "{{ logged_out }}";
const NO_CONNECTION = "{{ no_connection }}";
const SESSION = "{{ session }}";
const QUEUE_SCRIPT = "{{ queue_script }}";
const SCOPE = "{{ scope }}";
importScripts(QUEUE_SCRIPT);  // the queue, for Background Sync

// One more with every logout: a page fetched under an older generation is not kept.
let generation = 0;

/* Whether the pages of this session may be kept: not while its logout is under way or waits for
   the connection (logout.js notes {user, at} in the queue's meta store until the server knows). */
async function mayKeepPages(who) {
  let pending;
  try { pending = await self.RedlivQueue.getMeta("logout"); } catch (error) { pending = null; }
  if (!pending) return true;
  if (!who) return false;  // a refresh that does not say whose pages: none while a logout is pending
  // Another session than the one being logged out: by the server's login times, never the tablet's clock.
  return !self.RedlivQueue.sameSession(pending, who.user, who.loginAt);
}

/* Whether the session the page was made with is still the one logged in on this tablet: the same user,
   logged in at the same time (the server's). A page left open in another tab after a logout is not. */
async function stillLoggedIn(who) {
  const response = await fetch(SESSION, {credentials: "same-origin", redirect: "manual", cache: "no-store",
                                         headers: {"Accept": "application/json"}});
  if (response.status !== 200) {
    if (response.status === 401 || response.status === 403 || response.type === "opaqueredirect") return false;
    throw new Error("server");
  }
  const session = await response.json();
  return session.user === who.user && session.loginAt === who.loginAt;
}

async function keepPage(started, url, response) {
  if (started !== generation || !response.ok || response.redirected) return;
  const pages = await caches.open(PAGES_CACHE);
  if (started === generation) await pages.put(url, response);
}

async function fill(who) {
  const started = generation;
  const files = await caches.open(FILES);
  await Promise.all(ASSETS.map(async (url) => {
    if (!(await files.match(url))) await files.add(url);
  }));
  await Promise.all([LOGGED_OUT, NO_CONNECTION].map(async (url) => {
    const response = await fetch(url, {credentials: "omit"});
    if (response.ok) await files.put(url, response);
  }));
  // A page whose session has ended (logged out in another tab, or since another login) is told so: it may
  // not say it is ready for offline use, and nothing is kept for it.
  if (who && !(await stillLoggedIn(who))) return "logged-out";
  if (!(await mayKeepPages(who))) return "done";
  await Promise.all(PAGES.map(async (url) => {
    const response = await fetch(url, {credentials: "same-origin", cache: "no-store"});
    await keepPage(started, url, response);
  }));
  return "done";
}

async function forget() {
  generation += 1;
  for (const name of await caches.keys()) {
    if (name.startsWith("redliv-street-pages-")) await caches.delete(name);
  }
  // Every street page still open on the tablet (in another tab) is of the session that ended: it no longer
  // says it is ready for offline use, and asks its worker to log in again (static/js/street.js).
  const windows = await self.clients.matchAll({type: "window", includeUncontrolled: true});
  windows.forEach((client) => client.postMessage("forgotten"));
}

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    try { await fill(); } catch (error) { /* offline while installing: filled on the next page */ }
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("redliv-") && name !== FILES && name !== PAGES_CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener("message", (event) => {
  const data = event.data || {};
  const type = typeof data === "string" ? data : data.type;
  const port = event.ports[0];
  const answer = (work) => event.waitUntil(work.then(
    (said) => port && port.postMessage(said || "done"), () => port && port.postMessage("failed")));
  if (type === "refresh") answer(fill(typeof data === "string" ? null : {user: data.user, loginAt: data.loginAt}));
  else if (type === "forget") answer(forget());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (ASSETS.includes(url.pathname)) {
    event.respondWith((async () => {
      const files = await caches.open(FILES);
      const hit = await files.match(url.pathname);
      if (hit) return hit;
      const response = await fetch(request);
      if (response.ok) await files.put(url.pathname, response.clone());
      return response;
    })());
  } else if (url.pathname === LOGGED_OUT || url.pathname === NO_CONNECTION) {
    event.respondWith(caches.match(url.pathname).then((hit) => hit || fetch(request)));
  } else if (url.pathname.startsWith(SCOPE) && (request.mode === "navigate" || PAGES.includes(url.pathname))) {
    event.respondWith((async () => {
      const started = generation;
      try {
        const response = await fetch(request);
        // Only the plain page is kept: "/gade/?kursus=…" is one planned course's form, and kept as
        // "/gade/" it opened offline as that course's form for every course after it.
        if (PAGES.includes(url.pathname) && !url.search && (await mayKeepPages(null))) {
          await keepPage(started, url.pathname, response.clone());
        }
        return response;
      } catch (error) {
        const kept = await caches.match(url.pathname, {cacheName: PAGES_CACHE});
        if (kept) return kept;
        // A page not kept (a correction page, or every page after a logout): ours, not the browser's.
        const ours = request.mode === "navigate" && (await caches.match(NO_CONNECTION, {cacheName: FILES}));
        return ours || Response.error();
      }
    })());
  }
});

/* Background Sync: an open street page sends; with none open, the queue is sent from here. */
self.addEventListener("sync", (event) => {
  if (event.tag !== "redliv-street") return;
  event.waitUntil((async () => {
    // A page opened before this worker took over is not controlled by it, but it sends all the same.
    const windows = await self.clients.matchAll({type: "window", includeUncontrolled: true});
    if (windows.length) {
      windows.forEach((client) => client.postMessage("send"));
      return;
    }
    const result = await self.RedlivQueue.sendAll(SESSION);
    if (result.offline || result.server) throw new Error("retry later");  // the browser tries again
  })());
});
