// Hashes files off the main thread with disrupt-hasher compiled to WebAssembly, so the page stays responsive.
// Messages in:  {id, type: "image", bytes: ArrayBuffer}            -> {pdq, quality, md5, sha256, width, height, views}
//               {id, type: "digest", bytes: ArrayBuffer}           -> {md5, sha256}
//               {id, type: "rgba", pixels: ArrayBuffer, width, height} -> {pdq, quality}   (video frames)
// Messages out: {id, ok: true, result, ms} or {id, ok: false, error: {code, message}}.
// The bytes are dropped as soon as the call returns; nothing is stored or sent from here.
import init, { hash_image, digest_file, hash_rgba } from "./pkg/disrupt_wasm.js";

const ready = init();

self.onmessage = async (event) => {
  const { id, type } = event.data;
  try {
    await ready;
    const start = performance.now();
    let result;
    if (type === "image") {
      result = hash_image(new Uint8Array(event.data.bytes));
    } else if (type === "digest") {
      result = digest_file(new Uint8Array(event.data.bytes));
    } else if (type === "rgba") {
      const { pixels, width, height } = event.data;
      result = hash_rgba(new Uint8Array(pixels), width, height);
    } else {
      throw { code: "unknown_request", message: String(type) };
    }
    self.postMessage({ id, ok: true, result, ms: performance.now() - start });
  } catch (e) {
    const error = e && e.code ? { code: e.code, message: e.message } : { code: "internal", message: String(e) };
    self.postMessage({ id, ok: false, error });
  }
};
