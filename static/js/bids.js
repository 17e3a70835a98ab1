// The bidding screen, keyboard first. j/k move between proposals, 1-4 (or e/w/n/c) choose a
// bid and 0 clears it; the row's form posts through htmx on "change" and the server swaps the
// row back with its saved state. Without JavaScript each row is a plain form with a Save button.
(function () {
  "use strict";
  var KEYS = { "1": "eager", e: "eager", "2": "willing", w: "willing", "3": "not_for_me", n: "not_for_me", "4": "conflict", c: "conflict" };

  function rows() { return Array.prototype.slice.call(document.querySelectorAll("[data-bid-row]")); }

  function current() {
    var active = document.activeElement;
    return active && active.closest ? active.closest("[data-bid-row]") : null;
  }

  function focusRow(row) {
    if (!row) { return; }
    var checked = row.querySelector("input[type=radio]:checked");
    rows().forEach(function (r) { r.classList.remove("is-current"); });
    row.classList.add("is-current");
    (checked || row).focus();
    row.scrollIntoView({ block: "nearest" });
  }

  function inTextField(el) {
    return el && (el.tagName === "TEXTAREA" || el.tagName === "SELECT" || (el.tagName === "INPUT" && el.type !== "radio"));
  }

  document.addEventListener("keydown", function (event) {
    if (!document.getElementById("bid-list")) { return; }
    if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) { return; }
    var active = document.activeElement;
    if (inTextField(active)) {
      if (event.key === "Escape") { active.blur(); focusRow(rows()[0]); }
      return;
    }
    var key = event.key;
    var all = rows();
    var row = current();
    if (key === "/") {
      var search = document.getElementById("id_q");
      if (search) { event.preventDefault(); search.focus(); }
      return;
    }
    if (key === "j" || key === "k") {
      event.preventDefault();
      var i = row ? all.indexOf(row) : -1;
      var next = key === "j" ? Math.min(i + 1, all.length - 1) : Math.max(i - 1, 0);
      focusRow(all[next]);
      return;
    }
    if (!row) { row = all[0]; }
    if (!row) { return; }
    var form = row.querySelector("form");
    if (!form || form.querySelector("fieldset[disabled]")) { return; }
    if (key === "0" || key === "x") {
      var clear = form.querySelector('button[name="clear"]');
      if (clear) { event.preventDefault(); clear.click(); }
      return;
    }
    var level = KEYS[key];
    if (!level) { return; }
    var radio = form.querySelector('input[type=radio][value="' + level + '"]');
    if (!radio) { return; }
    event.preventDefault();
    if (radio.checked) { return; }
    radio.checked = true;
    radio.dispatchEvent(new Event("change", { bubbles: true }));
  });

  // After htmx swaps a saved row back in, keep the keyboard where it was.
  document.addEventListener("htmx:afterSwap", function (event) {
    var elt = event.detail && event.detail.target;
    if (!elt || !elt.id || elt.id.indexOf("bid-") !== 0) { return; }
    var row = document.getElementById(elt.id);
    if (row && row.hasAttribute("data-bid-row")) { focusRow(row); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    // With JavaScript the radios save on change: the per-row Save buttons are only for no-JS.
    Array.prototype.forEach.call(document.querySelectorAll("[data-nojs]"), function (b) { b.hidden = true; });
  });
  document.addEventListener("htmx:afterSettle", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-nojs]"), function (b) { b.hidden = true; });
  });
})();
