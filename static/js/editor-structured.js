// The postmortem editor's structured sections (timeline, five whys, factors, impact): htmx
// forms. This script follows their requests to show the same save states as the text units,
// saves while typing (debounced), retries, and offers "Row deleted — Undo" after a row goes.
//
// Reads window.hindsightEditor (editor-status.js) and adds flushForm to it (editor-page.js
// uses it for Ctrl+S and coming back online).
(function () {
  "use strict";

  var UNDO_MS = 8000;

  var editor = window.hindsightEditor;
  if (!editor) return;

  var DEBOUNCE_MS = editor.DEBOUNCE_MS;
  var root = editor.root;
  var forms = editor.forms;

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
    editor.render();
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
    if (event.target.matches && event.target.matches("textarea")) editor.grow(event.target);
  });

  document.addEventListener("htmx:configRequest", function (event) {
    if (root.contains(event.detail.elt)) event.detail.headers["X-CSRFToken"] = editor.csrfToken();
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
    state.retryDelay = editor.nextRetryDelay(state.retryDelay);
    setFormStatus(key, status);
    state.pendingRetry = setTimeout(function () { flushForm(key); }, state.retryDelay);
  }

  // The server's answer to a structured save: the new base for the next save of that form.
  document.addEventListener("pm:saved", function (event) {
    var detail = event.detail || {};
    editor.noteVersion(detail.version);
    if (forms[detail.section]) setFormStatus(detail.section, "saved");
    var form = document.getElementById("editor-" + detail.section);
    if (!form) return;
    var version = form.querySelector("[data-base-version]");
    var digest = form.querySelector("[data-base-digest]");
    if (version) version.value = detail.version;
    if (digest) digest.value = detail.digest;
  });

  // htmx settles a form a moment after swapping it in (later on a busy computer): the keyboard
  // is moved on settle only if it is still where the swap left it, never from a field the writer
  // has gone on to meanwhile.
  var focusAtSwap = new WeakMap();

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.elt;
    if (target && target.matches && target.matches("[data-structured]")) {
      focusAtSwap.set(target, document.activeElement);
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.elt;
    if (!target || !target.matches || !target.matches("[data-structured]")) return;
    editor.growAll(target);
    var keyboardFree = focusAtSwap.get(target) === document.activeElement;
    focusAtSwap.delete(target);
    var undo = target.querySelector("[data-row-undo]");
    if (undo && !undo.dataset.shown) offerUndo(undo, keyboardFree);
    if (target.dataset.focus) {
      // After a row operation: the moved row's button, the restored row's first field.
      var wanted = target.querySelector(target.dataset.focus);
      delete target.dataset.focus;
      if (keyboardFree && wanted) {
        if (!wanted.disabled) wanted.focus();
        else (wanted.parentElement.querySelector("button:not([disabled])") || target).focus();
      }
    }
    if (target.hasAttribute("data-focus-last")) {
      // Once: htmx settles this form again after each later autosave (swapping nothing).
      target.removeAttribute("data-focus-last");
      if (keyboardFree) focusLastRow(target);
    }
  });

  function focusLastRow(form) {
    var rows = form.querySelectorAll("textarea, input[type=text]");
    var last = form.querySelector(".pm-tl__row:last-child textarea, .pm-why:last-child textarea, .pm-factor:last-child input[type=text]");
    (last || rows[rows.length - 1] || form).focus();
  }

  // "Row deleted — Undo": the keyboard goes to Undo unless the writer has gone on elsewhere (its
  // label says what it undoes); the offer leaves after a few seconds, but never from under the
  // keyboard or the pointer.
  function offerUndo(undo, takeKeyboard) {
    undo.dataset.shown = "1";
    var button = undo.querySelector("button");
    if (button && takeKeyboard) button.focus();
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

  editor.flushForm = flushForm;
})();
