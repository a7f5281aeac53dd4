/* RED LIV: the login page, shown to someone not logged in. No street worker's pages may be kept on the tablet
   for offline use now (street/templates/street/sw.js): a logout removes them (logout.js), but not one made
   without that script (JavaScript off, or the script not loaded), and no response header can remove them
   without the queue of entries waiting in IndexedDB. They go here, on the first page with JavaScript after
   such a logout. The service worker forgets them (a page it is fetching is not kept either, and a street page
   still open says it is logged out); without one, they are deleted here. The queue is never touched. */
(function () {
  "use strict";
  // How many entries wait on the tablet, for the workers who made them: after a logout, that they were kept.
  if (window.RedlivQueue) window.RedlivQueue.sayKept(document.getElementById("kept-entries"));
  if (!("caches" in window)) return;
  function askWorker(worker) {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      const timeout = setTimeout(resolve, 5000);
      channel.port1.onmessage = () => { clearTimeout(timeout); resolve(); };
      worker.postMessage({type: "forget"}, [channel.port2]);
    });
  }
  (async () => {
    const pages = (await caches.keys()).filter((name) => name.startsWith("redliv-street-pages-"));
    if (!pages.length) return;
    if ("serviceWorker" in navigator && navigator.serviceWorker.getRegistrations) {
      for (const registration of await navigator.serviceWorker.getRegistrations()) {
        if (registration.active) await askWorker(registration.active);
      }
    }
    for (const name of pages) await caches.delete(name);
  })().catch(() => {});
})();
