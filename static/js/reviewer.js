// Reviewer pages. After "Save & next" swaps the next proposal into <main> without a page load,
// move focus to its title and announce it, as a page load would. Without JavaScript the same
// buttons post the form and the server redirects.
(function () {
  "use strict";
  document.addEventListener("htmx:afterSettle", function (event) {
    var main = event.detail && event.detail.elt;
    if (!main || main.id !== "main") { return; }
    var title = main.querySelector("h1");
    if (title) {
      title.setAttribute("tabindex", "-1");
      title.focus();
    } else {
      main.focus();
    }
  });
})();
