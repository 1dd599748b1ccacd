// Small progressive enhancements; every page works without them.
(function () {
  "use strict";

  // Close open <details> menus on outside click and on Escape.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      menu.removeAttribute("open");
      var summary = menu.querySelector("summary");
      if (summary) summary.focus();
    });
  });

  // Success and info messages fade out; errors stay until dismissed by a click.
  function scheduleDismiss(root) {
    root.querySelectorAll(".flash--success, .flash--info").forEach(function (flash) {
      setTimeout(function () { flash.classList.add("is-leaving"); }, 6000);
      setTimeout(function () { flash.remove(); }, 6600);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { scheduleDismiss(document); });
  document.addEventListener("htmx:afterSwap", function (event) { scheduleDismiss(event.target); });
  document.addEventListener("click", function (event) {
    var flash = event.target.closest(".flash--error");
    if (flash) flash.remove();
  });

  // "/" focuses the search box (the search page's own, else the header's) unless typing.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) return;
    var box = document.querySelector('[data-search-shortcut="page"]') ||
      document.querySelector("[data-search-shortcut]");
    if (!box) return;
    event.preventDefault();
    box.focus();
    box.select();
  });
})();
