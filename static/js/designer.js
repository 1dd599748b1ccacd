// The template designer: the variable palette, drag-and-drop ordering, focus after htmx swaps.
// Everything here is an enhancement: without it the palette is a reference list, the move
// buttons post plain forms, and every form still saves.
(function () {
  "use strict";

  var TARGET = "textarea[data-variable-target]";
  var lastTarget = null; // the default text or helper prompt the admin was last in
  var lastMove = null; // {id, direction} of the move button just pressed

  function statusLine(text) {
    var status = document.querySelector("[data-palette-status]");
    if (status) status.textContent = text;
  }

  function labelOf(textarea) {
    var label = textarea.id && document.querySelector('label[for="' + textarea.id + '"]');
    var item = textarea.closest(".ts");
    var title = item ? item.querySelector(".ts__title") : null;
    var where = title ? "“" + title.textContent.trim() + "”" : "the new section";
    return (label ? label.textContent.replace(/optional/, "").trim().toLowerCase() : "text") +
      " of " + where;
  }

  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches(TARGET)) lastTarget = event.target;
  });

  function currentTarget() {
    if (lastTarget && document.contains(lastTarget)) return lastTarget;
    // The element was swapped by htmx: find its replacement by id.
    if (lastTarget && lastTarget.id) {
      var again = document.getElementById(lastTarget.id);
      if (again) return (lastTarget = again);
    }
    return null;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-insert]");
    if (!button) return;
    var target = currentTarget();
    var text = button.getAttribute("data-insert");
    if (!target) {
      statusLine("Click into a default text or helper prompt first, then pick a variable.");
      return;
    }
    var details = target.closest("details");
    if (details && !details.open) details.open = true;
    var start = target.selectionStart, end = target.selectionEnd;
    target.focus();
    target.setRangeText(text, start, end, "end");
    target.dispatchEvent(new Event("input", { bubbles: true }));
    statusLine("Inserted " + text + " into the " + labelOf(target) + ".");
  });

  // --- Drag and drop (the move buttons do the same from the keyboard) ---------------------------
  var dragged = null;
  var startOrder = "";

  function orderOf(list) {
    return Array.prototype.map.call(list.querySelectorAll(":scope > .ts"), function (item) {
      return item.getAttribute("data-section-id");
    });
  }

  document.addEventListener("pointerdown", function (event) {
    var handle = event.target.closest("[data-drag-handle]");
    if (handle) handle.closest(".ts").setAttribute("draggable", "true");
  });
  document.addEventListener("pointerup", function (event) {
    var handle = event.target.closest("[data-drag-handle]");
    if (handle && !dragged) handle.closest(".ts").removeAttribute("draggable");
  });

  document.addEventListener("dragstart", function (event) {
    var item = event.target.closest && event.target.closest("[data-sections] > .ts");
    if (!item || item.getAttribute("draggable") !== "true") return;
    dragged = item;
    startOrder = orderOf(item.parentNode).join(",");
    item.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.getAttribute("data-section-id"));
  });

  document.addEventListener("dragover", function (event) {
    if (!dragged) return;
    var over = event.target.closest && event.target.closest("[data-sections] > .ts");
    if (!over || over.parentNode !== dragged.parentNode) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    if (over === dragged) return;
    var box = over.getBoundingClientRect();
    var after = event.clientY > box.top + box.height / 2;
    over.parentNode.insertBefore(dragged, after ? over.nextSibling : over);
  });

  document.addEventListener("drop", function (event) {
    if (dragged) event.preventDefault();
  });

  document.addEventListener("dragend", function () {
    if (!dragged) return;
    var item = dragged, list = item.parentNode;
    dragged = null;
    item.classList.remove("is-dragging");
    item.removeAttribute("draggable");
    var order = orderOf(list);
    if (order.join(",") === startOrder) return;
    var form = document.getElementById("reorder-form");
    if (!form) return;
    form.querySelectorAll('input[name="order"]').forEach(function (input) { input.remove(); });
    order.forEach(function (id) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = "order";
      input.value = id;
      form.appendChild(input);
    });
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  });

  // --- Focus after htmx swaps ---------------------------------------------------------------------
  document.addEventListener("click", function (event) {
    var move = event.target.closest(".ts__move");
    if (move) lastMove = { id: move.closest(".ts").id, direction: move.value };
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var swapped = event.detail.target;
    if (!swapped || swapped.id !== "sections") return;
    var sections = document.getElementById("sections");
    if (lastMove) {
      var move = lastMove, item = document.getElementById(move.id);
      lastMove = null;
      if (item) {
        // Keep the keyboard on the same button, or on the other one at either end.
        var same = item.querySelector('.ts__move[value="' + move.direction + '"]');
        var other = item.querySelector('.ts__move:not([value="' + move.direction + '"])');
        var wanted = same && !same.disabled ? same : other;
        if (wanted) wanted.focus();
        item.classList.add("is-moved");
      }
      return;
    }
    var opened = sections && sections.querySelector(".ts.is-open");
    if (opened && event.detail.requestConfig.verb === "post" &&
        /\/sections\/$/.test(event.detail.requestConfig.path)) {
      opened.scrollIntoView({ block: "center", behavior: "smooth" });
      var field = opened.querySelector(TARGET);
      if (field) field.focus({ preventScroll: true });
    }
  });
})();
