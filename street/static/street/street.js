/* RED LIV street logging: steppers, and a queue on the tablet that is never lost.
   Every entry goes into IndexedDB with a key made here, then is sent; the server
   stores each key once, so sending twice is harmless. */
(function () {
  "use strict";
  const root = document.getElementById("street");
  if (!root) return;
  const text = root.dataset;
  const form = document.getElementById("entry-form");
  const statusBox = document.getElementById("street-status");

  /* ---------- steppers and defaults ---------- */
  document.querySelectorAll(".stepper").forEach((stepper) => {
    const input = stepper.querySelector("input");
    stepper.querySelectorAll("[data-step]").forEach((button) => {
      button.hidden = false;
      button.addEventListener("click", () => {
        const min = Number(input.min || 0), max = Number(input.max || 500);
        const value = Math.min(max, Math.max(min, (Number(input.value) || 0) + Number(button.dataset.step)));
        input.value = value;
        input.dispatchEvent(new Event("input", {bubbles: true}));
      });
    });
  });

  const COUNTS = ["people_who_use_drugs", "relatives_network", "professionals", "residents", "students", "other"];
  let kitsTouched = false;
  function field(name) { return form && form.elements.namedItem(name); }
  function followKits() {
    // Everyone new gets a kit, until the worker sets the number of kits by hand.
    if (!form || form.dataset.kind !== "course" || kitsTouched) return;
    const total = COUNTS.reduce((sum, name) => sum + (Number(field(name).value) || 0), 0);
    field("kits").value = Math.max(0, total - (Number(field("refresher").value) || 0));
  }
  function setNow() {
    const now = new Date();
    const pad = (n) => String(n).padStart(2, "0");
    field("date").value = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
    field("time").value = `${pad(now.getHours())}:${pad(now.getMinutes())}`;
  }
  function showBatchesFor(locationId) {
    const select = field("batch");
    if (!select) return;
    select.querySelectorAll("option[data-location]").forEach((option) => {
      option.hidden = option.disabled = option.dataset.location !== locationId;
      if (option.disabled && option.selected) select.value = "";
    });
  }
  if (form) {
    form.addEventListener("input", (event) => {
      if (event.target.name === "kits" && event.isTrusted) kitsTouched = true;
      if (COUNTS.includes(event.target.name) || event.target.name === "refresher") followKits();
    });
    const location = field("location");
    if (location) {
      location.addEventListener("change", () => showBatchesFor(location.value));
      showBatchesFor(location.value);
    }
    // A page from the tablet's cache may be hours old: the time is now, unless the server sent errors back.
    if (!form.querySelector(".is-invalid")) setNow();
  }

  /* ---------- the queue in IndexedDB ---------- */
  function openDb() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open("redliv-street", 1);
      request.onupgradeneeded = () => request.result.createObjectStore("queue", {keyPath: "key"});
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  async function store(mode, work) {
    const db = await openDb();
    return new Promise((resolve, reject) => {
      const tx = db.transaction("queue", mode);
      const request = work(tx.objectStore("queue"));
      tx.oncomplete = () => { db.close(); resolve(request && request.result); };
      tx.onerror = () => { db.close(); reject(tx.error); };
    });
  }
  const allEntries = () => store("readonly", (s) => s.getAll());
  const putEntry = (entry) => store("readwrite", (s) => s.put(entry));
  const deleteEntry = (key) => store("readwrite", (s) => s.delete(key));

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  function fieldsOf(formElement) {
    const fields = {};
    new FormData(formElement).forEach((value, name) => {
      if (name === "csrfmiddlewaretoken") return;
      if (name in fields) fields[name] = [].concat(fields[name], value);
      else fields[name] = value;
    });
    formElement.querySelectorAll("input[type=checkbox][name]").forEach((box) => {
      if (box.name === "substances" && !(box.name in fields)) fields[box.name] = [];
    });
    if (Array.isArray(fields.substances) === false && fields.substances) fields.substances = [fields.substances];
    return fields;
  }
  function csrfToken() {
    const cookie = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
    if (cookie) return decodeURIComponent(cookie.split("=")[1]);
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function say(message) { statusBox.textContent = message; }

  /* ---------- sending ---------- */
  let sending = false;
  async function sendAll() {
    if (sending) return;
    sending = true;
    let loggedOut = false;
    try {
      const entries = (await allEntries()).filter((e) => e.status !== "refused");
      entries.sort((a, b) => a.created - b.created);
      for (const entry of entries) {
        let response, body;
        try {
          response = await fetch(entry.api, {
            method: "POST", credentials: "same-origin", redirect: "manual",
            headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken(), "Accept": "application/json"},
            body: JSON.stringify({kind: entry.kind, fields: entry.fields}),
          });
          body = await response.json().catch(() => ({}));
        } catch (error) {
          say(text.msgOffline);
          break;
        }
        if (response.status === 200 || response.status === 201) {
          await deleteEntry(entry.key);
          say(`${text.msgSent} ${body.message || ""} ${body.warning || ""}`.trim());
        } else if (response.status === 400 || response.status === 409) {
          entry.status = "refused";
          entry.conflict = response.status === 409;
          entry.errors = body.errors || [];
          entry.message = body.message || "";
          await putEntry(entry);
          say(text.msgRefused);
        } else if (response.status === 401 || response.status === 403 || response.type === "opaqueredirect") {
          loggedOut = true;
          say(text.msgLogin);
          break;
        } else {
          say(text.msgOffline);
          break;
        }
      }
    } finally {
      sending = false;
      document.getElementById("queue-login").hidden = !loggedOut;
      await render();
    }
  }

  /* ---------- showing the queue ---------- */
  function summary(entry) {
    const f = entry.fields;
    const label = text[`label${entry.kind[0].toUpperCase()}${entry.kind.slice(1)}`];
    return `${label} · ${f.date || ""} ${f.time || ""}`;
  }
  async function render() {
    const entries = (await allEntries()).sort((a, b) => a.created - b.created);
    document.getElementById("queue").hidden = entries.length === 0;
    document.getElementById("queue-count").textContent = String(entries.length);
    const list = document.getElementById("queue-list");
    list.replaceChildren();
    for (const entry of entries) {
      const item = document.createElement("li");
      item.className = `queue-entry ${entry.status}`;
      item.dataset.key = entry.key;
      const head = document.createElement("p");
      head.className = "mb-1 fw-semibold";
      head.textContent = `${summary(entry)} · ${entry.status === "refused" ? text.labelRefused : text.labelWaiting}`;
      item.append(head);
      if (entry.status === "refused") {
        const errors = document.createElement("ul");
        errors.className = "queue-errors";
        for (const error of entry.errors.length ? entry.errors : [{label: "", message: entry.message}]) {
          const line = document.createElement("li");
          line.textContent = error.label ? `${error.label}: ${error.message}` : error.message;
          errors.append(line);
        }
        item.append(errors);
        const correct = document.createElement("a");
        correct.className = "btn btn-outline-dark me-2";
        correct.href = `${entry.page}#correct-${entry.key}`;
        correct.textContent = text.labelCorrect;
        correct.addEventListener("click", (event) => {
          if (form && form.dataset.kind === entry.kind && location.pathname === entry.page) {
            event.preventDefault();
            loadForCorrection(entry);
          }
        });
        const discard = document.createElement("button");
        discard.type = "button";
        discard.className = "btn btn-outline-danger";
        discard.textContent = text.labelDiscard;
        discard.addEventListener("click", async () => {
          if (window.confirm(text.msgDiscard)) { await deleteEntry(entry.key); await render(); }
        });
        item.append(correct, discard);
      }
      list.append(item);
    }
  }

  /* ---------- correcting a refused entry ---------- */
  function loadForCorrection(entry) {
    form.reset();
    kitsTouched = true;
    for (const [name, value] of Object.entries(entry.fields)) {
      const values = [].concat(value);
      form.querySelectorAll(`[name="${name}"]`).forEach((input) => {
        if (input.type === "checkbox" || input.type === "radio") input.checked = values.includes(input.value);
        else input.value = values[0];
      });
    }
    if (field("location")) showBatchesFor(field("location").value);
    form.querySelectorAll(".field-error").forEach((box) => { box.textContent = ""; });
    form.querySelectorAll("[aria-invalid]").forEach((input) => {
      input.removeAttribute("aria-invalid");
      input.classList.remove("is-invalid");
    });
    for (const error of entry.errors) {
      const wrapper = form.querySelector(`.street-field[data-field="${error.field}"]`);
      if (!wrapper) continue;
      wrapper.querySelector(".field-error").textContent = error.message;
      const input = wrapper.querySelector("input, select, textarea");
      input.setAttribute("aria-invalid", "true");
      input.classList.add("is-invalid");
    }
    form.dataset.correcting = entry.key;
    say(text.msgCorrecting);
    const first = form.querySelector(".is-invalid") || form.querySelector("input:not([type=hidden]), select");
    first.focus();
  }

  if (form && form.classList.contains("street-form")) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const correcting = form.dataset.correcting;
      const old = correcting && (await allEntries()).find((e) => e.key === correcting);
      // A refused key was never stored, so it is kept; a key taken by other content gets a new one.
      const key = old && !old.conflict ? old.key : newKey();
      if (old) await deleteEntry(old.key);
      const fields = fieldsOf(form);
      fields.key = key;
      await putEntry({key, kind: form.dataset.kind, fields, api: text.api, page: location.pathname,
                      status: "waiting", errors: [], created: old ? old.created : Date.now()});
      delete form.dataset.correcting;
      form.reset();
      kitsTouched = false;
      form.querySelectorAll(".field-error").forEach((box) => { box.textContent = ""; });
      form.querySelectorAll(".is-invalid").forEach((input) => {
        input.classList.remove("is-invalid");
        input.removeAttribute("aria-invalid");
      });
      setNow();
      if (field("location")) showBatchesFor(field("location").value);
      say(text.msgQueued);
      await render();
      if (navigator.onLine) await sendAll();
    });
  }

  document.getElementById("send-now").addEventListener("click", sendAll);
  window.addEventListener("online", sendAll);
  setInterval(() => { if (navigator.onLine) sendAll(); }, 30000);

  (async () => {
    await render();
    const match = location.hash.match(/^#correct-(.+)$/);
    if (match && form) {
      const entry = (await allEntries()).find((e) => e.key === match[1]);
      if (entry) loadForCorrection(entry);
    }
    if (navigator.onLine) await sendAll();
  })();

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(text.sw, {scope: text.scope}).catch(() => {});
  }
})();
