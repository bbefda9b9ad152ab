// What the gallery offers for one model: its own samples, then the images the
// reader uploaded this session (shown by their file names, for every model).
// DOM-free; the session store is passed in (window.sessionStorage in the app).

const KEY = "convscope.uploads";
// Uploaded bytes live on the server only until newer uploads push them out; keep the list as short.
const MAX_UPLOADS = 12;

/**
 * The image to show for a model: the current one when this model can show it
 * (one of its samples, or an upload), else its first sample, else none.
 * imageForModel("espresso_1", [{id: "00000-ankle-boot"}], []) -> "00000-ankle-boot"
 */
export function imageForModel(image, samples, uploads) {
  if (image && (samples.some((s) => s.id === image) || uploads.some((u) => u.id === image))) return image;
  return samples.length ? samples[0].id : "";
}

/** Uploads remembered for the session: [{id, name}], newest first, one entry per image id. */
export function createUploads(storage) {
  const read = () => {
    try {
      const list = JSON.parse(storage.getItem(KEY) || "[]");
      return Array.isArray(list) ? list.filter((u) => u && typeof u.id === "string" && typeof u.name === "string") : [];
    } catch {
      return []; // a damaged entry is forgotten, not fatal
    }
  };
  return {
    list: read,
    remember(id, name) {
      const list = [{ id, name: name || "upload" }, ...read().filter((u) => u.id !== id)].slice(0, MAX_UPLOADS);
      storage.setItem(KEY, JSON.stringify(list));
      return list;
    },
    forget(id) {
      storage.setItem(KEY, JSON.stringify(read().filter((u) => u.id !== id)));
    },
    nameOf(id) {
      const found = read().find((u) => u.id === id);
      return found ? found.name : null;
    },
  };
}
