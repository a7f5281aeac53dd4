/* RED LIV: logging out on a shared tablet.
   The street pages keep a queue of entries (street-queue.js) and copies of the pages in the
   service worker's Cache Storage. On "Log out":
   - none of this worker's entries waiting: their pages' copies are deleted (the files and the
     "logged out" page stay, they hold nothing about anyone), the queue too if it is empty,
     and the logout goes ahead;
   - this worker's entries waiting (or refused, still to be corrected): a warning with their
     number. They may log out anyway (their entries stay and are sent when they log in again)
     or delete them, after a confirmation that says how many.
   Other workers' entries are never touched. Without a connection the tablet forgets the pages
   at once and shows the "logged out" page from its cache; the server session ends when the
   connection returns, or by itself after the idle timeout (SESSION_IDLE_TIMEOUT).
   Without JavaScript the button logs out as usual. */
(function () {
  "use strict";
  const form = document.getElementById("logout-form");
  const warning = document.getElementById("logout-warning");
  if (!form || !warning || !window.RedlivQueue || !("indexedDB" in window)) return;
  const Q = window.RedlivQueue;
  const user = Number(form.dataset.user);

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
  async function forgetPages() {
    if (!("caches" in window)) return;
    for (const name of await caches.keys()) {
      if (name.startsWith("redliv-street-pages-")) await caches.delete(name);
    }
  }
  async function endSession() {
    try {
      const response = await fetch(form.action, {
        method: "POST", credentials: "same-origin", redirect: "manual",
        headers: {"X-CSRFToken": csrfToken()},
      });
      return response.type === "opaqueredirect" || response.ok;
    } catch (error) {
      return false;
    }
  }

  async function logOut(discardMine, pending) {
    form.dataset.checked = "true";
    try { await Q.leave(user, discardMine); } catch (error) { /* storage unreadable: keep it */ }
    try { await forgetPages(); } catch (error) { /* nothing cached */ }
    if (await endSession()) {
      if (pending) await Q.setMeta("logout", undefined).catch(() => {});
      location.assign(form.dataset.next);
      return;
    }
    // No connection: the session ends when it returns (or by the server's idle timeout).
    await Q.setMeta("logout", {user, at: Date.now()}).catch(() => {});
    location.assign(form.dataset.loggedOut);
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
      warning.querySelectorAll("[data-count]").forEach((box) => { box.textContent = String(waiting); });
      warning.hidden = false;
      warning.focus();
      return;
    }
    await logOut(false, false);
  });

  warning.querySelector("[data-log-out-anyway]").addEventListener("click", () => logOut(false, false));
  warning.querySelector("[data-discard-and-log-out]").addEventListener("click", async () => {
    const count = (await mine()).length;
    if (window.confirm(warning.dataset.confirmDiscard.replace("%s", String(count)))) await logOut(true, false);
  });

  // A logout made offline on this tablet is finished on the first page opened online.
  (async () => {
    if (!(await queueExists().catch(() => false))) return;
    const pending = await Q.getMeta("logout").catch(() => null);
    if (!pending) return;
    const loggedInSince = Number(form.dataset.loginAt || 0) * 1000;
    if (pending.user !== user || loggedInSince > pending.at) {
      await Q.setMeta("logout", undefined);  // logged in again since then
      return;
    }
    if (navigator.onLine) await logOut(false, true);
  })();
})();
