// The bell's panel: a disclosure under the bell that loads the newest notifications by htmx when
// it opens. Without JavaScript the bell is a link to the notifications page.
// Enter or a click opens and closes it; Escape, a click or focus elsewhere close it, and Escape
// gives focus back to the bell.
(() => {
  const menu = () => document.querySelector("[data-bell-menu]");
  const bell = () => document.getElementById("notification-bell");
  const panel = () => document.getElementById("notification-panel");

  // The bell is swapped out of band when notifications are marked read: keep its state.
  function sync() {
    const button = bell();
    const box = panel();
    if (!button || !box) return;
    button.setAttribute("aria-controls", box.id);
    button.setAttribute("aria-expanded", box.hidden ? "false" : "true");
  }

  function open() {
    const box = panel();
    box.hidden = false;
    sync();
    if (window.htmx) {
      box.setAttribute("aria-busy", "true");
      window.htmx.ajax("GET", box.dataset.panelUrl, { target: box, swap: "innerHTML" });
    }
  }

  function close({ focusBell = false } = {}) {
    const box = panel();
    if (!box || box.hidden) return;
    box.hidden = true;
    sync();
    if (focusBell) bell().focus();
  }

  document.addEventListener("click", (event) => {
    const wrapper = menu();
    if (!wrapper) return;
    const button = event.target.closest("#notification-bell");
    if (button && !event.ctrlKey && !event.metaKey && !event.shiftKey && event.button === 0) {
      event.preventDefault();
      if (panel().hidden) open();
      else close();
      return;
    }
    if (!wrapper.contains(event.target)) close();
  });

  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    const box = panel();
    if (!box || box.hidden) return;
    event.preventDefault();
    close({ focusBell: menu().contains(document.activeElement) || document.activeElement === document.body });
  });

  // Tabbing out of the panel closes it (a swap that drops focus does not).
  document.addEventListener("focusout", (event) => {
    const wrapper = menu();
    if (!wrapper || !wrapper.contains(event.target)) return;
    const next = event.relatedTarget;
    if (next && !wrapper.contains(next)) close();
  });

  // After "Mark all as read" the button is gone: focus the panel's heading, not the page.
  document.addEventListener("htmx:afterSettle", (event) => {
    sync();
    const box = panel();
    if (!box || event.detail.target !== box) return;
    box.removeAttribute("aria-busy");
    if (box.hidden) return;
    if (!box.contains(document.activeElement)) {
      if (box.querySelector('[role="status"]')) box.querySelector("#notification-panel-title").focus();
    }
  });

  // A failed load says so and offers the notifications page.
  document.addEventListener("htmx:afterRequest", (event) => {
    const box = panel();
    if (!box || event.detail.target !== box || event.detail.successful) return;
    box.removeAttribute("aria-busy");
    const message = document.createElement("p");
    message.className = "bell-panel__loading small";
    message.setAttribute("role", "alert");
    message.append("The notifications did not load. ");
    const link = document.createElement("a");
    link.href = bell().href;
    link.textContent = "Open the notifications page";
    message.append(link);
    box.replaceChildren(message);
  });

  document.addEventListener("DOMContentLoaded", sync);
})();
