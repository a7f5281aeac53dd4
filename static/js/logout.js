/* RED LIV: logging out on a shared tablet.
   The street pages keep a queue of entries (street-queue.js) and copies of the pages in the
   service worker's Cache Storage. On "Log out":
   - none of this worker's entries waiting: their pages' copies are deleted (the files and the
     "logged out" page stay, they hold nothing about anyone), what the queue remembers too (the
     names) if it is empty, and the logout goes ahead;
   - this worker's entries waiting (or refused, still to be corrected): a warning with their
     number. They may log out anyway (their entries stay and are sent when they log in again)
     or delete them, after a confirmation that says how many. An entry being sent at that moment
     is not among them: the server may have it already, so the warning says it is being sent, and
     it is never deleted (a resend is stored once). The numbers follow the queue while shown.
   Other workers' entries are never touched. Without a connection the tablet forgets the pages
   at once and shows the "logged out" page from its cache; the server session ends when the
   connection returns, or by itself after the idle timeout (SESSION_IDLE_TIMEOUT).
   While a logout is under way (and, offline, until the server knows), the queue's meta store notes
   it (the user and the session's login time, by the server's clock), and the service worker keeps no page of that session (street/templates/street/sw.js); once
   the server has ended the session, the service worker forgets once more, so that a page asked for
   before then is not kept either, whenever its answer comes.
   Without JavaScript the button logs out as usual. */
(function () {
  "use strict";
  const form = document.getElementById("logout-form");
  const warning = document.getElementById("logout-warning");
  if (!form || !warning || !window.RedlivQueue || !("indexedDB" in window)) return;
  const Q = window.RedlivQueue;
  const user = Number(form.dataset.user);
  // When this session began, by the server's clock (seconds): which session a logout noted here is about. Read
  // when needed: a street page left open through a logout takes the new session's time when its worker logs in
  // again in another tab (street.js).
  const loginAt = () => Number(form.dataset.loginAt || 0);

  function csrfToken() {
    const cookie = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
    if (cookie) return decodeURIComponent(cookie.split("=")[1]);
    return form.elements.csrfmiddlewaretoken.value;
  }
  async function queueExists() {
    if (!indexedDB.databases) return true;
    return (await indexedDB.databases()).some((db) => db.name === "redliv-street");
  }
  async function mine() {
    if (!(await queueExists())) return [];
    return (await Q.all()).filter((entry) => entry.author === user || entry.author === null);
  }
  function askWorker(worker, message) {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      const timeout = setTimeout(() => resolve(false), 5000);
      channel.port1.onmessage = () => { clearTimeout(timeout); resolve(true); };
      worker.postMessage(message, [channel.port2]);
    });
  }
  async function forgetPages() {
    // The service worker first: a page it is fetching at this moment is then not kept either.
    if ("serviceWorker" in navigator && navigator.serviceWorker.getRegistrations) {
      for (const registration of await navigator.serviceWorker.getRegistrations()) {
        if (registration.active) await askWorker(registration.active, {type: "forget"});
      }
    }
    if (!("caches" in window)) return;
    for (const name of await caches.keys()) {
      if (name.startsWith("redliv-street-pages-")) await caches.delete(name);
    }
  }
  /* Whether someone else is logged in on the tablet now (logged in, in another tab, since this page's session
     ended): their session is not this page's to end, nor their pages' copies to forget. The server refuses such a
     logout too (redliv.security.LogoutView: the post names this page's worker), whatever this check finds. */
  async function someoneElseLoggedIn() {
    if (!navigator.onLine || !form.dataset.session) return false;
    try {
      const who = await Q.session(form.dataset.session);
      return Boolean(who) && who.user !== user;
    } catch (error) {
      return false;  // the server away: the logout goes ahead, and the server judges it
    }
  }
  async function endSession() {
    try {
      // The token is the CSRF cookie's (this worker's newer session, if they logged in again in another tab),
      // and the post names this page's worker: the server ends no one else's session with it.
      const response = await fetch(form.action, {
        method: "POST", credentials: "same-origin", redirect: "manual",
        headers: {"X-CSRFToken": csrfToken()}, body: new URLSearchParams({user: String(user)}),
      });
      return response.type === "opaqueredirect" || response.ok;
    } catch (error) {
      return false;
    }
  }

  /* Log out, deleting first the confirmed entries in `discard` (keys). Returns false, without logging
     out, when one of them started sending meanwhile: the warning then says so. */
  async function logOut(discard) {
    let outcome = {left: 1, sending: []};
    try { outcome = await Q.leave(user, discard); } catch (error) { /* storage unreadable: keep it */ }
    if (outcome.sending.length) return false;
    form.dataset.checked = "true";
    if (await someoneElseLoggedIn()) {
      // This worker's session is over already. Nothing of the one logged in is touched: the server, asked, says
      // so on the page it leads to (their own).
      await endSession();
      location.assign(form.dataset.next);
      return true;
    }
    // Noted before the pages go: a page the service worker fetches meanwhile is not kept.
    // Which session by the server's own login time, not the tablet's clock (which may be minutes off).
    await Q.setMeta("logout", {user, loginAt: loginAt()}).catch(() => {});
    try { await forgetPages(); } catch (error) { /* nothing cached */ }
    if (await endSession()) {
      // Once more, now that the session has ended: a page asked for before (in another tab, while the logout
      // was on its way) is made with this worker's session, however late it comes back, and must not be kept.
      // A page asked for from now on is asked without the session.
      try { await forgetPages(); } catch (error) { /* nothing cached */ }
      // What the queue remembers goes if it is still empty, in the transaction that finds it so: an entry saved
      // meanwhile in a tab left open stays (it waits for its author to log in again), and so do the names.
      await Q.setMeta("logout", undefined).catch(() => {});
      if (outcome.left === 0) await Q.forgetIfEmpty().catch(() => {});
      location.assign(form.dataset.next);
      return true;
    }
    // No connection: the session ends when it returns (or by the server's idle timeout).
    location.assign(form.dataset.loggedOut);
    return true;
  }

  /* The warning's numbers: all of this worker's entries on the tablet, the ones being sent, and
     the ones that can still be deleted. */
  async function showWarning() {
    let entries;
    try {
      entries = await mine();
    } catch (error) {
      entries = [];
    }
    const sending = entries.filter((entry) => Q.inFlight(entry)).length;
    const deletable = entries.length - sending;
    warning.querySelectorAll("[data-count]").forEach((box) => { box.textContent = String(entries.length); });
    warning.querySelectorAll("[data-sending-count]").forEach((box) => { box.textContent = String(sending); });
    warning.querySelectorAll("[data-discard-count]").forEach((box) => { box.textContent = String(deletable); });
    warning.querySelector("[data-sending]").hidden = sending === 0;
    warning.querySelector("[data-discard-and-log-out]").hidden = deletable === 0;
    return entries;
  }

  form.addEventListener("submit", async (event) => {
    if (form.dataset.checked) return;
    event.preventDefault();
    let waiting;
    try {
      waiting = (await mine()).length;
    } catch (error) {
      waiting = 0;  // the storage cannot be read: keep it, and log out
    }
    if (waiting > 0) {
      await showWarning();
      warning.hidden = false;
      warning.focus();
      return;
    }
    await logOut(null);
  });

  // An entry sent (or started) meanwhile, in this tab or another: the numbers shown stay true.
  const follow = () => { if (!warning.hidden) showWarning(); };
  window.addEventListener("redliv-queue", follow);
  if (Q.channel) Q.channel.addEventListener("message", follow);

  warning.querySelector("[data-log-out-anyway]").addEventListener("click", () => logOut(null));
  warning.querySelector("[data-discard-and-log-out]").addEventListener("click", async () => {
    const deletable = (await mine()).filter((entry) => !Q.inFlight(entry));
    if (!deletable.length) { await showWarning(); return; }
    if (!window.confirm(warning.dataset.confirmDiscard.replace("%s", String(deletable.length)))) return;
    if (!(await logOut(deletable.map((entry) => entry.key)))) {
      // One started sending after the question: it stays, the others are deleted; say so.
      const entries = await showWarning();
      warning.querySelector("[data-started]").hidden = false;
      warning.focus();
      if (!entries.length) await logOut(null);
    }
  });

  // A logout made offline on this tablet is finished on the first page opened online.
  (async () => {
    if (!(await queueExists().catch(() => false))) return;
    const pending = await Q.getMeta("logout").catch(() => null);
    if (!pending) return;
    if (!Q.sameSession(pending, user, loginAt())) {
      await Q.setMeta("logout", undefined);  // logged in again since then (another session)
      return;
    }
    if (navigator.onLine) await logOut(null);
  })();
})();
