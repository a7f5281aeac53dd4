/* RED LIV street logging: steppers, and the tablet's queue (street-queue.js) on screen.
   Every entry goes into IndexedDB with a key made here and the id of the worker who made
   it, then is sent; the server stores each key once, and only for its author. */
(function () {
  "use strict";
  const root = document.getElementById("street");
  if (!root || !window.RedlivQueue) return;
  const Q = window.RedlivQueue;
  const text = root.dataset;
  const user = Number(text.user);
  const form = document.getElementById("entry-form");
  const statusBox = document.getElementById("street-status");
  const SEND_EVERY_MS = 10000;
  const SESSION_CHECK_MS = 30000;  // while this page's session is over: whether its worker has logged in again
  /* The session this page was made with has ended (a logout in another tab, on this tablet): the page no
     longer says it is ready for offline use, and what is saved here waits on the tablet, under this worker,
     until they log in again (as any entry of someone not logged in: street-queue.js). When they do (in another
     tab), the page learns it by itself (loggedInAgain, below): no reload is needed. */
  let sessionOver = false;
  function loggedOut() {
    sessionOver = true;
    root.dataset.offlineReady = "false";
    document.getElementById("queue-login").hidden = false;
    say(text.msgLogin);
  }

  /* A form the server refused takes the focus to its message: js/refused-form.js, on every staff page. */

  /* A withdrawal is asked once more, naming the entry: one tap on a long list withdrew it at once. */
  document.querySelectorAll("form[data-confirm]").forEach((withdraw) => {
    withdraw.addEventListener("submit", (event) => {
      if (!window.confirm(withdraw.dataset.confirm)) event.preventDefault();
    });
  });

  /* ---------- steppers and defaults ---------- */
  // What a stepper's tap made of the count, and of the kits that follow it, for a screen reader (the
  // polite region in street/layout.html). Written only after a change: nothing is said on page load.
  const said = document.getElementById("stepper-said");
  function stepperLabel(input) {
    const stepper = input.closest(".stepper");
    return stepper ? stepper.querySelector(".stepper-label").textContent.trim() : "";
  }
  function sayCount(parts) { if (said) said.textContent = parts.join(", "); }
  let kitsFollowed = null;  // the kits' line when the last input changed them, else null
  let kitsPause;

  document.querySelectorAll(".stepper").forEach((stepper) => {
    const input = stepper.querySelector("input");
    stepper.querySelectorAll("[data-step]").forEach((button) => {
      button.hidden = false;
      button.addEventListener("click", () => {
        const min = Number(input.min || 0), max = Number(input.max || 500);
        const value = Math.min(max, Math.max(min, (Number(input.value) || 0) + Number(button.dataset.step)));
        input.value = value;
        if (input.name === "kits") kitsTouched = true;  // set by hand: the kits no longer follow the counts
        kitsFollowed = null;
        input.dispatchEvent(new Event("input", {bubbles: true}));
        // The focus stays on the button: a screen reader hears the new count from here, and the
        // kits when they followed it.
        clearTimeout(kitsPause);
        sayCount([`${stepperLabel(input)}: ${value}`, kitsFollowed].filter(Boolean));
      });
    });
  });

  /* A count typed with Arabic-Indic, Persian or other digits: a number field lets only 0-9 in, so
     the digits vanished as they were typed and the empty field stopped the save. They are written
     as the digits 0-9 they mean, where the caret is. */
  function plainDigits(typed) {
    return typed.replace(/\p{Nd}/gu, (digit) => {
      let zero = digit.codePointAt(0);
      while (/\p{Nd}/u.test(String.fromCodePoint(zero - 1))) zero -= 1;
      return String((digit.codePointAt(0) - zero) % 10);
    });
  }
  document.querySelectorAll("#street input[type=number]").forEach((input) => {
    input.addEventListener("beforeinput", (event) => {
      if (!event.data || !/[^\x00-\x7f]/.test(event.data)) return;
      const plain = plainDigits(event.data);
      if (plain === event.data) return;
      event.preventDefault();
      document.execCommand("insertText", false, plain);
    });
  });

  const COUNTS = JSON.parse(text.countFields || "[]");
  let kitsTouched = false;
  function field(name) { return form && form.elements.namedItem(name); }
  function participants(fields) { return COUNTS.reduce((sum, name) => sum + (Number(fields[name]) || 0), 0); }
  function followKits() {
    // Everyone new gets a kit, until the worker sets the number of kits by hand.
    kitsFollowed = null;
    if (!form || form.dataset.kind !== "course" || kitsTouched) return;
    const kits = field("kits");
    const total = COUNTS.reduce((sum, name) => sum + (Number(field(name).value) || 0), 0);
    const value = String(Math.max(0, total - (Number(field("refresher").value) || 0)));
    if (kits.value === value) return;
    kits.value = value;
    kitsFollowed = `${stepperLabel(kits)}: ${value}`;
  }
  /* Correcting a logged course: the kits follow the counts as on the logging form while they are what
     the counts gave when the page opened (a kit for everyone new), until they are set by hand. A
     coordinator who found two of six participants were refreshers saved six kits for four. */
  const correction = document.getElementById("course-correction");
  if (correction) {
    const count = (name) => Number(correction.elements.namedItem(name).value) || 0;
    const given = () => String(Math.max(0, COUNTS.reduce((sum, name) => sum + count(name), 0) - count("refresher")));
    const kits = correction.elements.namedItem("kits");
    kitsTouched = kits.value !== given();
    correction.addEventListener("input", (event) => {
      kitsFollowed = null;
      if (event.target === kits) {
        if (event.isTrusted) kitsTouched = true;
        return;
      }
      if (kitsTouched || !(COUNTS.includes(event.target.name) || event.target.name === "refresher")) return;
      if (kits.value === given()) return;
      kits.value = given();
      kitsFollowed = `${stepperLabel(kits)}: ${kits.value}`;
    });
  }
  function setNow() {
    // The registry's day and time (Copenhagen's), not the tablet's own zone: a tablet left on UTC
    // or bought abroad logged 00:30 on the first of a month in the month before.
    const now = new Date();
    let parts;
    try {
      parts = new Intl.DateTimeFormat("en-GB", {
        timeZone: text.timeZone, year: "numeric", month: "2-digit", day: "2-digit",
        hour: "2-digit", minute: "2-digit", hourCycle: "h23",
      }).formatToParts(now);
    } catch (error) {  // a browser without the zone's rules: the tablet's own clock, as before
      const pad = (n) => String(n).padStart(2, "0");
      parts = [["year", now.getFullYear()], ["month", pad(now.getMonth() + 1)], ["day", pad(now.getDate())],
               ["hour", pad(now.getHours())], ["minute", pad(now.getMinutes())]].map(([type, value]) => ({type, value}));
    }
    const p = Object.fromEntries(parts.map((part) => [part.type, String(part.value)]));
    field("date").value = `${p.year.padStart(4, "0")}-${p.month}-${p.day}`;
    field("time").value = `${p.hour}:${p.minute}`;
    keepPickerDays(field("date").value);
  }
  /* The date picker's days (min, max: street.forms.StreetForm.limit_days) are the server's when it made the page,
     which may be a copy days old: they follow the tablet's day as the date does, widened only (a wrong clock
     narrows nothing). Only the picker's: a date outside them is sent all the same, and the server judges it. */
  function keepPickerDays(today) {
    const input = field("date");
    if (!/^\d{4}-\d{2}-\d{2}$/.test(today)) return;
    if (!input.max || input.max < today) input.max = today;
    const back = Number(input.dataset.daysBack);
    if (!back || !input.min) return;
    const first = new Date(`${today}T12:00:00Z`);
    first.setUTCDate(first.getUTCDate() - back);
    const earliest = first.toISOString().slice(0, 10);
    if (earliest < input.min) input.min = earliest;
  }
  /* The street forms say novalidate: without this file they go to the server, which checks every field and says
     what is wrong in the worker's language. With it, the browser checks the fields first, so that an entry missing
     one does not wait in the tablet's queue to be refused; but a date outside the picker's days (a refused entry
     written days ago, a tablet's clock that was wrong) would stop the save in the browser, with the browser's
     message: it is sent instead, and the server judges it, with its own. */
  document.querySelectorAll("form.street-form, form[data-change]").forEach((checked) => { checked.noValidate = false; });
  document.querySelectorAll("form input[type=date][min], form input[type=date][max]").forEach((input) => {
    input.addEventListener("invalid", (event) => {
      if (!input.validity.rangeUnderflow && !input.validity.rangeOverflow) return;
      event.preventDefault();  // no bubble from the browser
      input.removeAttribute("min");
      input.removeAttribute("max");
      setTimeout(() => input.form.requestSubmit(), 0);
    });
  });
  let whenTouched = false;  // the worker set the date or time by hand
  function keepNow() {
    if (form && !whenTouched && !form.dataset.correcting) setNow();
  }
  function showBatchesFor(locationId) {
    const select = field("batch");
    if (!select) return;
    select.querySelectorAll("option[data-location]").forEach((option) => {
      option.hidden = option.disabled = option.dataset.location !== locationId;
      if (option.disabled && option.selected) select.value = "";
    });
  }
  // When the server made this page (signed): an entry written on it was written after then. A corrected entry
  // takes its own back (loadForCorrection), and the next one this page's again.
  const pageOpened = form && form.elements.namedItem("opened") ? form.elements.namedItem("opened").value : "";
  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  if (form) {
    form.addEventListener("input", (event) => {
      if (event.target.name === "kits" && event.isTrusted) kitsTouched = true;
      if (COUNTS.includes(event.target.name) || event.target.name === "refresher") {
        followKits();
        // A count typed in (a stepper's tap says it at once, above): the kits once the typing pauses.
        if (event.isTrusted && kitsFollowed) {
          const line = kitsFollowed;
          clearTimeout(kitsPause);
          kitsPause = setTimeout(() => sayCount([line]), 800);
        }
      }
      if (COUNTS.includes(event.target.name) && participants(fieldsOf(form)) > 0) {
        COUNTS.forEach((name) => field(name).removeAttribute("aria-invalid"));
      }
    });
    const location = field("location");
    if (location) {
      location.addEventListener("change", () => showBatchesFor(location.value));
      showBatchesFor(location.value);
    }
    // A page from the tablet's cache may be hours old: the time is now and the key new,
    // unless the server sent errors back (then the key stays, so a resend is stored once).
    if (form.querySelector(".is-invalid")) {
      whenTouched = true;  // the date and time the worker sent, shown with the server's errors
    } else {
      // A planned course's form shows when it was planned to start (its kits are dated then); it
      // showed the time the page opened, hours after the course.
      if (field("course") && field("course").value) whenTouched = true;
      else setNow();
      if (field("key")) field("key").value = newKey();
    }
    // The date and time the worker did not set stay "now" while the page is open: a form left
    // open from 23:50 logged the course held after midnight on the day before (and at the end of a
    // month, in the month before). The worker's own date or time is never changed.
    ["date", "time"].forEach((name) => {
      const input = field(name);
      if (!input) return;
      // Only the worker's typing fires these: setNow and a correction's filling set the value quietly.
      const touched = () => { whenTouched = true; };
      input.addEventListener("input", touched);
      input.addEventListener("change", touched);
    });
    setInterval(keepNow, 20000);
    document.addEventListener("visibilitychange", () => { if (!document.hidden) keepNow(); });
    window.addEventListener("pageshow", keepNow);  // back to the page from the browser's history
  }

  /* ---------- names for the waiting list, remembered on this tablet ---------- */
  // Venue, location and district names come from the pages' own menus, and the names of
  // those who logged in here, so that an entry made on another tab or by another worker
  // can be told apart offline. Nothing about participants.
  let names = {venue: {}, location: {}, district: {}, author: {}};
  async function learnNames() {
    const known = (await Q.getMeta("names").catch(() => null)) || {};
    for (const kind of Object.keys(names)) names[kind] = {...(known[kind] || {})};
    for (const kind of ["venue", "location", "district"]) {
      document.querySelectorAll(`select[name=${kind}] option[value]`).forEach((option) => {
        if (option.value) names[kind][option.value] = option.textContent.trim();
      });
    }
    if (user) names.author[user] = text.userName;
    await Q.setMeta("names", names).catch(() => {});
  }

  /* ---------- showing the queue ---------- */
  function say(message) { statusBox.textContent = message; }
  function plural(template, count) { return template.replace("%s", String(count)); }
  function counted(one, many, count) { return plural(count === 1 ? one : many, count); }
  function authorName(entry) { return names.author[entry.author] || plural(text.labelUser, entry.author); }
  function shownState(entry) {
    // Someone else's entry waits for them, whatever the last try said.
    if (entry.author !== null && entry.author !== user && entry.status !== Q.State.REFUSED) return Q.State.AUTHOR;
    return entry.status;
  }
  function kindLabel(entry) {
    if (entry.kind.startsWith("correct-")) return text.labelCorrection;
    if (entry.kind.startsWith("withdraw-")) return text.labelWithdrawal;
    return text[`label${entry.kind[0].toUpperCase()}${entry.kind.slice(1)}`];
  }
  function describe(entry) {
    const f = entry.fields;
    const parts = [];
    if (entry.summary) parts.push(entry.summary);  // a correction or withdrawal: which entry, as its page said
    if (entry.kind.startsWith("withdraw-")) {
      // nothing more: the summary names the entry
    } else if (entry.kind === "course" || entry.kind === "correct-course") {
      parts.push(names.venue[f.venue] || "");
      parts.push(counted(text.labelParticipant, text.labelParticipants, participants(f)));
      parts.push(counted(text.labelKit, text.labelKits, Number(f.kits) || 0));
    } else if (entry.kind === "handout") {
      parts.push(names.location[f.location] || "");
      parts.push(counted(text.labelKit, text.labelKits, Number(f.quantity) || 0));
    } else {
      parts.push(names.district[f.district] || "");
      parts.push(counted(text.labelDose, text.labelDoses, Number(f.naloxone_doses) || 0));
    }
    return parts.filter(Boolean).join(" · ");
  }
  function stateLabel(entry) {
    const state = shownState(entry);
    if (state === Q.State.AUTHOR) return plural(text.labelAuthor, authorName(entry));
    return {waiting: text.labelWaiting, sending: text.labelSending, refused: text.labelRefused}[state];
  }
  function when(fields) {
    const [year, month, day] = String(fields.date || "").split("-");
    return day ? `${day}.${month}.${year} ${fields.time || ""}` : "";
  }

  async function render() {
    let entries;
    try { entries = await Q.all(); } catch (error) { return; }
    // Sent by another tab or the service worker: "waits", "no connection" or "log in to send"
    // would no longer be true of anything on this tablet.
    const waitingWords = [text.msgQueued, text.msgOffline, text.msgServer, text.msgLogin];
    if (entries.length === 0 && waitingWords.includes(statusBox.textContent)) say(text.msgSent);
    followChange(entries);
    document.getElementById("queue").hidden = entries.length === 0;
    document.getElementById("queue-count").textContent = String(entries.length);
    const list = document.getElementById("queue-list");
    list.replaceChildren();
    for (const entry of entries) {
      const state = shownState(entry);
      const item = document.createElement("li");
      item.className = `queue-entry ${state}`;
      item.dataset.key = entry.key;
      const head = document.createElement("p");
      head.className = "mb-1";
      const kind = document.createElement("strong");
      kind.textContent = kindLabel(entry);
      const details = document.createElement("span");
      details.textContent = ` · ${when(entry.fields)} · ${describe(entry)} · `;
      const badge = document.createElement("span");
      badge.className = `queue-state queue-state-${state}`;
      badge.textContent = stateLabel(entry);
      head.append(kind, details, badge);
      item.append(head);
      if (state === Q.State.REFUSED) {
        const errors = document.createElement("ul");
        errors.className = "queue-errors";
        for (const error of entry.errors.length ? entry.errors : [{label: "", message: entry.message}]) {
          const line = document.createElement("li");
          line.textContent = error.label ? `${error.label}: ${error.message}` : error.message;
          errors.append(line);
        }
        item.append(errors);
      }
      if (state === Q.State.REFUSED && (entry.author === user || entry.author === null)) {
        // A refused withdrawal has nothing to correct: it can only be deleted (and asked for again).
        const correct = document.createElement("a");
        correct.className = "btn btn-outline-dark me-2";
        correct.href = `${entry.page}#correct-${entry.key}`;
        correct.textContent = text.labelCorrect;
        correct.addEventListener("click", (event) => {
          if (form && form.dataset.kind === entry.kind && location.pathname === entry.page) {
            event.preventDefault();
            loadForCorrection(entry);
          } else if (changeForm(entry) && location.pathname === entry.page) {
            event.preventDefault();
            loadChange(entry);
          }
        });
        const discard = document.createElement("button");
        discard.type = "button";
        discard.className = "btn btn-outline-danger";
        discard.textContent = text.labelDiscard;
        // One that waited too long to be taken is saved nowhere else, and its date is likely right: asked more plainly.
        const question = entry.code === Q.HELD_TOO_LONG ? text.msgDiscardHeld : text.msgDiscard;
        discard.addEventListener("click", async () => {
          if (window.confirm(question)) { await Q.discard(entry.key); await render(); }
        });
        if (!entry.kind.startsWith("withdraw-")) item.append(correct);
        item.append(discard);
      }
      list.append(item);
    }
  }

  /* ---------- sending, by itself ---------- */
  let timer = null;
  async function sendNow() {
    let result;
    try {
      result = await Q.sendAll(text.session);
    } catch (error) {
      say(text.msgServer);  // the tablet's own storage failed: try again on the next round
      result = {};
    }
    if (result.user === user) loggedInAgain({user: result.user, loginAt: result.loginAt, csrf: result.csrf});
    if (result.login) sessionOver = true;
    // Logged out: said as such also while offline, or while someone else is logged in (their entries wait).
    const login = result.login || (sessionOver && (result.offline || result.author > 0));
    document.getElementById("queue-login").hidden = !login;
    if (login) say(text.msgLogin);
    else if (result.server) say(text.msgServer);
    else if (result.offline) say(text.msgOffline);
    else if (result.held) say(text.msgHeld);  // not "correct it": its date is likely right (see its message)
    else if (result.refused) say(text.msgRefused);
    else if (result.stored) say(`${text.msgSent} ${result.warnings.join(" ")}`.trim());
    else if (result.already) say(`${text.msgSent} ${text.msgAlready} ${result.warnings.join(" ")}`.trim());
    else if (result.unchanged) say(text.msgUnchanged);
    await render();
    await schedule();
    return result;
  }
  async function schedule() {
    // A steady interval while anything waits that this worker may send; nothing when the queue is empty.
    const waiting = (await Q.all().catch(() => [])).some((e) => e.status !== Q.State.REFUSED);
    if (waiting && !timer) timer = setInterval(() => { sendNow(); }, SEND_EVERY_MS);
    if (!waiting && timer) { clearInterval(timer); timer = null; }
  }
  function askForBackgroundSync() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.ready
      .then((registration) => registration.sync && registration.sync.register("redliv-street"))
      .catch(() => {});
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
    markErrors(form, entry.errors);
    form.dataset.correcting = entry.key;
    say(text.msgCorrecting);
    const first = form.querySelector(".is-invalid") || form.querySelector("input:not([type=hidden]), select");
    first.focus();
  }
  function clearErrors() {
    markErrors(form, []);
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

  /* A planned course has one attendance: once it is saved, the form is for a course of its own. */
  function forgetPlannedCourse() {
    const planned = field("course");
    if (!planned || !planned.value) return;
    planned.value = "";
    const notice = document.getElementById("planned-course");
    if (notice) notice.remove();
    history.replaceState(history.state, "", location.pathname);
  }

  /* ---------- one tap, one entry ---------- */
  if (form && form.classList.contains("street-form")) {
    const button = form.querySelector(".save-bar button[type=submit]");
    const label = button.textContent;
    let saving = false;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (saving) { say(text.msgSaving); return; }  // a second tap while the first is stored
      keepNow();
      const fields = fieldsOf(form);
      if (form.dataset.kind === "course" && participants(fields) === 0) {
        say(text.msgNobody);
        // Every count is marked, as the server marks a refused field: "invalid" is read with the first.
        COUNTS.forEach((name) => field(name).setAttribute("aria-invalid", "true"));
        field(COUNTS[0]).focus();
        return;
      }
      saving = true;
      // Disabled, the button drops the focus to the page (a keyboard's next Tab went to the footer): it is
      // given back once the entry is stored, as a stepper keeps it, and the status says what happened.
      const hadFocus = document.activeElement === button;
      button.disabled = true;
      button.textContent = text.labelSaving;
      say(text.msgSaving);
      try {
        const correcting = form.dataset.correcting;
        const old = correcting && (await Q.all()).find((e) => e.key === correcting);
        // A refused key was never stored, so it is kept; a key taken by other content gets a new one.
        fields.key = old ? (old.conflict ? newKey() : old.key) : fields.key || newKey();
        // When it was written, by this tablet's clock: the server counts the days back from then (it may reach
        // the server days later) and tells a date and time from a wrong clock (street.forms.StreetForm). A
        // refused entry corrected keeps its own, as it keeps the page it was written on ("opened").
        fields.written = old && old.fields.written ? old.fields.written : String(Date.now());
        const entry = {key: fields.key, kind: form.dataset.kind, fields, author: user, api: text.api,
                       page: location.pathname, created: Date.now()};
        if (old) await Q.replace(old.key, entry);
        else await Q.add(entry);
        delete form.dataset.correcting;
        form.reset();
        if (field("opened")) field("opened").value = pageOpened;  // a corrected entry's own went with it
        forgetPlannedCourse();
        kitsTouched = false;
        whenTouched = false;
        clearErrors();
        setNow();
        field("key").value = newKey();
        if (field("location")) showBatchesFor(field("location").value);
        say(sessionOver ? text.msgLogin : text.msgQueued);
      } catch (error) {
        say(text.msgNotSaved);
      } finally {
        saving = false;
        button.disabled = false;
        button.textContent = label;
        if (hadFocus && (document.activeElement === document.body || !document.activeElement)) button.focus();
      }
      await render();
      askForBackgroundSync();
      if (navigator.onLine) await sendNow();
      else await schedule();
    });
  }

  /* ---------- the tablet's clock ---------- */
  /* The date and time are filled in from the tablet's clock, and an entry from a wrong one is refused when it
     reaches the server (street.forms.StreetForm), perhaps days later. Whenever the server says who is logged in
     (street-queue.js session: the page opening, looked at again, the connection returning, each round of
     sending) the page compares the clocks and, more than CLOCK_WARN_MS apart for sure, says so above the form
     until they agree again. Saving is never stopped, and the fields still show the tablet's clock: the worker sets
     them or the clock. (Filled in from the server's time instead, they would go wrong unseen when the clock is set
     right offline, and the server could no longer tell.) No timer of its own asks the server: that would keep an
     unattended tablet's session alive past its idle timeout. */
  const CLOCK_WARN_MS = 3 * 60 * 1000;
  /* What the tablet last learned of its clock is kept on it (the clock's difference only: nothing about anyone),
     and a page opened without a connection, which cannot ask, says that: "when the tablet last had a connection,
     its clock was … fast". Said as what was learned then, not as now: the clock may have been set since. */
  const CLOCK_KEPT = "redliv-street-clock";
  const clockBox = document.getElementById("clock-warning");
  let clockMinutes = null;  // the minutes the warning shows, if shown
  let clockThen = false;  // the warning shown is what the tablet learned when it last had a connection
  function clockAmount(minutes) {
    if (minutes < 120) return plural(text.clockMinutes, minutes);
    if (minutes < 48 * 60) return plural(text.clockHours, Math.round(minutes / 60));
    return plural(text.clockDays, Math.round(minutes / (24 * 60)));
  }
  function showClock(behind, uncertainty, then = false) {
    // A round trip that slow says too little; one the clock was set back during, nothing.
    if (!clockBox || !(uncertainty >= 0 && uncertainty <= 60000)) return;
    if (!then) {
      try {
        localStorage.setItem(CLOCK_KEPT, JSON.stringify({behind, uncertainty}));
      } catch (error) { /* no storage: a page opened offline says nothing */ }
    }
    if (Math.abs(behind) - uncertainty <= CLOCK_WARN_MS) {
      if (Math.abs(behind) + uncertainty < CLOCK_WARN_MS && clockMinutes !== null) {
        clockMinutes = null;
        clockBox.replaceChildren();
      }
      return;
    }
    const minutes = Math.round(Math.abs(behind) / 60000);
    const fast = behind < 0;
    // The same warning again, a minute more or less (the round trip): not said again.
    if (clockMinutes !== null && clockThen === then && Math.sign(clockMinutes) === (fast ? -1 : 1) &&
        Math.abs(Math.abs(clockMinutes) - minutes) <= 1) return;
    clockMinutes = fast ? -minutes : minutes;
    clockThen = then;
    const warning = document.createElement("p");
    warning.className = "alert alert-warning";
    const said = then ? [text.clockFastThen, text.clockSlowThen] : [text.clockFast, text.clockSlow];
    warning.textContent = plural(fast ? said[0] : said[1], clockAmount(minutes));
    clockBox.replaceChildren(warning);
  }
  if (Q.onClock) Q.onClock((behind, uncertainty) => showClock(behind, uncertainty));
  /* No connection to ask: what the tablet learned when it last had one, unless the page knows better already. */
  function showKeptClock() {
    if (clockMinutes !== null) return;
    let kept = null;
    try { kept = JSON.parse(localStorage.getItem(CLOCK_KEPT)); } catch (error) { return; }
    if (kept && typeof kept.behind === "number") showClock(kept.behind, kept.uncertainty, true);
  }
  let clockAsked = false, clockAgain = false;  // one question at a time; one more if asked meanwhile
  async function checkClock() {
    if (!navigator.onLine) showKeptClock();
    if (!navigator.onLine || document.hidden) return;
    if (clockAsked) { clockAgain = true; return; }
    clockAsked = true;
    try {
      await Q.session(text.session);
    } catch (error) {
      if (!error.server) showKeptClock();  // no connection after all: asked again later
    }
    clockAsked = false;
    if (clockAgain) { clockAgain = false; checkClock(); }
  }
  window.addEventListener("online", checkClock);
  window.addEventListener("focus", checkClock);
  document.addEventListener("visibilitychange", checkClock);

  /* ---------- corrections and withdrawals, through the same queue ---------- */
  // A correction or withdrawal is queued like a new entry, with the key the page was shown with, and
  // sent to its own address (street.views.api_changes), which applies each key once. Without a
  // connection the page stays as it is, with what was typed, and says that nothing is saved yet.
  const changeForms = Array.from(document.querySelectorAll("form[data-change]"));
  let awaited = null;  // {key, done}: the change this page sent, and where to go once it is applied
  function changeForm(entry) {
    return changeForms.find((f) => f.dataset.change === entry.kind && f.dataset.entry === String(entry.fields.entry));
  }
  function followChange(entries) {
    if (!awaited) return;
    const entry = entries.find((e) => e.key === awaited.key);
    if (!entry) {
      // Applied (by this tab, another one or the service worker): My entries shows the result.
      const done = awaited.done;
      awaited = null;
      location.assign(done);
    } else if (entry.status === Q.State.REFUSED) {
      awaited = null;
      showChangeRefused(entry);
    }
  }
  function tell(message) {
    say(message);
    statusBox.focus();
  }
  /* A refused field is marked as the server marks it: invalid, and described by its message. */
  function describedBy(input, id, on) {
    const ids = (input.getAttribute("aria-describedby") || "").split(" ").filter((each) => each && each !== id);
    if (on) ids.push(id);
    if (ids.length) input.setAttribute("aria-describedby", ids.join(" "));
    else input.removeAttribute("aria-describedby");
  }
  function markErrors(target, errors) {
    target.querySelectorAll(".field-error").forEach((box) => { box.textContent = ""; });
    target.querySelectorAll("[aria-invalid]").forEach((input) => {
      input.removeAttribute("aria-invalid");
      input.classList.remove("is-invalid");
      const box = input.closest(".street-field")?.querySelector(".field-error");
      if (box) describedBy(input, box.id, false);
    });
    for (const error of errors) {
      const wrapper = target.querySelector(`.street-field[data-field="${error.field}"]`);
      if (!error.field || !wrapper) continue;
      const box = wrapper.querySelector(".field-error");
      box.textContent = error.message;
      const input = wrapper.querySelector("input, select, textarea");
      input.setAttribute("aria-invalid", "true");
      input.classList.add("is-invalid");
      describedBy(input, box.id, true);
    }
  }
  function showChangeRefused(entry) {
    const target = changeForm(entry);
    if (target) {
      markErrors(target, entry.errors);
      target.dataset.correcting = entry.key;
    }
    tell(`${text.msgChangeRefused} ${entry.message || ""}`.trim());
  }
  function loadChange(entry) {
    const target = changeForm(entry);
    const version = target.elements.namedItem("version");
    const opened = version && version.value;  // the state this page was opened on, not the refused one's
    for (const [name, value] of Object.entries(entry.fields)) {
      const values = [].concat(value);
      target.querySelectorAll(`[name="${name}"]`).forEach((input) => {
        if (input.type === "checkbox" || input.type === "radio") input.checked = values.includes(input.value);
        else input.value = values[0];
      });
    }
    if (version) version.value = opened;
    showChangeRefused(entry);
  }
  changeForms.forEach((target) => {
    const button = target.querySelector("button[type=submit]");
    target.addEventListener("submit", async (event) => {
      if (event.defaultPrevented) return;  // "no" to the question before a withdrawal
      event.preventDefault();
      const fields = {...fieldsOf(target), entry: target.dataset.entry};
      const queued = await Q.all().catch(() => []);
      const refused = target.dataset.correcting && queued.find((e) => e.key === target.dataset.correcting);
      // A refused change was never applied: it keeps its key, unless the key was taken by another.
      if (refused) fields.key = refused.conflict ? newKey() : refused.key;
      fields.written = refused && refused.fields.written ? refused.fields.written : String(Date.now());
      if (!refused && queued.some((e) => e.key === fields.key)) {  // a second tap, or Back to this page
        tell(text.msgChangeWaiting);
        return;
      }
      const entry = {key: fields.key, kind: target.dataset.change, fields, author: user, api: text.apiChanges,
                     page: location.pathname, summary: target.dataset.summary, created: Date.now()};
      button.disabled = true;
      try {
        if (refused) await Q.replace(refused.key, entry);
        else await Q.add(entry);
      } catch (error) {
        button.disabled = false;
        tell(text.msgNotSaved);
        return;
      }
      delete target.dataset.correcting;
      markErrors(target, []);
      awaited = {key: entry.key, done: target.dataset.done};
      askForBackgroundSync();
      const result = navigator.onLine ? await sendNow() : {offline: true};
      if (awaited && awaited.key === entry.key) {
        const still = (await Q.all().catch(() => [])).find((e) => e.key === entry.key);
        // Not sent: no connection, or the server away or a login needed (sendNow said which).
        if (still && still.status !== Q.State.REFUSED) {
          if (result.offline || !navigator.onLine) tell(text.msgChangeOffline);
          else statusBox.focus();
        }
        await schedule();
      }
      button.disabled = false;
    });
  });

  document.getElementById("send-now").addEventListener("click", sendNow);
  window.addEventListener("online", sendNow);
  // Every move of an entry, in this tab (redliv-queue) or another (BroadcastChannel), shows at once.
  let rendering = null;
  function rerender() {
    if (!rendering) rendering = Promise.resolve().then(() => { rendering = null; return render(); });
  }
  window.addEventListener("redliv-queue", rerender);
  if (Q.channel) Q.channel.addEventListener("message", () => { rerender(); schedule(); });

  /* ---------- storage that lasts, and the pages for offline use ---------- */
  async function askToKeepStorage() {
    const notice = document.getElementById("storage-notice");
    if (!navigator.storage || !navigator.storage.persist) { notice.hidden = false; return; }
    try {
      const kept = (await navigator.storage.persisted()) || (await navigator.storage.persist());
      notice.hidden = kept;
    } catch (error) {
      notice.hidden = false;
    }
  }
  function askWorker(worker, message) {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      const timeout = setTimeout(() => resolve("timeout"), 30000);
      channel.port1.onmessage = (event) => { clearTimeout(timeout); resolve(event.data); };
      worker.postMessage(message, [channel.port2]);
    });
  }
  async function keepPagesForOffline() {
    if (!("serviceWorker" in navigator)) return;
    try {
      await navigator.serviceWorker.register(text.sw, {scope: text.scope, updateViaCache: "none"});
      const registration = await navigator.serviceWorker.ready;
      // Logging out removes the copies of the pages: every page opened online stores them again.
      // Whose pages these are, and since when: none are kept while that session's logout is under way.
      const logout = document.getElementById("logout-form");
      const refresh = {type: "refresh", user, loginAt: Number((logout && logout.dataset.loginAt) || 0)};
      const said = navigator.onLine && registration.active && (await askWorker(registration.active, refresh));
      // Ready only while this page's session is the one logged in (not after a logout in another tab).
      if (said === "done" && !sessionOver) root.dataset.offlineReady = "true";
      else if (said === "logged-out") loggedOut();
    } catch (error) { /* no service worker: the pages work online */ }
  }
  /* This worker has logged in again (in another tab) since this page's session ended: the page is of their new
     session. The pages are kept for offline use again, the notice goes, and what waits under this worker is
     sent (sendNow sends only the logged-in user's entries). Someone else logged in changes nothing here. */
  function loggedInAgain(who) {
    if (!who || who.user !== user) return;
    useToken(who.csrf);
    if (!sessionOver) return;
    sessionOver = false;
    const logout = document.getElementById("logout-form");
    // The new session's login time: the service worker keeps pages for it (sw.js stillLoggedIn), and a logout
    // from this page is noted for it (logout.js).
    if (logout && who.loginAt) logout.dataset.loginAt = String(who.loginAt);
    document.getElementById("queue-login").hidden = true;
    if (statusBox.textContent === text.msgLogin) say(text.msgBack);
    keepPagesForOffline();
  }
  /* Every form on the page (the logout, an entry, a withdrawal) holds the CSRF token of the session the page was
     made in. A login makes a new one, and a form posted with the old one was refused ("403") until the page was
     reloaded. Whenever the page learns its worker's session (with its token), its forms take that token. Never
     another worker's: the page's forms are not theirs. */
  function useToken(csrf) {
    if (!csrf) return;
    document.querySelectorAll("input[name=csrfmiddlewaretoken]").forEach((input) => { input.value = csrf; });
  }
  /* Whether the session has come back: asked while it is over, when the page is looked at again (focus,
     visibility), when the connection returns, and every SESSION_CHECK_MS. */
  let checking = false;
  async function checkSession() {
    if (!sessionOver || checking || !navigator.onLine) return;
    checking = true;
    try {
      const who = await Q.session(text.session);
      if (who && who.user === user) {
        loggedInAgain(who);
        await sendNow();
      }
    } catch (error) {
      /* no connection, or the server away: asked again later */
    } finally {
      checking = false;
    }
  }
  window.addEventListener("focus", checkSession);
  window.addEventListener("online", checkSession);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) checkSession(); });
  setInterval(checkSession, SESSION_CHECK_MS);

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (event.data === "send") sendNow();
      if (event.data === "changed") render();
      if (event.data === "forgotten") loggedOut();  // logged out on this tablet, in another tab
    });
  }

  (async () => {
    await learnNames();
    await render();
    const match = location.hash.match(/^#correct-(.+)$/);
    if (match) {
      const entry = (await Q.all()).find((e) => e.key === match[1]);
      if (entry && form && form.dataset.kind === entry.kind) loadForCorrection(entry);
      else if (entry && changeForm(entry)) loadChange(entry);
    }
    askToKeepStorage();
    keepPagesForOffline();
    checkClock();
    if (navigator.onLine) await sendNow();
    else await schedule();
  })();
})();
