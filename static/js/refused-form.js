/* A staff form the server refused: the focus goes to its message (templates/_form_errors.html), so a
 * screen reader reads that first and the keyboard starts there, not at the top of the page again.
 * On every page of a logged-in user, the street pages included (their service worker keeps this file).
 * Public forms have an error summary of their own (public-form.js). */
(function () {
  "use strict";
  const refused = document.querySelector("[data-form-errors]");
  if (refused && !document.querySelector("[data-error-summary]")) refused.focus();
})();
