// The postmortem editor's text units: the title and each section's markdown.
//
// A unit saves itself with fetch, debounced, and never touches the textarea it saves, so the
// caret stays where it is. Unsaved text is kept in localStorage until the server has it. A save
// refused for a conflict shows the writer's text and the current one side by side; nothing is
// lost.
//
// Reads window.hindsightEditor (editor-status.js, loaded first) and adds to it: Unit, keepDraft
// and showDifferences (editor-page.js creates the units and wires their events).
(function () {
  "use strict";

  var editor = window.hindsightEditor;
  if (!editor) return;

  var DEBOUNCE_MS = editor.DEBOUNCE_MS;
  var root = editor.root;
  var draftPrefix = "hindsight:draft:" + root.dataset.org + "/" + root.dataset.number + "/";

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
      headers: { "X-CSRFToken": editor.csrfToken(), "Accept": "application/json" }
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
    editor.noteVersion(data.version);
    if (this.field === "title") editor.showTitle(text);
    document.dispatchEvent(new CustomEvent("pm:unit-saved", { detail: data })); // the outline
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
    this.retryDelay = editor.nextRetryDelay(this.retryDelay);
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
    editor.render();
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
    editor.openAround(this.el);
    this.setStatus("conflict");
    editor.growAll(panel);
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
    editor.grow(this.input);
    this.status = "dirty";
    keepDraft(this, merged);
    this.save();
  };

  Unit.prototype.addTheirLines = function () {
    var panel = this.el.querySelector("[data-conflict]");
    var mine = panel.querySelector("[data-conflict-mine]");
    mine.value = unionOfLines(mine.value, this.conflict.current);
    keepDraft(this, mine.value);
    editor.grow(mine);
    showDifferences(panel, this.conflict.version);
  };

  Unit.prototype.takeCurrent = function () {
    if (!window.confirm("Replace your text with the current version? Your version will be discarded.")) return;
    var current = this.conflict.current;
    this.hideConflict();
    this.input.value = current;
    editor.grow(this.input);
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
      editor.grow(this.input);
      editor.openAround(this.el);
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

  editor.Unit = Unit;
  editor.keepDraft = keepDraft;
  editor.showDifferences = showDifferences;
})();
