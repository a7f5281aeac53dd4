/* Public forms, progressively enhanced (the forms work without this file):
 * - a refused form moves the focus to its error summary (templates/_error_summary.html), whose
 *   links lead to the fields; a field inside a closed <details> opens it first;
 * - a form answered on the page itself ("check your kit") moves the focus to the answer's heading
 *   ([data-answer-heading]), so that a screen reader reads the answer, not the top of the page again;
 * - a text field with a maxlength and a data-counter message shows how many characters are left,
 *   and tells a screen reader once the typing pauses. */
(function () {
  "use strict";

  function openAround(element) {
    for (let node = element; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") node.open = true;
    }
  }

  const summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
    summary.addEventListener("click", function (event) {
      const link = event.target.closest("a[href^='#']");
      if (!link) return;
      const field = document.getElementById(link.getAttribute("href").slice(1));
      if (!field) return;
      event.preventDefault();
      openAround(field);
      const label = field.closest("fieldset") || field.closest(".mb-3") || field;
      label.scrollIntoView({ block: "start" });
      field.focus({ preventScroll: true });
    });
  } else {
    const answer = document.querySelector("[data-answer-heading]");
    if (answer) answer.focus();
  }

  document.querySelectorAll("textarea[maxlength][data-counter], input[maxlength][data-counter]").forEach(function (field) {
    const max = Number(field.getAttribute("maxlength"));
    const visible = document.createElement("div");
    visible.className = "form-text char-counter";
    visible.id = field.id + "_counter";
    visible.setAttribute("aria-hidden", "true");
    const spoken = document.createElement("div");
    spoken.className = "visually-hidden";
    spoken.setAttribute("aria-live", "polite");
    field.insertAdjacentElement("afterend", spoken);
    field.insertAdjacentElement("afterend", visible);
    let pause;

    function message() {
      const left = max - field.value.length;
      return field.dataset.counter.replace("%(left)s", String(left)).replace("%(max)s", String(max));
    }

    function update(announce) {
      visible.textContent = message();
      visible.classList.toggle("char-counter-low", max - field.value.length <= Math.max(20, max / 10));
      clearTimeout(pause);
      if (announce) {
        pause = setTimeout(function () {
          spoken.textContent = message();
        }, 1000);
      }
    }

    field.addEventListener("input", function () {
      update(true);
    });
    update(false);
  });
})();
