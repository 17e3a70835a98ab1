// The scoring screen, for the keyboard. Everything here is an enhancement: without JavaScript
// the form posts and the server redirects.
//
// Keys (also listed on the screen): a digit scores the criterion in focus and moves to the next
// one (after the last: confidence); j / k move to the next / previous criterion and on to
// confidence; c jumps to the confidence segments, where 1-5 choose one and 0 puts it back to
// "not set" (the arrow keys move within them, as in any radio group); n runs
// "Save & next". Focus starts on the first criterion on load and after every htmx swap of the
// form or of the whole page, so nobody needs eight Tabs to begin. Confidence is never set for
// the reviewer: left alone it stays "not set", which the model counts as neutral.
(function () {
  "use strict";

  function form() { return document.getElementById("review-form"); }

  function criteria(f) {
    return Array.prototype.slice.call(f.querySelectorAll("fieldset.criterion"));
  }

  // The confidence segments (a radio group): the chosen one, else the first ("not set").
  function confidence(f) {
    return f.querySelector('input[name="confidence"]:checked') || f.querySelector('input[name="confidence"]');
  }

  function inConfidence(el) { return !!el && el.name === "confidence"; }

  function chooseConfidence(f, value) {
    var radio = f.querySelector('input[name="confidence"][value="' + value + '"]');
    if (!radio) { return; }
    radio.checked = true;
    radio.focus();
    radio.dispatchEvent(new Event("change", { bubbles: true }));
  }

  // The stops j / k walk through: each criterion (its chosen radio, else its first), then
  // the confidence control.
  function stops(f) {
    var out = criteria(f).map(function (g) {
      return g.querySelector("input[type=radio]:checked") || g.querySelector("input[type=radio]");
    }).filter(Boolean);
    var conf = confidence(f);
    if (conf) { out.push(conf); }
    return out;
  }

  function focusStop(el) {
    if (!el) { return; }
    el.focus({ preventScroll: false });
  }

  function stopIndex(f, el) {
    var all = stops(f);
    var group = el && el.closest ? el.closest("fieldset.criterion") : null;
    if (group) { return criteria(f).indexOf(group); }
    if (inConfidence(el)) { return all.length - 1; }
    return all.indexOf(el);
  }

  function step(f, from, delta) {
    var all = stops(f);
    var index = stopIndex(f, from);
    var next = index < 0 ? 0 : Math.max(0, Math.min(all.length - 1, index + delta));
    focusStop(all[next]);
  }

  // Where the keys start: the first criterion that has an error, else the first one.
  function start(f) {
    var invalid = f.querySelector('fieldset.criterion input[aria-invalid="true"]');
    var first = stops(f)[0];
    var target = invalid ? invalid.closest("fieldset.criterion").querySelector("input[type=radio]") : first;
    if (target) { target.focus({ preventScroll: true }); }
  }

  function inTextField(el) {
    return el && (el.tagName === "TEXTAREA" || (el.tagName === "INPUT" && el.type !== "radio"));
  }

  function saveAndNext(f, event) {
    var next = f.querySelector('button[value="next"]');
    if (next) { event.preventDefault(); next.click(); }
  }

  document.addEventListener("keydown", function (event) {
    var f = form();
    if (!f || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) { return; }
    var active = document.activeElement;
    if (inTextField(active)) { return; }
    var conf = confidence(f);
    var key = event.key;
    if (key === "n") { saveAndNext(f, event); return; }
    if (key === "j" || key === "k") {
      event.preventDefault();
      step(f, active, key === "j" ? 1 : -1);
      return;
    }
    if (inConfidence(active)) {
      // A digit picks that confidence, 0 puts it back to "not set"; the arrows are the
      // radio group's own.
      if (/^[0-5]$/.test(key)) {
        event.preventDefault();
        chooseConfidence(f, key === "0" ? "" : key);
      }
      return;
    }
    if (active && active.tagName === "SELECT") { return; }
    if (key === "c" && conf) { event.preventDefault(); conf.focus(); return; }
    if (!/^[0-9]$/.test(key)) { return; }
    var groups = criteria(f);
    var group = active && active.closest ? active.closest("fieldset.criterion") : null;
    if (!group || !f.contains(group)) {
      group = groups.filter(function (g) { return !g.querySelector("input:checked"); })[0] || groups[0];
    }
    if (!group) { return; }
    var radio = group.querySelector('input[type=radio][value="' + key + '"]');
    if (!radio) { return; }
    event.preventDefault();
    radio.checked = true;
    radio.dispatchEvent(new Event("change", { bubbles: true }));
    // On to the next criterion (after the last: confidence), so "4 3 5 4 n" is a whole review.
    var index = groups.indexOf(group);
    if (index + 1 < groups.length) {
      focusStop(groups[index + 1].querySelector("input:checked") || groups[index + 1].querySelector("input[type=radio]"));
    } else if (conf) {
      conf.focus();
    } else {
      radio.focus();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var f = form();
    if (f) { start(f); }
  });

  // After "Save & next" (the whole <main>) or an answer with errors (the form) is swapped in,
  // the keys start again from the first criterion (or the first one to fix). The flash message
  // in <main> is a polite live region and says where the reviewer is.
  document.addEventListener("htmx:afterSettle", function (event) {
    var elt = event.detail && event.detail.elt;
    if (!elt || (elt.id !== "main" && elt.id !== "review-form")) { return; }
    var f = form();
    if (f) {
      start(f);
    } else if (elt.id === "main") {
      var title = elt.querySelector("h1");
      if (title) { title.setAttribute("tabindex", "-1"); title.focus(); } else { elt.focus(); }
    }
  });
})();
