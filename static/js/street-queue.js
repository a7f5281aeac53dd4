/* RED LIV: the street tablet's queue of entries, in IndexedDB ("redliv-street").
   Shared by the street pages (street.js), the logout button (logout.js) and the service
   worker (Background Sync), so that there is one definition of the queue.

   Each entry: {key, kind, fields, author, api, page, status, errors, message, code, created, since}.
   It holds the entry's form fields (the note the worker typed among them) and the id of
   the user who made it; nothing else about anyone.

   The state machine (every move is one IndexedDB transaction, `move` below):

       waiting ──claim──▶ sending ──201/200──▶ stored (removed from the tablet)
          ▲                  │ ├──400/409 key_conflict──▶ refused ──corrected──▶ waiting
          │                  │ └──409 wrong_author──────▶ author
          └──network, 5xx, timeout, logged out───┘
       waiting ──made by someone not logged in──▶ author
       author ──its author is logged in──▶ sending (as from waiting)

   A 200 with code "unchanged" is a correction that changed nothing: nothing was stored, and the
   entry leaves the tablet as a stored one does.

   "author" is "waiting for its author to log in": the server stores an entry only for the
   user who made it, so an entry made by someone else waits on the tablet until they log in.
   A "sending" entry whose tab died is taken up again after SENDING_STALE_MS. */
(function (global) {
  "use strict";
  const DB = "redliv-street";
  const VERSION = 2;
  const TIMEOUT_MS = 15000;
  const SENDING_STALE_MS = 25000;  // longer than a send may take: its tab was closed or reloaded
  const HELD_TOO_LONG = "held_too_long";  // the code of a refusal whose date is likely right (street.forms)
  const State = Object.freeze({
    WAITING: "waiting",
    SENDING: "sending",
    REFUSED: "refused",
    AUTHOR: "author",
  });
  // Where each state may go; "stored" and "discarded" remove the entry.
  const MOVES = {
    waiting: ["sending", "author", "discarded"],
    sending: ["stored", "refused", "author", "waiting"],
    refused: ["waiting", "discarded"],
    author: ["sending", "discarded"],
  };
  const channel = typeof BroadcastChannel === "function" ? new BroadcastChannel(DB) : null;

  function open() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB, VERSION);
      request.onupgradeneeded = (event) => {
        const db = request.result;
        if (!db.objectStoreNames.contains("queue")) db.createObjectStore("queue", {keyPath: "key"});
        if (!db.objectStoreNames.contains("meta")) db.createObjectStore("meta", {keyPath: "name"});
        if (event.oldVersion === 1) {
          // Entries from before authors were kept: their author is unknown, the server takes the sender.
          request.transaction.objectStore("queue").openCursor().onsuccess = (e) => {
            const cursor = e.target.result;
            if (!cursor) return;
            const entry = cursor.value;
            if (!("author" in entry)) cursor.update({...entry, author: null});
            cursor.continue();
          };
        }
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
      request.onblocked = () => reject(new Error("blocked"));
    });
  }

  /* One transaction: work(stores) may return a function giving the result once it completes. */
  async function transaction(names, mode, work) {
    const db = await open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(names, mode);
      const stores = Object.fromEntries([].concat(names).map((name) => [name, tx.objectStore(name)]));
      let result;
      try {
        result = work(stores);
      } catch (error) {
        tx.abort();
        db.close();
        reject(error);
        return;
      }
      tx.oncomplete = () => { db.close(); resolve(typeof result === "function" ? result() : result); };
      tx.onerror = tx.onabort = () => { db.close(); reject(tx.error || new Error("aborted")); };
    });
  }

  function changed() {
    if (channel) channel.postMessage("changed");
    if (typeof dispatchEvent === "function" && typeof CustomEvent === "function") {
      dispatchEvent(new CustomEvent("redliv-queue"));
    }
  }

  /* Whether the queue's database is there: reading never creates it. */
  async function exists() {
    if (!indexedDB.databases) return true;
    return (await indexedDB.databases()).some((db) => db.name === DB);
  }

  async function all() {
    if (!(await exists())) return [];
    return transaction("queue", "readonly", (s) => {
      const request = s.queue.getAll();
      return () => request.result.sort((a, b) => a.created - b.created);
    });
  }

  async function add(entry) {
    await transaction("queue", "readwrite", (s) => {
      s.queue.add({errors: [], message: "", ...entry, status: State.WAITING, since: Date.now()});
    });
    changed();
  }

  /* A corrected refused entry replaces it in one transaction (new key when the old one was taken). */
  async function replace(oldKey, entry) {
    await transaction("queue", "readwrite", (s) => {
      const get = s.queue.get(oldKey);
      get.onsuccess = () => {
        const old = get.result;
        if (!old || old.status !== State.REFUSED) throw new Error("not refused");
        if (old.key !== entry.key) s.queue.delete(old.key);
        s.queue.put({...entry, author: old.author, created: old.created, status: State.WAITING,
                     errors: [], message: "", since: Date.now()});
      };
    });
    changed();
  }

  /* The one way an entry changes state: only along MOVES, and only from the state it is in. */
  async function move(key, from, to, patch) {
    const done = await transaction("queue", "readwrite", (s) => {
      let moved = null;
      const get = s.queue.get(key);
      get.onsuccess = () => {
        const entry = get.result;
        if (!entry || ![].concat(from).includes(entry.status) || !MOVES[entry.status].includes(to)) return;
        if (to === "stored" || to === "discarded") s.queue.delete(key);
        else s.queue.put({...entry, ...patch, status: to, since: Date.now()});
        moved = entry;
      };
      return () => moved;
    });
    if (done) changed();
    return done;
  }

  /* Take an entry for sending: waiting, waiting for this user, or left "sending" by a closed tab. */
  async function claim(key, user) {
    const claimed = await transaction("queue", "readwrite", (s) => {
      let claimed = null;
      const get = s.queue.get(key);
      get.onsuccess = () => {
        const entry = get.result;
        if (!entry) return;
        const mine = entry.author === null || entry.author === user;
        const free = entry.status === State.WAITING || entry.status === State.AUTHOR
          || (entry.status === State.SENDING && Date.now() - entry.since > SENDING_STALE_MS);
        if (!free || !mine) return;
        claimed = {...entry, status: State.SENDING, since: Date.now()};
        s.queue.put(claimed);
      };
      return () => claimed;
    });
    if (claimed) changed();
    return claimed;
  }

  function discard(key) { return move(key, [State.WAITING, State.REFUSED, State.AUTHOR], "discarded"); }

  /* Whether an entry is being sent (or was, by a tab closed meanwhile): the server may already have
     stored it, so the tablet cannot take it back. It stays, and a resend is stored once. */
  function inFlight(entry) {
    return entry.status === State.SENDING;
  }

  /* At logout: the user's own entries named in `discard` (the ones the worker confirmed deleting)
     go, unless one started sending since; nobody else's ever. Returns how many entries stay and the
     confirmed ones that were not deleted because they are being sent. When the queue is left empty, the
     names remembered for it go too, in the same transaction (see forgetIfEmpty). */
  async function leave(user, discard) {
    const wanted = new Set(discard || []);
    const result = await transaction(["queue", "meta"], "readwrite", (s) => {
      const request = s.queue.getAll();
      const outcome = {left: 0, sending: []};
      request.onsuccess = () => {
        for (const entry of request.result) {
          const mine = entry.author === user || entry.author === null;
          if (mine && wanted.has(entry.key) && !inFlight(entry)) {
            s.queue.delete(entry.key);
            continue;
          }
          if (mine && wanted.has(entry.key)) outcome.sending.push(entry.key);
          outcome.left += 1;
        }
        if (outcome.left === 0) s.meta.clear();
      };
      return () => outcome;
    });
    changed();
    return result;
  }

  /* At the end of a logout: what the tablet remembers for the queue (the names of venues and of those who
     logged in here, the logout's note) goes only if no entry is in it now, and in the same transaction that
     found it empty. An entry saved meanwhile in another tab (a page left open, which does not know yet) is
     saved before that transaction or after it, never lost; it waits for its author to log in. The database
     itself is not deleted: its deletion came a few milliseconds after the check, and an entry saved in
     between went with it. */
  async function forgetIfEmpty() {
    if (!(await exists())) return;
    await transaction(["queue", "meta"], "readwrite", (s) => {
      const request = s.queue.count();
      request.onsuccess = () => {
        if (request.result === 0) s.meta.clear();
      };
    });
  }

  /* Whether a logout noted on this tablet ({user, loginAt}: logout.js) is about the session of `user` that
     began at `loginAt`. Both are the server's (its seconds since 1970, from the page): the tablet's own
     clock, minutes ahead or behind, is not asked. A note kept by an older version ({user, at}, the
     tablet's time of the logout) is judged as it was then. */
  function sameSession(pending, user, loginAt) {
    if (!pending || pending.user !== user) return false;
    if (typeof pending.loginAt === "number") return pending.loginAt === loginAt;
    return !(loginAt * 1000 > pending.at);
  }

  async function getMeta(name) {
    if (!(await exists())) return undefined;
    return transaction("meta", "readonly", (s) => {
      const request = s.meta.get(name);
      return () => request.result && request.result.value;
    });
  }
  function setMeta(name, value) {
    return transaction("meta", "readwrite", (s) => {
      if (value === undefined) s.meta.delete(name);
      else s.meta.put({name, value});
    });
  }

  /* Told, whenever the server says who is logged in, how far this tablet's clock is behind the server's (ms;
     negative: ahead) and how uncertain that is (half the round trip): street.js warns the worker. */
  const clockListeners = [];
  function onClock(listener) { clockListeners.push(listener); }

  /* Ask the server who is logged in, with the CSRF token to send with. null: logged out. */
  async function session(url) {
    const sent = Date.now();
    const response = await fetch(url, {credentials: "same-origin", redirect: "manual", cache: "no-store",
                                       headers: {"Accept": "application/json"}});
    const received = Date.now();
    if (response.status === 200) {
      const who = await response.json();
      // The server's time, against this tablet's clock at the middle of the round trip (off by at most half of it).
      if (typeof who.now === "number") {
        clockListeners.forEach((listener) => listener(who.now - (sent + received) / 2, (received - sent) / 2));
      }
      return who;
    }
    if (response.status === 401 || response.status === 403 || response.type === "opaqueredirect") return null;
    const error = new Error("server");
    error.server = true;
    throw error;
  }

  async function sendOne(entry, csrf, warnings) {
    const controller = typeof AbortController === "function" ? new AbortController() : null;
    const timer = controller && setTimeout(() => controller.abort(), TIMEOUT_MS);
    let response, body;
    try {
      response = await fetch(entry.api, {
        method: "POST", credentials: "same-origin", redirect: "manual", signal: controller && controller.signal,
        headers: {"Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json"},
        body: JSON.stringify(entry.author === null
          ? {kind: entry.kind, fields: entry.fields}
          : {kind: entry.kind, fields: entry.fields, author: entry.author}),
      });
      body = await response.json().catch(() => ({}));
    } catch (error) {
      await move(entry.key, State.SENDING, State.WAITING);
      return error && error.name === "AbortError" ? "server" : "offline";
    } finally {
      if (timer) clearTimeout(timer);
    }
    if (response.status === 201 || response.status === 200) {
      await move(entry.key, State.SENDING, "stored");
      if (body.warning) warnings.push(body.warning);  // stored, with a word for the worker (a name in a note)
      if (response.status === 201) return "stored";
      return body.code === "unchanged" ? "unchanged" : "already";  // unchanged: a correction that changed nothing
    }
    if (response.status === 409 && body.code === "wrong_author") {
      await move(entry.key, State.SENDING, State.AUTHOR);
      return "author";
    }
    if (response.status === 400 || response.status === 409) {
      await move(entry.key, State.SENDING, State.REFUSED, {
        conflict: response.status === 409, errors: body.errors || [], message: body.message || "",
        code: body.code || "",
      });
      // "held": it waited on the tablet too long to be taken from its author, its date likely right (the server's
      // message says what to do); it stays refused on the tablet until it is deleted.
      return body.code === HELD_TOO_LONG ? "held" : "refused";
    }
    await move(entry.key, State.SENDING, State.WAITING);
    if (response.status === 401 || response.status === 403 || response.type === "opaqueredirect") return "login";
    return "server";
  }

  /* Send what the logged-in user may send. Returns the outcomes and the session's user. */
  let running = null;
  function sendAll(sessionUrl) {
    if (!running) running = sendAllNow(sessionUrl).finally(() => { running = null; });
    return running;
  }
  async function sendAllNow(sessionUrl) {
    const result = {stored: 0, already: 0, unchanged: 0, refused: 0, held: 0, author: 0, login: false,
                    offline: false, server: false, warnings: []};
    const pending = (await all()).filter((e) => e.status !== State.REFUSED);
    if (!pending.length) return result;
    let who;
    try {
      who = await session(sessionUrl);
    } catch (error) {
      result[error && error.server ? "server" : "offline"] = true;
      return result;
    }
    if (!who) { result.login = true; return result; }
    result.user = who.user;
    result.loginAt = who.loginAt;
    result.csrf = who.csrf;  // the session's token, which every entry below is sent with
    for (const waiting of pending) {
      if (waiting.author !== null && waiting.author !== who.user) {
        // Someone else's: it waits for its author, and is not sent in another's name.
        if (waiting.status === State.WAITING) await move(waiting.key, State.WAITING, State.AUTHOR);
        result.author += 1;
        continue;
      }
      const entry = await claim(waiting.key, who.user);
      if (!entry) continue;  // another tab is sending it
      const outcome = await sendOne(entry, who.csrf, result.warnings);
      if (outcome === "login") { result.login = true; break; }
      if (outcome === "offline" || outcome === "server") { result[outcome] = true; break; }
      result[outcome] += 1;
    }
    return result;
  }

  /* Say in `box` (a status region: data-one, data-many, "%s" for the number) how many entries wait on the tablet,
     of anyone: after a logout (the login page, the "logged out" page) that nothing was lost, without naming whose. */
  async function sayKept(box) {
    if (!box) return;
    const count = (await all().catch(() => [])).length;
    if (!count) return;
    const line = document.createElement("p");
    line.className = "alert alert-info";
    line.textContent = (count === 1 ? box.dataset.one : box.dataset.many).replace("%s", String(count));
    box.replaceChildren(line);
  }

  global.RedlivQueue = {
    State, HELD_TOO_LONG, all, add, replace, move, claim, discard, inFlight, leave, forgetIfEmpty, sameSession,
    getMeta, setMeta, session, onClock, sendAll, sayKept, channel,
  };
})(typeof self !== "undefined" ? self : window);
