// The header's "Menu" button (shown below 1024 px): it opens and closes the panel holding the
// organization switcher, the sections and the search. Escape closes it and returns focus to the
// button; so do a click or focus elsewhere, without taking focus back. Without this script the
// button stays hidden and the panel's parts wrap in the header (css/nojs.css).
(function () {
  "use strict";

  var header = document.querySelector("[data-app-header]");
  var toggle = header && header.querySelector("[data-nav-toggle]");
  var menu = header && header.querySelector("[data-nav-menu]");
  if (!toggle || !menu) return;

  function isOpen() {
    return toggle.getAttribute("aria-expanded") === "true";
  }

  function setOpen(open) {
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    header.classList.toggle("is-open", open);
  }

  function within(node) {
    return Boolean(node) && (menu.contains(node) || toggle.contains(node));
  }

  toggle.addEventListener("click", function () {
    setOpen(!isOpen());
  });

  // In the capture phase, before app.js closes any open <details> menu: Escape inside the
  // organization switcher closes that switcher first, and this menu on the next press.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !isOpen()) return;
    if (event.target.closest && event.target.closest("details.menu[open]")) return;
    setOpen(false);
    toggle.focus();
  }, true);

  document.addEventListener("click", function (event) {
    if (isOpen() && !within(event.target)) setOpen(false);
  });

  menu.addEventListener("focusout", function (event) {
    if (event.relatedTarget && !within(event.relatedTarget)) setOpen(false);
  });
})();
