// The review workflow: people pickers and one-click transition buttons.
// Every form works without this script (a plain POST answered by a redirect); it adds:
// - member autocomplete: <input data-member-picker="/o/acme/members/search/?role=reviewer"
//   list="…"> gets its <datalist> refreshed from the member search as the person types;
// - forms answered in place ([data-rv-target]) through htmx, with no hx-* in the markup;
// - no double submits: the buttons of a [data-rv-once] form are disabled while it is sent
//   (plain or htmx), and enabled again when an htmx answer leaves the page in place;
// - the status bar's people panel, loaded when "Manage people" first opens.
(function () {
  "use strict";

  var DELAY_MS = 200;

  // --- Member pickers ---------------------------------------------------------------------
  function pickerUrl(input) {
    var base = input.getAttribute("data-member-picker");
    var query = input.value.trim();
    return base + (base.indexOf("?") === -1 ? "?" : "&") + "q=" + encodeURIComponent(query);
  }

  function chosen(input, list) {
    // The value is one of the options already: nothing to look up (a pick from the list).
    var value = input.value.trim();
    return Array.prototype.some.call(list.options, function (option) { return option.value === value; });
  }

  function refresh(input) {
    var list = document.getElementById(input.getAttribute("list") || "");
    if (!list || chosen(input, list) && input.value.trim()) return;
    var asked = input.value;
    fetch(pickerUrl(input), { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html !== null && input.value === asked) list.innerHTML = html;
      })
      .catch(function () { /* offline: the field stays a plain text field */ });
  }

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[data-member-picker]")) return;
    clearTimeout(input._rvTimer);
    input._rvTimer = setTimeout(function () { refresh(input); }, DELAY_MS);
  });

  // Suggestions on focus, so the arrow keys offer members before anything is typed.
  document.addEventListener("focusin", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[data-member-picker]")) return;
    if (input._rvPrimed) return;
    input._rvPrimed = true;
    refresh(input);
  });

  // --- Forms answered in place ------------------------------------------------------------
  // <form method="post" action="…" data-rv-target="#id" data-rv-swap="outerHTML">: with
  // JavaScript, htmx posts it and swaps the answer into the target (a refusal included: the
  // page's htmx config swaps 4xx answers); a success answers HX-Redirect. The pages carry no
  // hx-* attributes of their own: what drives htmx is here, next to the markup it enhances.
  function buttonsOf(form) {
    return Array.prototype.slice.call(form.querySelectorAll("button[type=submit], button:not([type])"));
  }

  function busy(form, on) {
    buttonsOf(form).forEach(function (button) {
      button.disabled = on;
      if (on) button.setAttribute("aria-busy", "true");
      else button.removeAttribute("aria-busy");
    });
  }

  function onceForm(element) {
    return element && element.closest ? element.closest("form[data-rv-once]") : null;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-rv-target], form[data-rv-once]")) return;
    if (form.dataset.rvSent === "1") { event.preventDefault(); return; } // a second click
    var submitter = event.submitter;
    var url = (submitter && submitter.getAttribute("formaction")) || form.getAttribute("action");
    if (form.hasAttribute("data-rv-target") && window.htmx && document.querySelector(form.dataset.rvTarget)) {
      event.preventDefault();
      window.htmx.ajax("POST", url, {
        source: form,
        target: form.dataset.rvTarget,
        swap: form.dataset.rvSwap || "innerHTML",
      });
      return;
    }
    // A plain submit: disable once the browser has taken the submitter (its formaction counts).
    form.dataset.rvSent = "1";
    setTimeout(function () { busy(form, true); }, 0);
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = onceForm(event.detail.elt);
    if (!form) return;
    if (form.dataset.rvSent === "1") { event.preventDefault(); return; }
    form.dataset.rvSent = "1";
    busy(form, true);
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = onceForm(event.detail.elt);
    if (!form) return;
    var xhr = event.detail.xhr;
    if (xhr && xhr.getResponseHeader && xhr.getResponseHeader("HX-Redirect")) return; // leaving
    delete form.dataset.rvSent;
    if (document.contains(form)) busy(form, false);
  });

  // The checklist's "submit anyway?" question, swapped in after a submit, takes the focus (the
  // submit button is disabled meanwhile, which drops it): the next Tab reaches its buttons.
  document.addEventListener("htmx:afterSwap", function (event) {
    var dialog = event.detail.target.querySelector("[role=alertdialog][tabindex]");
    if (dialog) dialog.focus();
  });

  // "Manage people" in the status bar loads the people panel the first time it opens; without
  // JavaScript the disclosure holds a link to the people page instead.
  function loadPeople(details) {
    var slot = details.querySelector("[data-rv-load]");
    if (!slot || slot.dataset.rvLoading || !window.htmx) return;
    slot.dataset.rvLoading = "1";
    window.htmx.ajax("GET", slot.getAttribute("data-rv-load"), { source: slot, target: "#" + slot.id, swap: "outerHTML" });
  }

  // The submit popover and "Manage people" keep focus sensible: opening moves it to the
  // first field; the people panel that replaces the bar keeps its disclosure open.
  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (!details.matches || !details.open) return;
    if (details.matches("details.rv-manage")) { loadPeople(details); return; }
    if (!details.matches("details.rv-submit")) return;
    var field = details.querySelector("input[type=text]");
    if (field) setTimeout(function () { field.focus(); }, 0);
  }, true);
})();
