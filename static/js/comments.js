// Comments: the editor's section panels, jumps to "#comment-<id>", Ctrl+Enter to send, and the
// @mention suggestions. Everything works without it: the comment buttons are links to the
// comments page, the forms post, and mentions are read from the text on the server.
(function () {
  "use strict";

  document.documentElement.classList.add("js-comments"); // shows the keyboard hints

  // --- Section panels in the editor -----------------------------------------------------------

  function buttonOf(panel) {
    return document.querySelector('[data-comments-toggle][aria-controls="' + panel.id + '"]');
  }

  function openPanel(panel) {
    panel.hidden = false;
    var button = buttonOf(panel);
    if (button) button.setAttribute("aria-expanded", "true");
  }

  function closePanel(panel, focusButton) {
    panel.hidden = true;
    var button = buttonOf(panel);
    if (!button) return;
    button.setAttribute("aria-expanded", "false");
    if (focusButton) button.focus();
  }

  function hasDraft(panel) {
    return Array.prototype.some.call(panel.querySelectorAll("textarea"), function (textarea) {
      return textarea.value.trim() !== "";
    });
  }

  // A click on the button of an open panel closes it rather than loading it again; a closed
  // panel holding unsent text opens as it was (reloading it would lose the text).
  document.addEventListener("htmx:confirm", function (event) {
    var button = event.detail.elt;
    if (!button || !button.matches || !button.matches("[data-comments-toggle]")) return;
    var panel = document.getElementById(button.getAttribute("aria-controls"));
    if (!panel || !panel.firstElementChild) return;
    if (!panel.hidden) {
      event.preventDefault();
      closePanel(panel, false);
    } else if (hasDraft(panel)) {
      event.preventDefault();
      openPanel(panel);
    }
  });

  var pendingJump = null;

  document.addEventListener("htmx:afterSwap", function (event) {
    var panel = event.detail.target;
    if (!panel || !panel.matches || !panel.matches("[data-comments-panel]")) return;
    openPanel(panel);
    if (pendingJump) {
      var id = pendingJump;
      pendingJump = null;
      reveal(id);
      return;
    }
    // Opened from its button: start writing when there is nothing to read yet.
    var hasThreads = panel.querySelector("[data-thread]");
    var target = hasThreads ? panel.querySelector("[data-comments-title]")
                            : panel.querySelector(".comment-form textarea");
    if (target) target.focus({ preventScroll: true });
  });

  // --- The read view's discussions ------------------------------------------------------------
  // A reply or a new thread swaps the section's discussion in place: the focus goes back to the
  // box it was written in (empty again, or holding the text and its error), so a keyboard user
  // carries on where they were.

  var returnFocusTo = null;

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt;
    if (!form || !form.closest || !form.closest("[data-discussion]")) return;
    var box = form.querySelector("textarea");
    returnFocusTo = box ? box.id : null;
  });

  document.addEventListener("htmx:afterSettle", function () {
    if (!returnFocusTo) return;
    var box = document.getElementById(returnFocusTo);
    returnFocusTo = null;
    if (!box || !box.closest("[data-discussion]")) return;
    for (var node = box; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") node.open = true;
    }
    box.focus({ preventScroll: true });
  });

  // --- Jumping to a comment ("#comment-<id>", the top bar's count) -----------------------------

  function reveal(id) {
    var element = document.getElementById("comment-" + id);
    if (!element) return false;
    var panel = element.closest("[data-comments-panel]");
    if (panel && panel.hidden) openPanel(panel);
    for (var node = element; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") node.open = true;
    }
    var thread = element.closest("[data-thread]") || element;
    element.scrollIntoView({ block: "center" });
    thread.classList.add("is-highlighted");
    setTimeout(function () { thread.classList.remove("is-highlighted"); }, 2400);
    return true;
  }

  function jump(id) {
    if (reveal(id)) return;
    // In the editor the thread's section panel is not loaded yet: the server answers with
    // that panel and where to put it (HX-Retarget), or sends us to the comments page.
    var source = document.querySelector("[data-comments-url]");
    if (!source || !window.htmx) return;
    pendingJump = id;
    window.htmx.ajax("GET", source.dataset.commentsUrl + "?comment=" + encodeURIComponent(id), {
      source: source, target: source, swap: "none"
    });
  }

  function jumpToHash() {
    var match = /^#comment-(\d+)$/.exec(window.location.hash);
    if (match) jump(match[1]);
  }

  document.addEventListener("DOMContentLoaded", jumpToHash);
  window.addEventListener("hashchange", jumpToHash);

  document.addEventListener("click", function (event) {
    var close = event.target.closest("[data-comments-close]");
    if (close) {
      var panel = close.closest("[data-comments-panel]");
      if (panel) closePanel(panel, true);
      return;
    }
    var link = event.target.closest("[data-comment-jump]");
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    jump(link.dataset.commentJump);
  });

  // --- @mention suggestions -------------------------------------------------------------------

  var BEFORE_CARET = /(^|[^\p{L}\p{N}_@.])@([\p{L}\p{N}_.+-]{1,40})$/u;
  var DELAY_MS = 150;
  var list = null;
  var input = null; // the textarea the list belongs to
  var options = [];
  var selected = -1;
  var sequence = 0;
  var timer = null;

  function mentionAtCaret(textarea) {
    if (textarea.selectionStart !== textarea.selectionEnd) return null;
    var before = textarea.value.slice(0, textarea.selectionStart);
    var match = BEFORE_CARET.exec(before);
    if (!match) return null;
    return { query: match[2], start: before.length - match[2].length - 1, end: before.length };
  }

  function ensureList() {
    if (list) return list;
    list = document.createElement("ul");
    list.className = "mention-list";
    list.id = "mention-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Members to mention");
    list.hidden = true;
    list.addEventListener("mousedown", function (event) {
      var item = event.target.closest("[data-username]");
      event.preventDefault(); // keep the focus in the textarea
      if (item) choose(item.dataset.username);
    });
    return list;
  }

  function closeList() {
    clearTimeout(timer);
    sequence += 1;
    if (list) list.hidden = true;
    if (input) {
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }
    options = [];
    selected = -1;
  }

  function isOpen() {
    return list && !list.hidden && input && input.isConnected;
  }

  function parseOptions(html) {
    var doc = new DOMParser().parseFromString("<select>" + html + "</select>", "text/html");
    return Array.prototype.map.call(doc.querySelectorAll("option"), function (option) {
      return {
        username: option.value,
        name: option.dataset.name || "",
        role: option.dataset.role || ""
      };
    }).filter(function (member) { return member.username; });
  }

  function show(textarea, members, query) {
    ensureList();
    input = textarea;
    (textarea.closest(".mention-host") || textarea.parentNode).appendChild(list);
    textarea.setAttribute("aria-controls", list.id);
    textarea.setAttribute("aria-autocomplete", "list");
    list.textContent = "";
    options = members;
    selected = members.length ? 0 : -1;
    if (!members.length) {
      var empty = document.createElement("li");
      empty.className = "mention-list__empty";
      empty.textContent = "No member matches “@" + query + "”";
      list.appendChild(empty);
    }
    members.forEach(function (member, index) {
      var item = document.createElement("li");
      item.className = "mention-list__item";
      item.id = "mention-option-" + index;
      item.setAttribute("role", "option");
      item.dataset.username = member.username;
      var name = document.createElement("span");
      name.className = "mention-list__name";
      name.textContent = member.name || member.username;
      item.appendChild(name);
      if (member.name) {
        var user = document.createElement("span");
        user.className = "mention-list__user";
        user.textContent = "@" + member.username;
        item.appendChild(user);
      }
      if (member.role) {
        var role = document.createElement("span");
        role.className = "mention-list__role";
        role.textContent = member.role;
        item.appendChild(role);
      }
      list.appendChild(item);
    });
    list.hidden = false;
    textarea.setAttribute("aria-expanded", "true");
    highlight(selected);
  }

  function highlight(index) {
    selected = index;
    Array.prototype.forEach.call(list.querySelectorAll("[role=option]"), function (item, i) {
      item.setAttribute("aria-selected", i === index ? "true" : "false");
      if (i === index) item.scrollIntoView({ block: "nearest" });
    });
    if (index >= 0) input.setAttribute("aria-activedescendant", "mention-option-" + index);
    else input.removeAttribute("aria-activedescendant");
  }

  function choose(username) {
    var textarea = input;
    var mention = textarea && mentionAtCaret(textarea);
    closeList();
    if (!mention) return;
    var text = "@" + username + " ";
    textarea.focus();
    textarea.setSelectionRange(mention.start, mention.end);
    // execCommand keeps the browser's undo history; setRangeText where it is not supported.
    var done = false;
    try { done = document.execCommand("insertText", false, text); } catch (error) { done = false; }
    if (!done) {
      textarea.setRangeText(text, mention.start, mention.end, "end");
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }

  function search(textarea, query) {
    var url = textarea.dataset.memberSearch;
    if (!url) return;
    var mine = ++sequence;
    fetch(url + "?q=" + encodeURIComponent(query), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        if (mine !== sequence || document.activeElement !== textarea) return;
        show(textarea, parseOptions(html), query);
      })
      .catch(closeList);
  }

  document.addEventListener("input", function (event) {
    var textarea = event.target;
    if (!textarea.matches || !textarea.matches("[data-mention-input]")) return;
    var mention = mentionAtCaret(textarea);
    if (!mention) { closeList(); return; }
    clearTimeout(timer);
    timer = setTimeout(function () { search(textarea, mention.query); }, DELAY_MS);
  });

  document.addEventListener("focusout", function (event) {
    if (event.target === input) closeList();
  });

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (isOpen() && target === input) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (!options.length) return;
        var step = event.key === "ArrowDown" ? 1 : -1;
        highlight((selected + step + options.length) % options.length);
        return;
      }
      if ((event.key === "Enter" || event.key === "Tab") && selected >= 0 && !event.shiftKey) {
        event.preventDefault();
        choose(options[selected].username);
        return;
      }
      if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        closeList();
        return;
      }
    }
    // Ctrl+Enter (⌘+Enter) sends a comment or a reply.
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && target.matches &&
        target.matches("[data-mention-input]") && target.form) {
      event.preventDefault();
      closeList();
      if (target.form.requestSubmit) target.form.requestSubmit();
      else target.form.submit();
      return;
    }
    // Escape inside a section panel closes it.
    if (event.key === "Escape" && target.closest) {
      var panel = target.closest("[data-comments-panel]");
      if (panel && !panel.hidden) closePanel(panel, true);
    }
  });
})();
