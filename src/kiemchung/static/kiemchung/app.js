// Small behaviours that keep templates free of inline script (a strict CSP holds).
document.addEventListener("change", (event) => {
  const target = event.target;
  if (target instanceof HTMLSelectElement && target.classList.contains("autosubmit")) {
    target.form?.submit();
  }
});
document.addEventListener("click", (event) => {
  const target = event.target;
  if (target instanceof HTMLElement && target.dataset.confirm) {
    if (!window.confirm(target.dataset.confirm)) event.preventDefault();
  }
});
