/* RED LIV: the "logged out on this tablet" page, shown from the tablet's cache when a worker
   logged out without a connection. When the connection returns, it ends the session on the
   server too (the server would also end it by itself after the idle timeout). */
(function () {
  "use strict";
  const box = document.getElementById("logged-out");
  const status = document.getElementById("logged-out-status");
  if (!box || !status) return;

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
  let done = false;
  async function finish() {
    if (done || !navigator.onLine) return;
    try {
      const response = await fetch(box.dataset.logout, {
        method: "POST", credentials: "same-origin", redirect: "manual", headers: {"X-CSRFToken": csrfToken()},
      });
      if (response.type !== "opaqueredirect" && !response.ok) return;
    } catch (error) {
      return;
    }
    done = true;
    await forgetPages().catch(() => {});
    await forgetPendingLogout();
    status.textContent = box.dataset.msgEnded;
  }
  window.addEventListener("online", finish);
  setInterval(finish, 10000);
  finish();
})();
