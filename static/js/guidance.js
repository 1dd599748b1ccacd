// Blameless-language guidance in the editor.
//
// - When the writer pauses typing in a section, its text is sent to the language check and the
//   section's suggestions are drawn again (nothing is stored; an answer to an older text is
//   dropped).
// - The quality checklist reloads itself (htmx, on "guidance:changed") after a save: a body
//   save shows as a new document version, a structured save as the editor's "pm:saved" event,
//   an action-item change as an htmx request in the action items.
// The server decides everything; without this script the suggestions and the checklist are
// drawn with the page and the dismiss buttons post plain forms.
(function () {
  "use strict";

  var PAUSE_MS = 600;
  var REFRESH_MS = 500;

  var root = document.querySelector("[data-pm-editor][data-lg-check]");
  if (!root) return;
  var checkUrl = root.getAttribute("data-lg-check");
  var timers = {};
  var checked = {}; // section key: the text its suggestions were drawn for
  var asked = {}; // section key: the number of the latest check sent
  var refreshTimer = null;

  var csrfToken = window.hindsight.csrfToken; // static/js/ui.js

  function inputOf(key) {
    return document.getElementById("body-" + key);
  }

  function swap(key, html) {
    var current = document.getElementById("lg-" + key);
    if (!current) return;
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    var fresh = holder.firstElementChild;
    if (!fresh || fresh.id !== "lg-" + key) return;
    var wasOpen = current.querySelector("details.lg-dismissed[open]");
    var dismissed = fresh.querySelector("details.lg-dismissed");
    if (wasOpen && dismissed) dismissed.open = true;
    current.replaceWith(fresh);
    if (window.htmx) window.htmx.process(fresh);
  }

  function check(key, force) {
    var input = inputOf(key);
    if (!input || !document.getElementById("lg-" + key)) return;
    var text = input.value;
    if (!force && checked[key] === text) return;
    var number = (asked[key] || 0) + 1;
    asked[key] = number;
    var body = new FormData();
    body.append("section", key);
    body.append("text", text);
    fetch(checkUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true" }
    }).then(function (response) {
      return response.ok ? response.text() : null;
    }).then(function (html) {
      if (html === null || asked[key] !== number) return; // refused, or a newer check is on its way
      checked[key] = text;
      swap(key, html);
    }).catch(function () { /* offline: the suggestions stay as they were */ });
  }

  function schedule(key) {
    clearTimeout(timers[key]);
    timers[key] = setTimeout(function () { check(key, false); }, PAUSE_MS);
  }

  function refreshChecklist() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(function () {
      if (window.htmx) window.htmx.trigger(document.body, "guidance:changed");
    }, REFRESH_MS);
  }

  document.querySelectorAll("[data-lg-findings]").forEach(function (slot) {
    var input = inputOf(slot.getAttribute("data-lg-findings"));
    if (input) checked[slot.getAttribute("data-lg-findings")] = input.value;
  });

  root.addEventListener("input", function (event) {
    var unit = event.target.closest && event.target.closest('[data-unit="body"]');
    if (!unit || !event.target.matches("textarea[data-input]")) return;
    schedule(unit.getAttribute("data-key"));
  });

  // A structured save (rows): their text is checked too, so draw the section again.
  document.addEventListener("pm:saved", function (event) {
    var key = event.detail && event.detail.section;
    if (key) check(key, true);
    refreshChecklist();
  });

  // A body or title save bumps the document version the bar shows.
  var version = root.querySelector("[data-doc-version]");
  if (version && window.MutationObserver) {
    new MutationObserver(refreshChecklist).observe(version, { childList: true, characterData: true, subtree: true });
  }

  // Action items added, edited or deleted (noted before the answer replaces the element).
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    var config = event.detail.requestConfig || {};
    if ((config.verb || "get").toLowerCase() === "get" || !event.detail.xhr) return;
    if (elt && elt.closest && elt.closest("[data-ai-block]")) event.detail.xhr.lgActionItem = true;
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.lgActionItem && event.detail.successful) refreshChecklist();
  });
})();
