/* RED LIV: logging out on a shared tablet.
   The street pages keep a queue of entries in IndexedDB ("redliv-street") and copies of
   their pages in the service worker's Cache Storage. On "Log out":
   - nothing waiting: both are deleted, then the logout goes ahead;
   - entries waiting (or refused, still to be corrected): a warning, nothing is deleted,
     and the person may still log out, keeping the entries on the tablet.
   Without JavaScript the button logs out as usual. */
(function () {
  "use strict";
  const form = document.getElementById("logout-form");
  const warning = document.getElementById("logout-warning");
  if (!form || !warning) return;
  const DB = "redliv-street";

  function waitingEntries() {
    // Opening with the street page's own version and store creates nothing it would not.
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB, 1);
      request.onupgradeneeded = () => request.result.createObjectStore("queue", {keyPath: "key"});
      request.onerror = () => reject(request.error);
      request.onsuccess = () => {
        const db = request.result;
        const count = db.transaction("queue", "readonly").objectStore("queue").count();
        count.onsuccess = () => { db.close(); resolve(count.result); };
        count.onerror = () => { db.close(); reject(count.error); };
      };
    });
  }

  function deleteQueue() {
    return new Promise((resolve) => {
      const request = indexedDB.deleteDatabase(DB);
      request.onsuccess = request.onerror = request.onblocked = () => resolve();
    });
  }

  async function deleteCaches() {
    if (!("caches" in window)) return;
    for (const name of await caches.keys()) {
      if (name.startsWith("redliv-")) await caches.delete(name);
    }
  }

  function logOut() {
    form.dataset.checked = "true";
    form.submit();  // submit() does not fire "submit" again
  }

  form.addEventListener("submit", async (event) => {
    if (form.dataset.checked || !("indexedDB" in window)) return;
    event.preventDefault();
    let waiting;
    try {
      waiting = await waitingEntries();
    } catch (error) {
      logOut();  // the storage cannot be read: keep it, and log out
      return;
    }
    if (waiting > 0) {
      warning.querySelector("[data-count]").textContent = String(waiting);
      warning.hidden = false;
      warning.focus();
      return;
    }
    await Promise.all([deleteQueue(), deleteCaches()]);
    logOut();
  });

  warning.querySelector("[data-log-out-anyway]").addEventListener("click", logOut);
})();
