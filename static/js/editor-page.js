// The postmortem editor's page: the events that reach the text units (typing, Enter, tabs,
// conflict buttons, submits), previews, Ctrl+S, coming back online, leaving with unsaved work,
// and the start (units created, drafts restored, states drawn every second).
//
// Loaded last of the editor's scripts: reads window.hindsightEditor as the others built it
// (editor-status.js, editor.js, editor-structured.js) and adds nothing to it.
(function () {
  "use strict";

  var editor = window.hindsightEditor;
  if (!editor) return;

  var root = editor.root;
  var units = editor.units;
  var forms = editor.forms;

  function unitOf(element) {
    var host = element.closest("[data-unit]");
    return units.filter(function (unit) { return unit.el === host; })[0] || null;
  }

  function showTab(host, name) {
    host.querySelectorAll("[data-tab]").forEach(function (tab) {
      var active = tab.dataset.tab === name;
      tab.classList.toggle("is-active", active);
      tab.setAttribute("aria-selected", active ? "true" : "false");
    });
    var preview = host.querySelector("[data-preview]");
    var form = host.querySelector(".pm-body__form");
    preview.hidden = name !== "preview";
    form.hidden = name === "preview";
    if (name === "preview") {
      preview.classList.add("is-loading");
    } else {
      editor.grow(host.querySelector("[data-input]"));
      host.querySelector("[data-input]").focus();
    }
  }

  function saveEverything() {
    units.forEach(function (unit) { unit.save(); });
    Object.keys(forms).forEach(function (key) {
      if (forms[key].status === "dirty" || forms[key].status === "offline") editor.flushForm(key);
    });
  }

  // --- Wiring ---------------------------------------------------------------------------------

  root.querySelectorAll("[data-unit]").forEach(function (el) { units.push(new editor.Unit(el)); });

  root.addEventListener("input", function (event) {
    var mine = event.target.closest("[data-conflict-mine]");
    var owner = mine ? unitOf(mine) : null;
    if (owner && owner.conflict) {
      editor.keepDraft(owner, mine.value);
      editor.showDifferences(owner.el.querySelector("[data-conflict]"), owner.conflict.version);
    }
    if (!event.target.matches("[data-input]")) return;
    var unit = unitOf(event.target);
    if (unit) unit.onInput();
  });

  root.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.matches("[data-single-line]")) {
      event.preventDefault();
      var unit = unitOf(event.target);
      if (unit) unit.save();
    }
  });

  root.addEventListener("click", function (event) {
    var tab = event.target.closest("[data-tab]");
    if (tab) showTab(tab.closest("[data-unit]"), tab.dataset.tab);
    var take = event.target.closest("[data-conflict-take]");
    var union = event.target.closest("[data-conflict-union]");
    var unit = take || union ? unitOf(take || union) : null;
    if (unit && unit.conflict && take) unit.takeCurrent();
    if (unit && unit.conflict && union) unit.addTheirLines();
  });

  root.addEventListener("submit", function (event) {
    var panel = event.target.closest("[data-conflict]");
    var unit = unitOf(event.target);
    if (!unit || !(panel || event.target.closest(".pm-body__form, .pm-title__form"))) return;
    event.preventDefault();
    if (panel && unit.conflict) unit.resolve(panel.querySelector("[data-conflict-mine]").value);
    else unit.save();
  });

  root.addEventListener("toggle", function (event) {
    if (event.target.tagName === "DETAILS" && event.target.open) editor.growAll(event.target);
  }, true);

  document.addEventListener("htmx:afterSwap", function (event) {
    var preview = event.detail.target;
    if (preview && preview.matches && preview.matches("[data-preview]")) preview.classList.remove("is-loading");
  });

  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && !event.altKey && (event.key === "s" || event.key === "S")) {
      event.preventDefault();
      saveEverything();
    }
  });

  window.addEventListener("online", function () {
    units.forEach(function (unit) { if (unit.status === "offline") unit.save(); });
    Object.keys(forms).forEach(function (key) { if (forms[key].status === "offline") editor.flushForm(key); });
  });

  window.addEventListener("beforeunload", function (event) {
    var busy = units.concat(Object.keys(forms).map(function (key) { return forms[key]; }))
      .some(function (state) { return ["dirty", "saving", "offline", "conflict"].indexOf(state.status) !== -1; });
    if (busy) { event.preventDefault(); event.returnValue = ""; }
  });

  units.forEach(function (unit) { unit.restore(); });
  editor.growAll(root);
  editor.render();
  setInterval(editor.render, 1000);
})();
