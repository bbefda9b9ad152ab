import assert from "node:assert/strict";
import { test } from "node:test";
import { createUploads, imageForModel } from "../../../src/convscope/web/js/core/gallery.js";

function memoryStorage() {
  const data = new Map();
  return { getItem: (k) => (data.has(k) ? data.get(k) : null), setItem: (k, v) => data.set(k, String(v)) };
}

const fashion = [{ id: "00000-ankle-boot" }, { id: "00001-pullover" }];
const cnn = [{ id: "espresso_1" }, { id: "pizza_1" }];

test("a model keeps the current image only when it is one of its samples or an upload", () => {
  assert.equal(imageForModel("pizza_1", cnn, []), "pizza_1");
  assert.equal(imageForModel("pizza_1", fashion, []), "00000-ankle-boot");
  assert.equal(imageForModel("abc123", fashion, [{ id: "abc123", name: "cat.png" }]), "abc123");
  assert.equal(imageForModel("", cnn, []), "espresso_1");
  assert.equal(imageForModel("pizza_1", [], []), "");
});

test("uploads keep their file names, newest first, once per image", () => {
  const uploads = createUploads(memoryStorage());
  uploads.remember("a", "cat.png");
  uploads.remember("b", "dog.jpg");
  uploads.remember("a", "cat again.png");
  assert.deepEqual(uploads.list(), [{ id: "a", name: "cat again.png" }, { id: "b", name: "dog.jpg" }]);
  assert.equal(uploads.nameOf("b"), "dog.jpg");
  assert.equal(uploads.nameOf("zzz"), null);
  uploads.forget("a");
  assert.deepEqual(uploads.list().map((u) => u.id), ["b"]);
});

test("a damaged session entry is forgotten instead of breaking the page", () => {
  const storage = memoryStorage();
  storage.setItem("convscope.uploads", "{not json");
  assert.deepEqual(createUploads(storage).list(), []);
  storage.setItem("convscope.uploads", JSON.stringify([{ id: 3 }, { id: "x", name: "ok.png" }]));
  assert.deepEqual(createUploads(storage).list(), [{ id: "x", name: "ok.png" }]);
});
