// Small page behaviours that must not be inline scripts (the CSP allows only our own files):
// - <form data-confirm="Question?"> asks before submitting;
// - <button data-copy-target="input-id"> copies that input's value to the clipboard;
// - <div data-shown-for="protocol=OIDC"> is shown only while the radio button named
//   "protocol" with the value "OIDC" is checked, or the select named "protocol" has it chosen;
//   "kind=a|b" while either is (without JavaScript every part shows);
// - a box that scrolls sideways (a wide table on a phone) with nothing focusable inside
//   becomes a tab stop, so that the arrow keys can scroll it too.
// It also gives the page scripts window.hindsight.csrfToken().
(() => {
  // The cookie first: signing in again in another tab rotates the token, and a long editing
  // session should survive that. The page's token otherwise.
  function csrfToken() {
    const cookie = document.cookie.split("; ").find((part) => part.startsWith("csrftoken="));
    if (cookie) return decodeURIComponent(cookie.slice("csrftoken=".length));
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }
  window.hindsight = Object.assign(window.hindsight || {}, { csrfToken });

  document.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
  }, true);

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-copy-target]");
    if (!button) return;
    const input = document.getElementById(button.dataset.copyTarget);
    if (!input) return;
    input.focus();
    input.select();
    const done = () => {
      const label = button.textContent;
      button.textContent = "Copied";
      setTimeout(() => { button.textContent = label; }, 2000);
    };
    if (navigator.clipboard) navigator.clipboard.writeText(input.value).then(done, () => {});
  });

  function showChosenParts() {
    document.querySelectorAll("[data-shown-for]").forEach((part) => {
      const [name, values] = part.dataset.shownFor.split("=");
      const chosen = document.querySelector(
        `input[type=radio][name="${name}"]:checked, select[name="${name}"]`
      );
      part.hidden = Boolean(chosen) && !values.split("|").includes(chosen.value);
    });
  }
  document.addEventListener("change", (event) => {
    if (event.target.matches("input[type=radio], select")) showChosenParts();
  });
  showChosenParts();

  document.addEventListener("focusin", (event) => {
    if (event.target.matches("input[data-select-on-focus]")) event.target.select();
  });

  // htmx posts, with any request of a form, the name and value of the button in it that last
  // had focus or a click. A form that also saves itself on "change" would then send the row
  // button the writer has just tabbed onto ("delete", "move up") with that save. A button's
  // value goes only with the submit that this very button made.
  document.addEventListener("htmx:configRequest", (event) => {
    const form = event.detail.elt;
    if (!(form instanceof HTMLFormElement)) return;
    const trigger = event.detail.triggeringEvent;
    const submitter = trigger && trigger.type === "submit" ? trigger.submitter : null;
    const data = event.detail.formData;
    Array.from(form.elements).forEach((control) => {
      if (control.type !== "submit" || !control.name || control === submitter) return;
      const kept = data.getAll(control.name).filter((value) => value !== control.value);
      data.delete(control.name);
      kept.forEach((value) => data.append(control.name, value));
    });
    if (submitter && submitter.name && !data.getAll(submitter.name).includes(submitter.value)) {
      data.append(submitter.name, submitter.value);
    }
  });

  // The boxes that scroll sideways when their table or code is wider than the screen.
  const SCROLLERS = ".table-scroll, .card--flush, .prose table, .prose pre";
  const FOCUSABLE = "a[href], button, input, select, textarea, [tabindex]:not([tabindex='-1'])";

  function scrollerName(box) {
    const table = box.matches("table") ? box : box.querySelector("table");
    const caption = table && (table.getAttribute("aria-label") || table.caption?.textContent);
    if (caption) return caption.trim();
    const heading = box.closest("section, .card")?.querySelector("h2, h3")
      || document.querySelector("main h1");
    return heading ? heading.textContent.trim() : "Table";
  }

  function reachScrollers() {
    document.querySelectorAll(SCROLLERS).forEach((box) => {
      const made = box.hasAttribute("data-scroll-stop");
      const scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !made && !box.querySelector(FOCUSABLE)) {
        box.tabIndex = 0;
        // A table keeps its own role; a plain box is named for what it scrolls.
        const named = !box.matches("table, pre") && !box.hasAttribute("role");
        box.setAttribute("data-scroll-stop", named ? "region" : "");
        if (named) {
          box.setAttribute("role", "region");
          box.setAttribute("aria-label", scrollerName(box));
        }
      } else if (made && !scrolls) {
        box.removeAttribute("tabindex");
        if (box.getAttribute("data-scroll-stop") === "region") {
          box.removeAttribute("role");
          box.removeAttribute("aria-label");
        }
        box.removeAttribute("data-scroll-stop");
      }
    });
  }
  reachScrollers();
  window.addEventListener("resize", reachScrollers);
  document.addEventListener("htmx:afterSettle", reachScrollers);
})();
