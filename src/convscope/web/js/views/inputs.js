// Choosing the input: sample images with true labels, a file picker, drag and
// drop anywhere on the page, the image as the network sees it, and upload errors.
import { el } from "./dom.js";

/** handlers: {onSample(id), onFile(file)}. */
export function createInputs(root, handlers, dropTarget = document.body) {
  const gallery = el("div", "samples", { role: "group", "aria-label": "Sample images" });
  const upload = el("div", "upload");
  const button = el("button", "upload-button", { type: "button", id: "upload-button" }, "Upload an image…");
  const input = el("input", "", { type: "file", id: "upload-input", accept: "image/*", hidden: "" });
  const hint = el("span", "hint", {}, "or drop one anywhere on the page");
  const error = el("p", "error", { id: "upload-error", role: "alert" });
  upload.append(button, input, hint, error);
  const preview = el("figure", "preview");
  const image = el("img", "", { id: "input-preview", alt: "the image as the network sees it" });
  const caption = el("figcaption");
  const values = el("span", "input-values");
  preview.append(image, caption, values);
  preview.hidden = true;
  root.append(gallery, upload, preview);

  button.addEventListener("click", () => input.click());
  input.addEventListener("change", () => {
    if (input.files.length) handlers.onFile(input.files[0]);
    input.value = ""; // choosing the same file again must fire change again
  });
  dropTarget.addEventListener("dragover", (event) => {
    event.preventDefault();
    dropTarget.classList.add("dragging");
  });
  dropTarget.addEventListener("dragleave", (event) => {
    if (event.target === dropTarget) dropTarget.classList.remove("dragging");
  });
  dropTarget.addEventListener("drop", (event) => {
    event.preventDefault();
    dropTarget.classList.remove("dragging");
    const file = event.dataTransfer && event.dataTransfer.files[0];
    if (file) handlers.onFile(file);
  });

  return {
    /** samples: the viewed model's own ({id, label, url}); uploads: this session's ({id, name, url}), by file name. */
    setSamples(samples, uploads = []) {
      gallery.replaceChildren();
      const button = (id, label, url, title, extra = "") => {
        const b = el("button", `sample${extra}`, { type: "button", "aria-pressed": "false", title });
        b.dataset.sample = id;
        b.append(el("img", "", { src: url, alt: "" }), el("span", "", {}, label));
        b.addEventListener("click", () => handlers.onSample(id));
        gallery.append(b);
      };
      for (const s of samples) button(s.id, s.label, s.url, `sample: ${s.label || s.id}`);
      for (const u of uploads) button(u.id, u.name, u.url, `your upload: ${u.name}`, " uploaded");
      gallery.hidden = samples.length + uploads.length === 0;
    },
    /** Mark the chosen sample (if any) and show the image as the network sees it. */
    setCurrent(info, spec) {
      for (const b of gallery.querySelectorAll(".sample")) b.setAttribute("aria-pressed", String(b.dataset.sample === info.image));
      image.src = info.image_url;
      const seen = `${spec.width}×${spec.height} ${spec.channels === 1 ? "gray" : "RGB"}`;
      caption.textContent = [`as the network sees it (${seen})`, ...info.source.notes].join(" · ");
      preview.hidden = false;
    },
    /** How many values the network reads, e.g. "3 channels × 64 × 64 = 12,288 values" (from the server). */
    setValues(text) {
      values.textContent = text;
    },
    busy(on) {
      root.classList.toggle("busy", on);
      button.disabled = on;
    },
    showError(message) {
      error.textContent = message;
    },
    clearError() {
      error.textContent = "";
    },
  };
}
