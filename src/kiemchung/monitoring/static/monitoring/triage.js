// Keyboard shortcuts of the triage queue: j/k move, x select, p promote, a attach, d dismiss.
(() => {
  const rows = () => Array.from(document.querySelectorAll(".triage-item"));
  let current = -1;

  const focus = (index) => {
    const all = rows();
    if (!all.length) return;
    current = Math.max(0, Math.min(index, all.length - 1));
    all.forEach((row, i) => row.classList.toggle("is-current", i === current));
    all[current].focus({ preventScroll: true });
    all[current].scrollIntoView({ block: "nearest" });
  };

  const press = (selector) => {
    const row = rows()[current];
    const button = row && row.querySelector(selector);
    if (button) button.click();
  };

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target instanceof HTMLInputElement && target.type !== "checkbox") return;
    if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return;
    if (!rows().length) return;
    switch (event.key) {
      case "j": focus(current + 1); break;
      case "k": focus(current - 1); break;
      case "x": {
        const box = rows()[current]?.querySelector(".pick");
        if (box) box.checked = !box.checked;
        break;
      }
      case "p": press(".do-promote"); break;
      case "d": press(".do-dismiss"); break;
      case "a": {
        const input = rows()[current]?.querySelector(".claim-input");
        if (input && input.value) press(".do-attach");
        else if (input) input.focus();
        break;
      }
      default: return;
    }
    event.preventDefault();
  });

  document.addEventListener("htmx:afterSwap", () => { current = -1; });
})();
