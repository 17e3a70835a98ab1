// The scoring screen's keys live in reviewer.js, with the rest of the screen's keyboard flow.
// The chair's decision form comes back from htmx as a new fragment, and the button that had
// focus is gone with the old one, so focus would fall to the start of the page. Put it on the
// first field to fix, or else on the section's heading, so the keyboard carries on from there.
(function () {
  "use strict";
  document.addEventListener("htmx:afterSettle", function (event) {
    var section = event.detail && event.detail.elt;
    if (!section || section.id !== "decision") { return; }
    var invalid = section.querySelector('[aria-invalid="true"]');
    if (invalid) {
      invalid.focus();
      return;
    }
    var title = section.querySelector("h2");
    if (title) {
      title.setAttribute("tabindex", "-1");
      title.focus();
    }
  });
})();
