// Keyboard shortcuts on the scoring screen. Everything here is an enhancement: the form works
// without it. Digits pick a score in the criterion that has focus (or the first one without a
// score); "c" moves to the confidence control, where 1-5 pick a confidence and 0 puts it back
// to "not set"; "n" runs "Save & next". Confidence is never set for the reviewer: left alone
// it stays "not set", which the model counts as neutral.
(function () {
  "use strict";
  function inTextField(el) {
    return el && (el.tagName === "TEXTAREA" || (el.tagName === "INPUT" && el.type !== "radio") || el.tagName === "SELECT");
  }
  function saveAndNext(form, event) {
    var next = form.querySelector('button[value="next"]');
    if (next) { event.preventDefault(); next.click(); }
  }
  document.addEventListener("keydown", function (event) {
    var form = document.getElementById("review-form");
    if (!form || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var confidence = form.querySelector('select[name="confidence"]');
    if (confidence && document.activeElement === confidence) {
      // Digits instead of the select's own type-ahead, which joins quick keys ("35").
      if (/^[0-5]$/.test(event.key)) {
        event.preventDefault();
        confidence.value = event.key === "0" ? "" : event.key;
        confidence.dispatchEvent(new Event("change", { bubbles: true }));
      } else if (event.key === "n") {
        saveAndNext(form, event);
      }
      return;
    }
    if (inTextField(document.activeElement)) { return; }
    if (event.key === "n") {
      saveAndNext(form, event);
      return;
    }
    if (event.key === "c" && confidence) {
      event.preventDefault();
      confidence.focus();
      return;
    }
    if (!/^[0-9]$/.test(event.key)) { return; }
    var groups = Array.prototype.slice.call(form.querySelectorAll("fieldset.criterion"));
    var group = document.activeElement && document.activeElement.closest ? document.activeElement.closest("fieldset.criterion") : null;
    if (!group) {
      group = groups.filter(function (g) { return !g.querySelector("input:checked"); })[0] || groups[0];
    }
    if (!group) { return; }
    var radio = group.querySelector('input[type=radio][value="' + event.key + '"]');
    if (!radio) { return; }
    event.preventDefault();
    radio.checked = true;
    radio.focus();
    // Move on to the next criterion so a reviewer can type "4 3 5 4" and press n.
    var index = groups.indexOf(group);
    if (index >= 0 && index + 1 < groups.length) {
      var nextGroup = groups[index + 1];
      var target = nextGroup.querySelector("input:checked") || nextGroup.querySelector("input[type=radio]");
      if (target) { target.focus(); }
    }
  });
})();
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
