// Action items: inline editing, due-date suggestions, bulk selection.

/* --- postmortem table --- */
// The action-items table of a postmortem (editor and read view). Every form works without this
// script (a plain POST answered by a redirect, or a page with the form again); it adds:
// - the status select saves on change; "Won't do" first asks for the reason;
// - choosing a priority fills an empty due date with the suggestion (data-days on the option,
//   counted from data-today, the organization's today);
// - Escape cancels a row's edit form (and closes a delete confirmation); focus follows swaps;
// - Enter in a description submits (Shift+Enter for a new line).
// The owner field's member suggestions come from review.js ([data-member-picker]).
(function () {
  "use strict";

  var STATUS_CLASS = /\bai-st--\S+/;
  var refocus = null; // the id of a status select whose row is being saved

  function submit(form) {
    if (form.requestSubmit) form.requestSubmit();
    else if (window.htmx) window.htmx.trigger(form, "submit");
    else form.submit();
  }

  function reasonOf(form) {
    var box = form.querySelector("[data-ai-reason]");
    return box ? { box: box, input: box.querySelector("input") } : null;
  }

  function showReason(reason, on) {
    if (!reason) return;
    reason.box.hidden = !on;
    reason.input.required = on;
    if (on) reason.input.focus();
  }

  // --- Status ---------------------------------------------------------------------------------
  function statusChanged(select) {
    var form = select.form;
    var reason = reasonOf(form);
    select.className = select.className.replace(STATUS_CLASS, "ai-st--" + select.value.toLowerCase());
    if (select.value === "WONT_DO" && select.getAttribute("data-current") !== "WONT_DO") {
      showReason(reason, true); // saved with its reason (Enter, or the Save button)
      return;
    }
    showReason(reason, false);
    refocus = select.id; // the row is drawn again: keep the keyboard where it was
    submit(form);
  }

  // --- Suggested due dates --------------------------------------------------------------------
  function inWords(days) {
    if (days % 7 === 0 && days <= 28) return days / 7 === 1 ? "1 week" : days / 7 + " weeks";
    var months = Math.round(days / 30.4);
    return months === 1 ? "1 month" : months + " months";
  }

  function suggestDue(select) {
    var form = select.form;
    var due = form && form.querySelector("input[data-ai-due]");
    var option = select.options[select.selectedIndex];
    if (!due || !option || !due.getAttribute("data-today")) return;
    if (due.value && due.getAttribute("data-ai-suggested") !== "1") return; // the writer's own date
    var days = parseInt(option.getAttribute("data-days"), 10);
    if (!days) return;
    var date = new Date(due.getAttribute("data-today") + "T00:00:00Z");
    date.setUTCDate(date.getUTCDate() + days);
    due.value = date.toISOString().slice(0, 10);
    due.setAttribute("data-ai-suggested", "1");
    var hint = form.querySelector("[data-ai-due-hint]");
    if (hint) hint.textContent = "Suggested for " + option.textContent.trim().toLowerCase() + " priority: in " + inWords(days) + ".";
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!target.matches) return;
    if (target.matches("select[data-ai-status]")) statusChanged(target);
    else if (target.matches("select[data-ai-priority]")) suggestDue(target);
    else if (target.matches("select[data-ai-status-field]")) showReason(reasonOf(target.form), target.value === "WONT_DO");
  });

  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("input[data-ai-due]")) {
      event.target.removeAttribute("data-ai-suggested");
    }
  });

  // --- Keyboard -------------------------------------------------------------------------------
  function closeConfirm(details) {
    details.open = false;
    var summary = details.querySelector("summary");
    if (summary) summary.focus();
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (!target.closest) return;
    if (event.key === "Escape") {
      var confirm = target.closest("details[data-ai-confirm]");
      if (confirm && confirm.open) { event.preventDefault(); closeConfirm(confirm); return; }
      var edit = target.closest("form[data-ai-edit]");
      var cancel = edit && edit.querySelector("[data-ai-cancel]");
      if (cancel) { event.preventDefault(); cancel.click(); }
      return;
    }
    if (event.key === "Enter" && !event.shiftKey && target.matches("textarea[data-ai-description]")) {
      event.preventDefault();
      submit(target.form);
    }
  });

  document.addEventListener("click", function (event) {
    var keep = event.target.closest && event.target.closest("[data-ai-confirm-cancel]");
    if (keep) closeConfirm(keep.closest("details[data-ai-confirm]"));
    document.querySelectorAll("details[data-ai-confirm][open]").forEach(function (details) {
      if (!details.contains(event.target)) details.open = false;
    });
  });

  // --- Focus after a swap ---------------------------------------------------------------------
  var editing = {}; // row ids whose edit form is open, to give focus back to their Edit button

  document.addEventListener("htmx:afterSettle", function (event) {
    var element = event.target;
    if (!element || !element.matches) return;
    if (element.matches("tr.ai-row--editing")) {
      editing[element.id] = true;
      var field = element.querySelector("[aria-invalid=true]") || element.querySelector("textarea[data-ai-description]");
      if (field) field.focus();
    } else if (element.matches("tr.ai-row")) {
      var invalid = element.querySelector("[data-ai-reason]:not([hidden]) input");
      var select = refocus && element.querySelector("#" + refocus);
      refocus = null;
      if (invalid) invalid.focus();
      else if (select) select.focus();
      else if (editing[element.id]) {
        var button = element.querySelector(".ai-cell-tools a");
        if (button) button.focus();
      }
      delete editing[element.id];
    } else if (element.matches("[data-ai-block]")) {
      var add = element.querySelector("form[data-ai-add]");
      var wrong = add && add.querySelector("[aria-invalid=true]");
      if (wrong) wrong.focus();
      else if (element.hasAttribute("data-ai-focus-add") && add) add.querySelector("textarea[data-ai-description]").focus();
    }
  });
})();
/* --- end postmortem table --- */

/* --- tracker --- */
// The organization-wide tracker. Without this script every part works: filters submit as a GET,
// a row's status buttons post the page's #tracker-status form, bulk changes are a form posted
// to a confirmation page. It adds:
// - "select all on this page", and the bulk bar that rises once items are ticked (with their
//   count); the won't-do reason field only when that status is chosen;
// - after an inline status change: focus back on the row's status, a message in the live region
//   (the summary cards reload themselves on the same "tracker-changed" event, through htmx);
// - Cancel on a row asking for a won't-do reason puts the results back without a page load;
// - empty filters are left out of the URL that htmx pushes.
(function () {
  "use strict";

  document.documentElement.classList.add("js-trk");

  function boxes(root) {
    return Array.prototype.slice.call((root || document).querySelectorAll("input[data-trk-select]"));
  }

  function refreshSelection() {
    var bulk = document.querySelector("form[data-trk-bulk]");
    var all = document.querySelector("input[data-trk-select-all]");
    var items = boxes();
    var ticked = items.filter(function (box) { return box.checked; });
    items.forEach(function (box) {
      var row = box.closest("tr");
      if (row) row.classList.toggle("is-selected", box.checked);
    });
    if (all) {
      all.hidden = items.length === 0;
      all.checked = items.length > 0 && ticked.length === items.length;
      all.indeterminate = ticked.length > 0 && ticked.length < items.length;
    }
    if (!bulk) return;
    bulk.classList.toggle("is-active", ticked.length > 0);
    var count = bulk.querySelector("[data-trk-selected-count]");
    if (count) count.textContent = ticked.length === 1 ? "1 item selected" : ticked.length + " items selected";
    var hint = bulk.querySelector("[data-trk-bulk-hint]");
    if (hint) hint.textContent = "Choose one change; you will confirm it on the next page.";
    refreshReason(bulk);
  }

  function refreshReason(bulk) {
    var select = bulk.querySelector("select[data-trk-status-select]");
    var reason = bulk.querySelector("[data-trk-reason]");
    if (select && reason) reason.hidden = select.value !== "WONT_DO";
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!target.matches) return;
    if (target.matches("input[data-trk-select-all]")) {
      boxes().forEach(function (box) { box.checked = target.checked; });
      refreshSelection();
    } else if (target.matches("input[data-trk-select]")) {
      refreshSelection();
    } else if (target.matches("select[data-trk-status-select]")) {
      refreshReason(target.form);
    }
  });

  // Filters: leave empty fields out of the URL, so a shared or bookmarked view reads cleanly.
  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.detail.elt;
    if (!form || !form.matches || !form.matches("form.trk-filter-bar")) return;
    var params = event.detail.parameters;
    Object.keys(params).forEach(function (name) {
      if (params[name] === "") delete params[name];
    });
  });

  // Escape in the bulk bar clears the selection.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !event.target.closest || !event.target.closest("form[data-trk-bulk]")) return;
    boxes().forEach(function (box) { box.checked = false; });
    refreshSelection();
  });

  // Inline status changes: remember the row, and put the focus back on it once it is swapped.
  var lastRowId = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var row = event.detail.elt && event.detail.elt.closest && event.detail.elt.closest("tr.trk-row");
    lastRowId = row ? row.id : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    refreshSelection();
    if (!lastRowId) return;
    var row = document.getElementById(lastRowId);
    lastRowId = null;
    if (!row || row.contains(document.activeElement)) return;
    var focus = row.querySelector("input[autofocus]") || row.querySelector("[data-trk-status] > summary");
    if (focus) focus.focus();
  });

  document.addEventListener("tracker-changed", showMessage);
  document.addEventListener("DOMContentLoaded", refreshSelection);
  function showMessage(event) {
    var text = event.detail && event.detail.message;
    var region = document.getElementById("messages");
    if (!text || !region) return;
    var flash = document.createElement("div");
    flash.className = "flash flash--success";
    flash.setAttribute("role", "status");
    flash.textContent = text;
    region.appendChild(flash);
    setTimeout(function () { flash.classList.add("is-leaving"); }, 4000);
    setTimeout(function () { flash.remove(); }, 4600);
  }

  document.addEventListener("click", function (event) {
    var cancel = event.target.closest && event.target.closest("a[data-trk-cancel]");
    if (!cancel || !window.htmx || !document.getElementById("tracker-results")) return;
    event.preventDefault();
    lastRowId = (cancel.closest("tr") || {}).id || null;
    window.htmx.ajax("GET", cancel.getAttribute("href"), { target: "#tracker-results", swap: "outerHTML" });
  });
})();
/* --- end tracker --- */
