// The top bar's language picker (templates/includes/language_form.html): choosing a
// language submits the form to set_language; the button is only for browsers without JS.
(function () {
  "use strict";
  document.querySelectorAll("form.language-form").forEach((form) => {
    const select = form.querySelector("select");
    const button = form.querySelector("button");
    if (!select) return;
    if (button) button.hidden = true;
    select.addEventListener("change", () => form.submit());
  });
})();
