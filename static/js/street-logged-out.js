/* RED LIV: the "logged out on this tablet" page, shown from the tablet's cache when a worker
   logged out without a connection. When the connection returns, it ends the session on the
   server too (the server would also end it by itself after the idle timeout), unless someone has
   logged in on the tablet since: that session is not the one logged out here, and is left alone. */
(function () {
  "use strict";
  const box = document.getElementById("logged-out");
  const status = document.getElementById("logged-out-status");
  if (!box || !status) return;
  if (window.RedlivQueue) window.RedlivQueue.sayKept(document.getElementById("kept-entries"));

  function csrfToken() {
    const cookie = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
    return cookie ? decodeURIComponent(cookie.split("=")[1]) : "";
  }
  /* The session has ended: a page asked for before then (another tab, still open) is made with it however
     late it comes back; the service worker keeps none of them (the pages were forgotten at the logout). */
  function forgetPages() {
    if (!("serviceWorker" in navigator) || !navigator.serviceWorker.getRegistrations) return Promise.resolve();
    return navigator.serviceWorker.getRegistrations().then((registrations) => Promise.all(
      registrations.filter((registration) => registration.active).map((registration) => new Promise((resolve) => {
        const channel = new MessageChannel();
        const timeout = setTimeout(resolve, 5000);
        channel.port1.onmessage = () => { clearTimeout(timeout); resolve(); };
        registration.active.postMessage({type: "forget"}, [channel.port2]);
      }))));
  }
  async function forgetPendingLogout() {
    if (!window.RedlivQueue || !indexedDB.databases) return;
    if (!(await indexedDB.databases()).some((db) => db.name === "redliv-street")) return;
    await window.RedlivQueue.setMeta("logout", undefined).catch(() => {});
  }
  /* The logout noted on this tablet (logout.js: the user and the session's login time, by the server's clock). */
  async function pendingLogout() {
    if (!window.RedlivQueue || !indexedDB.databases) return null;
    if (!(await indexedDB.databases()).some((db) => db.name === "redliv-street")) return null;
    return (await window.RedlivQueue.getMeta("logout").catch(() => null)) || null;
  }
  /* Whether someone has logged in on the tablet since the logout (in another tab): their session is not
     ended, nor their pages forgotten, by this page (left open, or woken up late). */
  async function loggedInSince(pending) {
    if (!pending || typeof pending.loginAt !== "number") return false;  // noted by an older version: as before
    const response = await fetch(box.dataset.session, {credentials: "same-origin", redirect: "manual",
                                                       cache: "no-store", headers: {"Accept": "application/json"}});
    if (response.status !== 200) return false;
    const who = await response.json();
    return !window.RedlivQueue.sameSession(pending, who.user, who.loginAt);
  }
  // Read as the page opens, right after the logout: a login since (in another tab) deletes the note.
  const noted = pendingLogout().catch(() => null);
  let done = false;
  async function finish() {
    if (done || !navigator.onLine) return;
    let since = false;
    try {
      since = await loggedInSince(await noted);
      if (!since) {
        // The worker logged out here, named: the server never ends anyone else's session (a login since).
        const pending = await noted;
        const body = pending && typeof pending.user === "number" ? new URLSearchParams({user: String(pending.user)}) : null;
        const response = await fetch(box.dataset.logout, {
          method: "POST", credentials: "same-origin", redirect: "manual", headers: {"X-CSRFToken": csrfToken()}, body,
        });
        if (response.type !== "opaqueredirect" && !response.ok) return;
      }
    } catch (error) {
      return;
    }
    done = true;
    // The session logged out here is over either way. After a login since, the note (if any is left) and the
    // pages are the new session's business (logout.js), not this page's.
    if (!since) {
      await forgetPages().catch(() => {});
      await forgetPendingLogout();
    }
    status.textContent = box.dataset.msgEnded;
  }
  window.addEventListener("online", finish);
  setInterval(finish, 10000);
  finish();
})();
