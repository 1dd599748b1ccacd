// The postmortem editor's outline and section folding.
//
// The server draws each section's state (empty, written, required and empty) and its open
// comments; this file keeps them current as the writer saves (the `filled` a save answers, in
// the "pm:saved" event of a structured save or the "pm:unit-saved" event editor.js sends for a
// text), and adds the wording suggestions' counts when the findings arrive after the page.
// It also folds sections ("Collapse written", each section's own button), finds the next
// required section nobody has written, and moves the keyboard into a section chosen in the
// outline. On narrow screens the outline starts closed, as a disclosure above the document.
(function () {
  "use strict";

  var editor = window.hindsightEditor;
  if (!editor) return;

  var root = editor.root;
  var outline = root.querySelector("[data-outline]");
  if (!outline) return;
  var narrow = window.matchMedia("(max-width: 960px)"); // as editor.css
  var NOUNS = { comments: "open comment", wording: "wording suggestion" };
  var LABELS = { empty: "Empty", written: "Written", required: "Required, empty" };
  var FIELDS = "textarea:not([hidden]):not([readonly]), input:not([type=hidden]):not([hidden]), select";

  function sectionOf(key) { return root.querySelector('[data-section="' + key + '"]'); }
  function entryOf(key) { return outline.querySelector('[data-outline-item="' + key + '"]'); }
  function sections() { return Array.prototype.slice.call(root.querySelectorAll("[data-section]")); }

  function announce(text) {
    var status = outline.querySelector("[data-outline-status]");
    if (status) status.textContent = text;
  }

  // --- States -----------------------------------------------------------------------------------

  function setFilled(key, filled) {
    var section = sectionOf(key);
    var entry = entryOf(key);
    if (!section || !entry) return;
    section.dataset.filled = filled ? "true" : "false";
    var state = filled ? "written" : (section.hasAttribute("data-required") ? "required" : "empty");
    entry.dataset.state = state;
    var label = entry.querySelector("[data-outline-state]");
    label.textContent = LABELS[state];
    label.className = "pm-toc__state pm-toc__state--" + state;
  }

  function setMark(key, name, count) {
    var entry = entryOf(key);
    var mark = entry && entry.querySelector("[data-outline-" + name + "]");
    if (!mark) return;
    mark.hidden = !count;
    mark.querySelector("[data-outline-" + name + "-count]").textContent = String(count);
    mark.querySelector(".visually-hidden").textContent = " " + NOUNS[name] + (count === 1 ? "" : "s");
  }

  function onSaved(detail) {
    if (detail && detail.section && typeof detail.filled === "boolean") setFilled(detail.section, detail.filled);
  }

  document.addEventListener("pm:saved", function (event) { onSaved(event.detail); });
  document.addEventListener("pm:unit-saved", function (event) { onSaved(event.detail); });

  // Wording findings (each section's slot, swapped in after the page and after each check) and
  // comment counts (swapped in when a thread opens, closes or is resolved).
  function readMarks() {
    root.querySelectorAll("[data-lg-findings]").forEach(function (slot) {
      setMark(slot.dataset.lgFindings, "wording", parseInt(slot.dataset.lgCount || "0", 10) || 0);
    });
    sections().forEach(function (section) {
      var count = document.getElementById("comment-count-" + section.dataset.section);
      if (count) setMark(section.dataset.section, "comments", parseInt(count.textContent, 10) || 0);
    });
  }

  var marksTimer = null;
  if (window.MutationObserver) {
    new MutationObserver(function () {
      clearTimeout(marksTimer);
      marksTimer = setTimeout(readMarks, 150);
    }).observe(root.querySelector(".pm-doc") || root, { childList: true, subtree: true });
  }

  // --- Folding ----------------------------------------------------------------------------------

  function fold(section, collapsed) {
    section.classList.toggle("is-collapsed", collapsed);
    var button = section.querySelector("[data-collapse]");
    if (button) {
      button.setAttribute("aria-expanded", collapsed ? "false" : "true");
      var title = section.querySelector(".pm-section__title").textContent;
      button.querySelector(".visually-hidden").textContent = (collapsed ? "Expand " : "Collapse ") + title;
    }
    if (!collapsed) editor.growAll(section);
  }

  // Without this script the buttons would do nothing: they are drawn hidden.
  outline.querySelector("[data-outline-tools]").hidden = false;
  sections().forEach(function (section) {
    var button = section.querySelector("[data-collapse]");
    if (button) button.hidden = false;
  });

  root.addEventListener("click", function (event) {
    var button = event.target.closest("[data-collapse]");
    if (button) {
      var section = button.closest("[data-section]");
      fold(section, !section.classList.contains("is-collapsed"));
      return;
    }
    if (event.target.closest("[data-collapse-written]")) {
      var written = sections().filter(function (s) { return s.dataset.filled === "true"; });
      written.forEach(function (s) { fold(s, true); });
      announce(written.length === 1 ? "1 written section collapsed." : written.length + " written sections collapsed.");
      return;
    }
    if (event.target.closest("[data-expand-all]")) {
      sections().forEach(function (s) { fold(s, false); });
      announce("Every section expanded.");
      return;
    }
    if (event.target.closest("[data-next-required]")) {
      nextRequired();
      return;
    }
    var link = event.target.closest("[data-toc]");
    if (link) {
      event.preventDefault();
      goTo(sectionOf(link.dataset.toc));
    }
  });

  // --- Moving to a section ----------------------------------------------------------------------

  function firstField(section) {
    var fields = section.querySelectorAll(FIELDS);
    for (var i = 0; i < fields.length; i++) {
      if (fields[i].offsetParent !== null && !fields[i].disabled) return fields[i];
    }
    return null;
  }

  function goTo(section) {
    if (!section) return;
    if (narrow.matches) outline.open = false; // first: closing it moves the document up
    fold(section, false);
    editor.openAround(section);
    var notes = section.querySelector("details.pm-notes:not([open])");
    var field = firstField(section);
    if (!field && notes) { notes.open = true; field = firstField(section); }
    if (history.replaceState) history.replaceState(null, "", "#" + section.id);
    (field || section).focus({ preventScroll: true });
    section.scrollIntoView({ block: "start", behavior: matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth" });
  }

  var lastSection = null; // the section the writer was last in: "next" counts from there

  function nextRequired() {
    var all = sections();
    var start = lastSection ? all.indexOf(lastSection) : -1;
    var open = all.filter(function (s) { return s.hasAttribute("data-required") && s.dataset.filled !== "true"; });
    if (!open.length) {
      announce("Every required section is written.");
      return;
    }
    var next = open.filter(function (s) { return all.indexOf(s) > start; })[0] || open[0];
    goTo(next);
    announce(next.querySelector(".pm-section__title").textContent + ": required, not written yet.");
  }

  // --- Where the writer is ----------------------------------------------------------------------

  root.addEventListener("focusin", function (event) {
    var section = event.target.closest && event.target.closest("[data-section]");
    if (!section) return;
    lastSection = section;
    outline.querySelectorAll(".pm-toc__link.is-current").forEach(function (link) {
      link.classList.remove("is-current");
      link.removeAttribute("aria-current");
    });
    var link = outline.querySelector('[data-toc="' + section.dataset.section + '"]');
    if (link) { link.classList.add("is-current"); link.setAttribute("aria-current", "location"); }
  });

  if (narrow.matches) outline.open = false;
  readMarks();
})();
