// The postmortem editor, shared part: the namespace the editor's scripts share and the save
// state on screen.
//
// The editor is four scripts, loaded in this order with `defer` (which keeps document order) by
// templates/postmortems/editor/edit.html:
//   editor-status.js      this file: creates window.hindsightEditor, draws the save states;
//   editor.js             text units (the title and each section's markdown): autosave, drafts
//                         kept in this browser, conflicts;
//   editor-structured.js  structured sections (htmx forms) and their rows' undo;
//   editor-page.js        the page's wiring: events, Ctrl+S, leaving the page, start.
// Each later file adds its shared functions to window.hindsightEditor and calls the others'
// through it when they run. The server decides everything that matters (rights, sizes,
// versions); these files are comfort, never a guard.
//
// Shared from here: root (the editor element), DEBOUNCE_MS, nextRetryDelay, units (the text
// units, filled by editor-page.js), forms (structured sections' states by key: {status,
// savedAt, retryDelay, message}), csrfToken, render, noteVersion (the document version in the
// bar, kept here), showTitle, grow, growAll and openAround.
(function () {
  "use strict";

  var RETRY_FIRST_MS = 1500;
  var RETRY_MAX_MS = 30000;
  var PRIORITY = ["conflict", "error", "offline", "saving", "dirty", "saved"];

  var root = document.querySelector("[data-pm-editor]");
  if (!root) return;

  var docVersion = parseInt(root.dataset.version, 10) || 0;
  var units = [];
  var forms = {};

  // --- Time ---------------------------------------------------------------------------------

  function ago(moment) {
    var seconds = Math.max(0, Math.round((Date.now() - moment) / 1000));
    if (seconds < 5) return "just now";
    if (seconds < 60) return seconds + " s ago";
    var minutes = Math.floor(seconds / 60);
    if (minutes < 60) return minutes + " min ago";
    var at = new Date(moment);
    return "at " + String(at.getHours()).padStart(2, "0") + ":" + String(at.getMinutes()).padStart(2, "0");
  }

  function describe(state) {
    switch (state.status) {
      case "saving": return "Saving…";
      case "dirty": return "Unsaved changes";
      case "offline": return "Offline — retrying";
      case "conflict": return "Conflict";
      case "error": return state.message ? "Not saved" : "Not saved — retrying";
      default: return state.savedAt ? "Saved " + ago(state.savedAt) : "";
    }
  }

  function worst(states) {
    return states.reduce(function (found, state) {
      return PRIORITY.indexOf(state.status) < PRIORITY.indexOf(found.status) ? state : found;
    }, { status: "saved", savedAt: 0 });
  }

  function latestSave(states) {
    return states.reduce(function (latest, state) { return Math.max(latest, state.savedAt || 0); }, 0);
  }

  // A failed save is tried again later, each time waiting twice as long (up to a limit).
  function nextRetryDelay(previous) {
    return previous ? Math.min(previous * 2, RETRY_MAX_MS) : RETRY_FIRST_MS;
  }

  // --- Showing the state ----------------------------------------------------------------------

  function statesOf(key) {
    var states = units.filter(function (unit) { return unit.key === key; });
    if (forms[key]) states.push(forms[key]);
    return states;
  }

  function render() {
    document.querySelectorAll("[data-section]").forEach(function (section) {
      var key = section.dataset.section;
      var states = statesOf(key);
      var state = worst(states);
      var shown = { status: state.status, savedAt: latestSave(states), message: state.message };
      var badge = section.querySelector("[data-section-state]");
      if (badge) {
        badge.textContent = describe(shown);
        badge.dataset.state = shown.status;
      }
      section.dataset.state = shown.status;
      var toc = root.querySelector('[data-toc="' + key + '"] [data-toc-state]');
      if (toc) toc.dataset.state = shown.status;
    });
    var title = units.filter(function (unit) { return unit.key === "title"; })[0];
    var titleState = root.querySelector("[data-unit-state]");
    if (title && titleState) {
      titleState.textContent = title.status === "saved" ? "" : describe(title);
      titleState.dataset.state = title.status;
    }
    renderGlobal();
  }

  function renderGlobal() {
    var all = units.slice();
    Object.keys(forms).forEach(function (key) { all.push(forms[key]); });
    var state = worst(all);
    var text;
    if (state.status === "conflict") {
      var count = all.filter(function (s) { return s.status === "conflict"; }).length;
      text = count === 1 ? "Conflict — needs your attention" : "Conflicts in " + count + " sections";
    } else if (state.status === "saved") {
      var last = latestSave(all);
      text = last ? "Saved " + ago(last) : "All changes saved";
    } else {
      text = describe(state);
    }
    var global = root.querySelector("[data-global-state]");
    global.dataset.globalState = state.status;
    global.querySelector("[data-global-text]").textContent = text;
    announce(state.status, state.status === "saved" ? "All changes saved" : text);
  }

  // The visible text ticks every second ("Saved 7 s ago"); a screen reader hears the document's
  // state only when it changes: saving, saved, offline, not saved, conflict.
  function announce(status, text) {
    var region = root.querySelector("[data-global-announce]");
    if (!region || region.dataset.status === status) return;
    region.dataset.status = status;
    region.textContent = text;
  }

  function noteVersion(version) {
    version = parseInt(version, 10);
    if (!version || version <= docVersion) return;
    docVersion = version;
    var label = root.querySelector("[data-doc-version]");
    if (label) label.textContent = "v" + version;
  }

  function showTitle(text) {
    var bar = root.querySelector("[data-bar-title]");
    if (bar) bar.textContent = text;
  }

  // --- Small helpers --------------------------------------------------------------------------

  // Fit a textarea to its text through its rows (the CSP forbids inline styles, and htmx
  // copies attributes, style included, when it settles a swap).
  function grow(textarea) {
    if (!textarea.offsetParent) return;
    var style = window.getComputedStyle(textarea);
    var line = parseFloat(style.lineHeight) || 22;
    var padding = (parseFloat(style.paddingTop) || 0) + (parseFloat(style.paddingBottom) || 0);
    textarea.rows = 1;
    textarea.rows = Math.max(1, Math.ceil((textarea.scrollHeight - padding) / line - 0.1));
  }

  function growAll(scope) {
    scope.querySelectorAll("textarea").forEach(grow);
  }

  function openAround(element) {
    for (var node = element; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") node.open = true;
    }
  }

  window.hindsightEditor = {
    root: root,
    DEBOUNCE_MS: 800,
    nextRetryDelay: nextRetryDelay,
    units: units,
    forms: forms,
    csrfToken: window.hindsight.csrfToken, // static/js/ui.js
    render: render,
    noteVersion: noteVersion,
    showTitle: showTitle,
    grow: grow,
    growAll: growAll,
    openAround: openAround
  };
})();
