// Keyboard shortcuts on the scoring screen. Everything here is an enhancement: the form works
// without it. Digits pick a score in the criterion that has focus (or the first one without a
// score); "n" runs "Save & next".
(function () {
  "use strict";
  function inTextField(el) {
    return el && (el.tagName === "TEXTAREA" || (el.tagName === "INPUT" && el.type !== "radio") || el.tagName === "SELECT");
  }
  document.addEventListener("keydown", function (event) {
    var form = document.getElementById("review-form");
    if (!form || event.ctrlKey || event.metaKey || event.altKey || inTextField(document.activeElement)) {
      return;
    }
    if (event.key === "n") {
      var next = form.querySelector('button[value="next"]');
      if (next) { event.preventDefault(); next.click(); }
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
