// Small page behaviours that must not be inline scripts (the CSP allows only our own files):
// - <form data-confirm="Question?"> asks before submitting;
// - <button data-copy-target="input-id"> copies that input's value to the clipboard.
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

  document.addEventListener("focusin", (event) => {
    if (event.target.matches("input[data-select-on-focus]")) event.target.select();
  });
})();
