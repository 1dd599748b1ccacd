// The chat import's proposals: "Select all" / "Select none" set every message's checkbox
// (those already on the timeline stay disabled). Without JavaScript, tick them one by one.
(() => {
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-chat-select]");
    if (!button) return;
    const checked = button.dataset.chatSelect === "all";
    button.form.querySelectorAll("input[data-chat-pick]:not(:disabled)").forEach((box) => {
      box.checked = checked;
    });
  });
})();
