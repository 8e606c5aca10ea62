// Small progressive enhancements; every page works without them.
document.addEventListener("change", (event) => {
  const el = event.target;
  if (el instanceof HTMLElement && el.hasAttribute("data-autosubmit") && el.form) {
    el.form.requestSubmit();
  }
});
document.addEventListener("click", (event) => {
  const el = event.target instanceof Element ? event.target.closest("[data-confirm]") : null;
  if (el && !window.confirm(el.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});
// A chosen image is shown before it is uploaded: <input type="file" data-preview="IMG-ID">.
document.addEventListener("change", (event) => {
  const el = event.target;
  if (!(el instanceof HTMLInputElement) || el.type !== "file" || !el.dataset.preview) return;
  const img = document.getElementById(el.dataset.preview);
  const file = el.files && el.files[0];
  if (!(img instanceof HTMLImageElement) || !file || !file.type.startsWith("image/")) return;
  const reader = new FileReader();
  reader.addEventListener("load", () => {
    img.src = String(reader.result);
    img.hidden = false;
    const placeholder = img.parentElement && img.parentElement.querySelector(".logo-placeholder");
    if (placeholder) placeholder.hidden = true;
  });
  reader.readAsDataURL(file);
});
