// Small page behaviours that must not be inline scripts (the CSP allows only our own files):
// - <form data-confirm="Question?"> asks before submitting;
// - <button data-copy-target="input-id"> copies that input's value to the clipboard;
// - <div data-shown-for="protocol=OIDC"> is shown only while the radio button named
//   "protocol" with the value "OIDC" is checked, or the select named "protocol" has it chosen;
//   "kind=a|b" while either is (without JavaScript every part shows).
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
})();
