// The postmortem editor: autosave with a visible state, conflicts that lose nothing, previews.
//
// Text "units" (the title and each section's markdown) save themselves with fetch, debounced,
// and never touch the textarea they save, so the caret stays where it is. Unsaved text is kept
// in localStorage until the server has it. Structured sections are htmx forms; this script only
// follows their requests to show the same states. The server decides everything that matters
// (rights, sizes, versions); this file is comfort, never a guard.
(function () {
  "use strict";

  var DEBOUNCE_MS = 800;
  var RETRY_FIRST_MS = 1500;
  var RETRY_MAX_MS = 30000;
  var UNDO_MS = 8000;
  var PRIORITY = ["conflict", "error", "offline", "saving", "dirty", "saved"];

  var root = document.querySelector("[data-pm-editor]");
  if (!root) return;

  var draftPrefix = "hindsight:draft:" + root.dataset.org + "/" + root.dataset.number + "/";
  var docVersion = parseInt(root.dataset.version, 10) || 0;
  var units = [];
  var forms = {}; // structured sections by key: {status, savedAt, retryDelay, message}

  var csrfToken = window.hindsight.csrfToken; // static/js/ui.js

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

  // --- Drafts in localStorage -----------------------------------------------------------------

  function draftsOf(unit) {
    var prefix = draftPrefix + unit.key + "@";
    var found = [];
    try {
      for (var i = 0; i < localStorage.length; i++) {
        var name = localStorage.key(i);
        if (name && name.indexOf(prefix) === 0) {
          var draft = JSON.parse(localStorage.getItem(name) || "null");
          if (draft && typeof draft.text === "string") { draft.name = name; found.push(draft); }
        }
      }
    } catch (error) { /* storage unavailable: drafts are a comfort, not a guarantee */ }
    return found.sort(function (a, b) { return b.at - a.at; });
  }

  function clearDrafts(unit) {
    draftsOf(unit).forEach(function (draft) {
      try { localStorage.removeItem(draft.name); } catch (error) { /* ignore */ }
    });
  }

  function keepDraft(unit, text) {
    clearDrafts(unit);
    try {
      localStorage.setItem(draftPrefix + unit.key + "@v" + unit.version, JSON.stringify({
        text: text, version: unit.version, digest: unit.digest, at: Date.now()
      }));
    } catch (error) { /* quota or privacy mode: the text is still in the page */ }
  }

  // --- Text units: the title and the sections' markdown ---------------------------------------

  function Unit(el) {
    this.el = el;
    this.key = el.dataset.key;
    this.field = el.dataset.field;
    this.label = el.dataset.label;
    this.url = el.dataset.saveUrl;
    this.version = parseInt(el.dataset.version, 10);
    this.digest = el.dataset.digest;
    this.input = el.querySelector("[data-input]");
    this.serverText = this.input.value;
    this.status = "saved";
    this.savedAt = 0;
    this.retryDelay = 0;
    this.timer = null;
    this.inflight = false;
    this.pending = false;
    this.conflict = null;
    this.message = "";
  }

  Unit.prototype.onInput = function () {
    if (this.status === "conflict") return;
    keepDraft(this, this.input.value);
    this.setStatus("dirty");
    this.schedule(DEBOUNCE_MS);
  };

  Unit.prototype.schedule = function (delay) {
    var unit = this;
    clearTimeout(this.timer);
    this.timer = setTimeout(function () { unit.save(); }, delay);
  };

  Unit.prototype.save = function () {
    clearTimeout(this.timer);
    if (this.status === "conflict") return;
    if (this.inflight) { this.pending = true; return; }
    var text = this.input.value;
    if (text === this.serverText) {
      clearDrafts(this);
      if (this.status !== "error" || !this.message) this.setStatus("saved");
      return;
    }
    this.send(text);
  };

  Unit.prototype.send = function (text) {
    var unit = this;
    var body = new FormData();
    body.append(this.field, text);
    body.append("version", String(this.version));
    body.append("base_digest", this.digest);
    this.inflight = true;
    this.setStatus("saving");
    fetch(this.url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(
        function (data) { return { status: response.status, data: data }; },
        function () { return { status: response.status, data: {} }; }
      );
    }).then(function (result) {
      unit.inflight = false;
      unit.answered(result.status, result.data, text);
    }, function () {
      unit.inflight = false;
      unit.retryLater("offline");
    });
  };

  Unit.prototype.answered = function (status, data, text) {
    if (status === 200 && typeof data.version !== "number") {
      // Redirected to the sign-in page: the session ended. Keep the text and keep trying.
      this.showError("Your session has ended. Sign in again in another tab; your text is kept in this browser and saves once you are back.");
      this.retryLater("error");
    } else if (status === 200) this.saved(data, text);
    else if (status === 409) this.showConflict(text, data.current, data.current_version, data.current_digest);
    else if (status === 400) this.refuse(data.message || "This could not be saved.");
    else if (status === 403) {
      this.showError("This save was refused: you may no longer edit this postmortem, or your session changed. Your text is kept in this browser; reload to check.");
      this.setStatus("error", this.message);
    }
    else if (status === 404) this.refuse("This postmortem is gone. Your text is kept in this browser.");
    else this.retryLater("error");
    if (this.pending) {
      this.pending = false;
      if (this.status === "dirty" || this.status === "saved") this.save();
    }
  };

  Unit.prototype.saved = function (data, text) {
    this.version = data.version;
    this.digest = data.digest;
    this.serverText = text;
    this.savedAt = Date.now();
    this.retryDelay = 0;
    this.showError("");
    noteVersion(data.version);
    if (this.field === "title") showTitle(text);
    if (this.input.value === text) {
      clearDrafts(this);
      this.setStatus("saved");
    } else {
      keepDraft(this, this.input.value);
      this.setStatus("dirty");
      this.schedule(DEBOUNCE_MS);
    }
  };

  Unit.prototype.refuse = function (message) {
    this.showError(message);
    this.setStatus("error", message);
  };

  Unit.prototype.retryLater = function (status) {
    this.retryDelay = this.retryDelay ? Math.min(this.retryDelay * 2, RETRY_MAX_MS) : RETRY_FIRST_MS;
    this.setStatus(status);
    this.schedule(this.retryDelay);
  };

  Unit.prototype.showError = function (message) {
    var box = this.el.querySelector("[data-error]");
    if (!box) return;
    box.textContent = message;
    box.hidden = !message;
    this.message = message;
  };

  Unit.prototype.setStatus = function (status, message) {
    this.status = status;
    this.message = message || (status === "error" ? this.message : "");
    render();
  };

  // The writer's text and the current one side by side; the writer's becomes the merge.
  Unit.prototype.showConflict = function (yours, current, version, digest) {
    var panel = this.el.querySelector("[data-conflict]") || addConflictPanel(this);
    this.conflict = { current: current, version: version, digest: digest };
    keepDraft(this, yours);
    panel.querySelector("[data-conflict-mine]").value = yours;
    panel.querySelector("[data-conflict-theirs]").value = current;
    panel.querySelector("[data-conflict-version]").value = version;
    panel.querySelector("[data-conflict-digest]").value = digest;
    panel.querySelector("[data-conflict-take]").hidden = false;
    panel.querySelector("[data-conflict-union]").hidden = false;
    panel.hidden = false;
    showDifferences(panel, version);
    this.input.readOnly = true;
    openAround(this.el);
    this.setStatus("conflict");
    growAll(panel);
  };

  // Sections draw their conflict panel only when the server refused a save; otherwise it is
  // cloned from the page's one <template> when a conflict first shows.
  function addConflictPanel(unit) {
    var template = document.getElementById("pm-conflict-template");
    var panel = template.content.querySelector("[data-conflict]").cloneNode(true);
    panel.action = unit.el.dataset.saveUrl;
    ["mine", "theirs"].forEach(function (side) {
      var id = "conflict-" + side + "-body-" + unit.key;
      panel.querySelector("[data-conflict-" + side + "]").id = id;
      panel.querySelector("[data-conflict-label-" + side + "]").htmlFor = id;
    });
    unit.el.appendChild(panel);
    return panel;
  }

  Unit.prototype.hideConflict = function () {
    var panel = this.el.querySelector("[data-conflict]");
    panel.hidden = true;
    this.input.readOnly = false;
    this.version = this.conflict.version;
    this.digest = this.conflict.digest;
    this.serverText = this.conflict.current;
    this.conflict = null;
  };

  Unit.prototype.resolve = function (merged) {
    this.hideConflict();
    this.input.value = merged;
    grow(this.input);
    this.status = "dirty";
    keepDraft(this, merged);
    this.save();
  };

  Unit.prototype.addTheirLines = function () {
    var panel = this.el.querySelector("[data-conflict]");
    var mine = panel.querySelector("[data-conflict-mine]");
    mine.value = unionOfLines(mine.value, this.conflict.current);
    keepDraft(this, mine.value);
    grow(mine);
    showDifferences(panel, this.conflict.version);
  };

  Unit.prototype.takeCurrent = function () {
    if (!window.confirm("Replace your text with the current version? Your version will be discarded.")) return;
    var current = this.conflict.current;
    this.hideConflict();
    this.input.value = current;
    grow(this.input);
    clearDrafts(this);
    this.setStatus("saved");
  };

  // Text left in this browser by an earlier visit: restore it, or show it as a conflict when
  // the server's text changed since it was written. Never drop it silently.
  Unit.prototype.restore = function () {
    var draft = draftsOf(this)[0];
    if (!draft) return;
    if (draft.text === this.serverText) { clearDrafts(this); return; }
    if (draft.digest === this.digest) {
      this.input.value = draft.text;
      grow(this.input);
      openAround(this.el);
      this.setStatus("dirty");
      this.schedule(300);
    } else {
      this.showConflict(draft.text, this.serverText, this.version, this.digest);
    }
  };

  // --- Comparing the two versions of a conflict ------------------------------------------------

  // The current version, line by line, its lines missing from the writer's text marked.
  function showDifferences(panel, version) {
    var mine = panel.querySelector("[data-conflict-mine]").value.split("\n");
    var theirs = panel.querySelector("[data-conflict-theirs]");
    var diff = panel.querySelector("[data-conflict-diff]");
    var known = new Set(mine);
    var missing = 0;
    diff.textContent = "";
    theirs.value.split("\n").forEach(function (line) {
      var row = document.createElement("div");
      row.className = "pm-conflict__line";
      if (!known.has(line)) { row.classList.add("is-theirs"); missing++; }
      row.textContent = line || "\u00a0";
      diff.appendChild(row);
    });
    theirs.hidden = true;
    diff.hidden = false;
    diff.setAttribute("role", "textbox");
    diff.setAttribute("aria-readonly", "true");
    diff.setAttribute("aria-multiline", "true");
    diff.setAttribute("aria-label", "Current version");
    panel.querySelector("[data-conflict-current-label]").textContent = "v" + version +
      (missing ? " · " + missing + (missing === 1 ? " line" : " lines") + " not in yours" : " · nothing new");
    panel.querySelector("[data-conflict-union]").disabled = !missing;
  }

  // The writer's lines, with each line only the current version has inserted after the line
  // that precedes it there: a starting point for the merge, which the writer then reviews.
  function unionOfLines(mineText, theirsText) {
    var result = mineText.split("\n");
    var theirs = theirsText.split("\n");
    theirs.forEach(function (line, index) {
      if (result.indexOf(line) !== -1) return;
      var at = 0;
      for (var back = index - 1; back >= 0; back--) {
        var found = result.lastIndexOf(theirs[back]);
        if (found !== -1) { at = found + 1; break; }
      }
      result.splice(at, 0, line);
    });
    return result.join("\n");
  }

  // --- Structured sections (htmx forms) -------------------------------------------------------

  function formState(key) {
    if (!forms[key]) forms[key] = { status: "saved", savedAt: 0, retryDelay: 0, message: "" };
    return forms[key];
  }

  function structuredKey(element) {
    var form = element && element.closest ? element.closest("[data-structured]") : null;
    return form ? form.dataset.key : null;
  }

  function setFormStatus(key, status, message) {
    var state = formState(key);
    state.status = status;
    state.message = message || "";
    if (status === "saved") { state.savedAt = Date.now(); state.retryDelay = 0; }
    render();
  }

  function flushForm(key) {
    var form = document.getElementById("editor-" + key);
    if (form && window.htmx) window.htmx.trigger(form, "pm:flush");
  }

  // Typing in a structured editor saves like the markdown does (debounced, nothing swapped);
  // selects, checkboxes and pickers save on "change" through the form's own hx-trigger.
  document.addEventListener("input", function (event) {
    var key = structuredKey(event.target);
    if (key) {
      var state = formState(key);
      setFormStatus(key, "dirty");
      clearTimeout(state.typingTimer);
      state.typingTimer = setTimeout(function () { flushForm(key); }, DEBOUNCE_MS);
    }
    if (event.target.matches && event.target.matches("textarea")) grow(event.target);
  });

  document.addEventListener("htmx:configRequest", function (event) {
    if (root.contains(event.detail.elt)) event.detail.headers["X-CSRFToken"] = csrfToken();
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var key = structuredKey(event.detail.elt);
    if (key) {
      clearTimeout(formState(key).pendingRetry);
      clearTimeout(formState(key).typingTimer);
    }
    if (key) setFormStatus(key, "saving");
  });

  // After an outerHTML swap htmx reports on the swapped-out form's section, so look both ways.
  function requestKey(element) {
    if (!element || !element.dataset) return null;
    return element.dataset.key || element.dataset.section || structuredKey(element);
  }

  document.addEventListener("htmx:afterRequest", function (event) {
    var key = requestKey(event.detail.elt);
    if (!key || !forms[key] || !event.detail.xhr || !event.detail.xhr.status) return;
    var status = event.detail.xhr.status;
    if (status < 300) setFormStatus(key, "saved");
    else if (status === 409) setFormStatus(key, "conflict");
    else if (status === 400) setFormStatus(key, "error", "Check the highlighted fields.");
    else if (status === 403) setFormStatus(key, "error", "You may no longer edit this postmortem.");
    else retryForm(key, "error");
  });

  document.addEventListener("htmx:sendError", function (event) {
    var key = structuredKey(event.detail.elt);
    if (key) retryForm(key, "offline");
  });

  function retryForm(key, status) {
    var state = formState(key);
    state.retryDelay = state.retryDelay ? Math.min(state.retryDelay * 2, RETRY_MAX_MS) : RETRY_FIRST_MS;
    setFormStatus(key, status);
    state.pendingRetry = setTimeout(function () { flushForm(key); }, state.retryDelay);
  }

  // The server's answer to a structured save: the new base for the next save of that form.
  document.addEventListener("pm:saved", function (event) {
    var detail = event.detail || {};
    noteVersion(detail.version);
    if (forms[detail.section]) setFormStatus(detail.section, "saved");
    var form = document.getElementById("editor-" + detail.section);
    if (!form) return;
    var version = form.querySelector("[data-base-version]");
    var digest = form.querySelector("[data-base-digest]");
    if (version) version.value = detail.version;
    if (digest) digest.value = detail.digest;
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.elt;
    if (!target || !target.matches || !target.matches("[data-structured]")) return;
    growAll(target);
    var undo = target.querySelector("[data-row-undo]");
    if (undo && !undo.dataset.shown) offerUndo(undo);
    if (target.dataset.focus) {
      // After a row operation: the moved row's button, the restored row's first field.
      var wanted = target.querySelector(target.dataset.focus);
      delete target.dataset.focus;
      if (wanted && !wanted.disabled) wanted.focus();
      else if (wanted) (wanted.parentElement.querySelector("button:not([disabled])") || target).focus();
    }
    if (target.hasAttribute("data-focus-last")) {
      // Once: htmx settles this form again after each later autosave (swapping nothing).
      target.removeAttribute("data-focus-last");
      var rows = target.querySelectorAll("textarea, input[type=text]");
      var last = target.querySelector(".pm-tl__row:last-child textarea, .pm-why:last-child textarea, .pm-factor:last-child input[type=text]");
      (last || rows[rows.length - 1] || target).focus();
    }
  });

  // "Row deleted — Undo": the keyboard goes to Undo (its label says what it undoes); the offer
  // leaves after a few seconds, but never from under the keyboard or the pointer.
  function offerUndo(undo) {
    undo.dataset.shown = "1";
    var button = undo.querySelector("button");
    if (button) button.focus();
    var expired = false;
    function leaveWhenIdle() {
      if (!expired || undo.contains(document.activeElement) || undo.matches(":hover")) return;
      undo.classList.add("is-leaving");
      setTimeout(function () { undo.remove(); }, 300);
    }
    undo.addEventListener("focusout", function () { setTimeout(leaveWhenIdle, 0); });
    undo.addEventListener("mouseleave", leaveWhenIdle);
    setTimeout(function () { expired = true; leaveWhenIdle(); }, UNDO_MS);
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
      grow(host.querySelector("[data-input]"));
      host.querySelector("[data-input]").focus();
    }
  }

  function saveEverything() {
    units.forEach(function (unit) { unit.save(); });
    Object.keys(forms).forEach(function (key) {
      if (forms[key].status === "dirty" || forms[key].status === "offline") flushForm(key);
    });
  }

  // --- Wiring ---------------------------------------------------------------------------------

  root.querySelectorAll("[data-unit]").forEach(function (el) { units.push(new Unit(el)); });

  root.addEventListener("input", function (event) {
    var mine = event.target.closest("[data-conflict-mine]");
    var owner = mine ? unitOf(mine) : null;
    if (owner && owner.conflict) {
      keepDraft(owner, mine.value);
      showDifferences(owner.el.querySelector("[data-conflict]"), owner.conflict.version);
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
    if (event.target.tagName === "DETAILS" && event.target.open) growAll(event.target);
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
    Object.keys(forms).forEach(function (key) { if (forms[key].status === "offline") flushForm(key); });
  });

  window.addEventListener("beforeunload", function (event) {
    var busy = units.concat(Object.keys(forms).map(function (key) { return forms[key]; }))
      .some(function (state) { return ["dirty", "saving", "offline", "conflict"].indexOf(state.status) !== -1; });
    if (busy) { event.preventDefault(); event.returnValue = ""; }
  });

  units.forEach(function (unit) { unit.restore(); });
  growAll(root);
  render();
  setInterval(render, 1000);
})();
