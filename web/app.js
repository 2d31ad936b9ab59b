// The victims' page: orientation, hashing in the browser, submission of the hashes only, follow-up of a case.
// The texts are data (i18n/*.json, orientation.json); every text reaches the page through textContent, never as
// HTML, so the hotline can edit them without risk. Nothing is stored on the device.

const LANGS = ["fr", "en"];
const SAFE_LINK = /^(https:|tel:|mailto:)/;
// Browsers decode videos frame by frame on the main thread: keep it to short clips.
const MAX_VIDEO_SECONDS = 300;
const LOW_QUALITY = 50;

const $ = (id) => document.getElementById(id);

const state = {
  lang: "en",
  texts: {},
  orientation: null,
  category: null,
  files: [], // {key, file, url, video, status: waiting|hashing|done|failed, result, error, ms}
  nextKey: 1,
  status: null, // the last message of the hashing step: {key, params}
};

// ---------------------------------------------------------------- texts

function t(key, params = {}) {
  const text = state.texts[state.lang]?.[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ""));
}

function local(value) {
  return value?.[state.lang] ?? value?.en ?? "";
}

async function loadJson(path) {
  const response = await fetch(path, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.json();
}

async function setLanguage(lang) {
  if (!state.texts[lang]) state.texts[lang] = await loadJson(`i18n/${lang}.json`);
  state.lang = lang;
  document.documentElement.lang = lang;
  $("lang").value = lang;
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  document.title = t("brand");
  renderOrientation();
  if (state.destination) renderDestination(state.destination);
  renderFiles();
  renderStatus();
}

function preferredLanguage() {
  const wanted = (navigator.languages?.length ? navigator.languages : [navigator.language]).map((l) => l.slice(0, 2));
  return wanted.find((l) => LANGS.includes(l)) ?? "en";
}

// ---------------------------------------------------------------- quick exit

// Someone may walk in while the page is open. The button and the Escape key, from anywhere on the page, blank it
// and leave for a neutral site (orientation.json's quick_exit), replacing the page in the history so that Back
// does not bring it back. Nothing is stored on the device, so nothing else needs erasing.
const QUICK_EXIT_FALLBACK = "https://www.google.com/";

function quickExitUrl() {
  try {
    const url = new URL(state.orientation?.quick_exit ?? QUICK_EXIT_FALLBACK, window.location.href);
    if (url.protocol === "https:" || url.origin === window.location.origin) return url.href;
  } catch {
    // An unreadable setting must not keep anyone on the page.
  }
  return QUICK_EXIT_FALLBACK;
}

function quickExit() {
  const target = quickExitUrl();
  for (const file of state.files) if (file.url) URL.revokeObjectURL(file.url);
  state.files = [];
  document.title = "";
  document.body.replaceChildren();
  window.location.replace(target);
}

function listenForQuickExit() {
  $("quick-exit").addEventListener("click", quickExit);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !event.isComposing) quickExit();
  });
}

// ---------------------------------------------------------------- steps

const STEPS = ["orientation", "destination", "hash", "case", "manage"];

function show(...steps) {
  for (const step of STEPS) $(`step-${step}`).hidden = !steps.includes(step);
  // Move the focus to the new step's heading so keyboard and screen-reader users land on it.
  $(`step-${steps[0]}`).querySelector("h1, h2")?.focus();
  window.scrollTo(0, 0);
}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  for (const child of children) if (child != null) node.append(child);
  return node;
}

// ---------------------------------------------------------------- orientation

function renderOrientation() {
  const data = state.orientation;
  if (!data) return;
  $("orientation-title").textContent = local(data.question);
  const list = $("answers");
  list.replaceChildren();
  for (const answer of data.answers) {
    const button = el("button", { type: "button", textContent: local(answer.label) });
    button.dataset.answer = answer.id;
    button.addEventListener("click", () => choose(answer));
    list.append(el("li", {}, button));
  }
}

function choose(answer) {
  if (answer.next === "hash") {
    startHashing(answer.category);
  } else {
    state.destination = answer.next;
    renderDestination(answer.next);
    show("destination");
  }
}

function renderDestination(key) {
  const dest = state.orientation.destinations[key];
  if (!dest) return;
  $("destination-title").textContent = local(dest.title);
  $("destination-body").replaceChildren(...(dest.body ?? []).map((p) => el("p", { textContent: local(p) })));
  const links = (dest.links ?? []).filter((link) => SAFE_LINK.test(link.href));
  $("destination-links").replaceChildren(
    ...links.map((link) => el("li", {}, el("a", { href: link.href, rel: "noopener noreferrer", textContent: local(link.label) }))),
  );
  $("destination-hash").hidden = !dest.hash_category;
  $("destination-hash-button").onclick = () => startHashing(dest.hash_category);
}

// ---------------------------------------------------------------- hashing

let worker;
const pending = new Map();
let requestId = 0;

function hashInWorker(message, transfer) {
  worker ??= new Worker("hash-worker.js", { type: "module" });
  worker.onmessage ??= (event) => {
    const { id, ok, result, error, ms } = event.data;
    const waiter = pending.get(id);
    pending.delete(id);
    if (ok) waiter?.resolve({ ...result, ms });
    else waiter?.reject(error);
  };
  const id = ++requestId;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker.postMessage({ ...message, id }, transfer);
  });
}

function startHashing(category) {
  state.category = category;
  show("hash");
  if (!worker) {
    setStatus("loading_hasher");
    // Start the worker (and the WebAssembly download) before the first file is picked.
    hashInWorker({ type: "digest", bytes: new ArrayBuffer(0) }, []).then(
      () => state.status?.key === "loading_hasher" && setStatus("no_files"),
      () => {},
    );
  }
}

function addFiles(fileList) {
  for (const file of fileList) {
    const entry = {
      key: state.nextKey++,
      file,
      url: URL.createObjectURL(file),
      video: file.type.startsWith("video/"),
      status: "waiting",
    };
    state.files.push(entry);
  }
  $("files").value = "";
  renderFiles();
  processQueue();
}

let processing = false;

async function processQueue() {
  if (processing) return;
  processing = true;
  try {
    for (;;) {
      const entry = state.files.find((f) => f.status === "waiting");
      if (!entry) break;
      entry.status = "hashing";
      updateProgress();
      renderFile(entry);
      try {
        entry.result = entry.video ? await hashVideo(entry) : await hashImage(entry.file);
        entry.status = "done";
      } catch (error) {
        entry.status = "failed";
        entry.error = error?.code ?? "unknown";
      }
      renderFile(entry);
    }
  } finally {
    processing = false;
    updateProgress();
  }
}

async function hashImage(file) {
  const bytes = await file.arrayBuffer();
  return hashInWorker({ type: "image", bytes }, [bytes]);
}

// A video is hashed as the browser decodes it: one frame per second drawn on a canvas, its RGB hashed with PDQ.
// Approximate (the browser's decoder and seeking differ from FFmpeg's), which the page says.
async function hashVideo(entry) {
  const bytes = await entry.file.arrayBuffer();
  const digests = await hashInWorker({ type: "digest", bytes }, [bytes]);
  const video = el("video", { muted: true, preload: "auto", src: entry.url });
  await new Promise((resolve, reject) => {
    video.onloadedmetadata = resolve;
    video.onerror = () => reject({ code: "video_decode" });
  });
  const { videoWidth: width, videoHeight: height, duration } = video;
  if (!width || !height || !Number.isFinite(duration)) throw { code: "video_decode" };
  const canvas = el("canvas", { width, height });
  const context = canvas.getContext("2d", { willReadFrequently: true });
  const frames = [];
  const start = performance.now();
  const seconds = Math.min(duration, MAX_VIDEO_SECONDS);
  for (let second = 0; second < seconds; second += 1) {
    video.currentTime = second;
    await new Promise((resolve, reject) => {
      video.onseeked = resolve;
      video.onerror = () => reject({ code: "video_decode" });
    });
    context.drawImage(video, 0, 0, width, height);
    const pixels = context.getImageData(0, 0, width, height).data.buffer;
    const frame = await hashInWorker({ type: "rgba", pixels, width, height }, [pixels]);
    frames.push({ frame: frames.length, timestamp: second, pdq: frame.pdq, quality: frame.quality });
  }
  video.removeAttribute("src");
  video.load();
  return {
    md5: digests.md5,
    sha256: digests.sha256,
    width,
    height,
    duration,
    truncated: duration > MAX_VIDEO_SECONDS,
    frames,
    ms: performance.now() - start,
  };
}

function removeFile(entry) {
  URL.revokeObjectURL(entry.url);
  state.files = state.files.filter((f) => f !== entry);
  entry.status = "removed";
  renderFiles();
  setStatus("removed", { name: entry.file.name });
  updateSubmit();
  $("files").focus();
}

function updateProgress() {
  const total = state.files.length;
  const done = state.files.filter((f) => f.status === "done" || f.status === "failed").length;
  if (total === 0) setStatus("no_files");
  else if (done < total) setStatus("hashing_progress", { done, total });
  else setStatus("hashing_done", { count: state.files.filter((f) => f.status === "done").length });
  updateSubmit();
}

function updateSubmit() {
  const busy = state.files.some((f) => f.status === "waiting" || f.status === "hashing");
  const ready = state.files.some((f) => f.status === "done");
  $("submit").disabled = busy || !ready;
  $("video-note").hidden = !state.files.some((f) => f.video);
}

function setStatus(key, params = {}) {
  state.status = { key, params };
  renderStatus();
}

function renderStatus() {
  if (state.status) $("hash-status").textContent = t(state.status.key, state.status.params);
}

function renderFiles() {
  $("file-list").replaceChildren(...state.files.map((entry) => (entry.li = fileItem(entry))));
}

function renderFile(entry) {
  if (!entry.li) return;
  const li = fileItem(entry);
  entry.li.replaceWith(li);
  entry.li = li;
}

function fileItem(entry) {
  const { file, result } = entry;
  // The preview is decorative (the name is next to it) and lives only in this tab, as an object URL.
  const thumb = entry.video
    ? el("video", { src: entry.url, muted: true, preload: "metadata", className: "thumb" })
    : el("img", { src: entry.url, alt: "", className: "thumb" });
  thumb.onerror = () => thumb.replaceWith(el("span", { className: "thumb-none" }));
  const info = el("div", {}, el("p", { className: "name", textContent: file.name }));
  if (entry.status === "waiting" || entry.status === "hashing") {
    info.append(el("p", { textContent: t(entry.status) }));
  } else if (entry.status === "failed") {
    info.append(el("p", { className: "error", textContent: errorText(entry.error) }));
  } else if (result) {
    info.append(hashList(result));
    if (result.quality !== undefined && result.quality < LOW_QUALITY) {
      info.append(el("p", { className: "low-quality", textContent: t("low_quality") }));
    }
    if (result.truncated) {
      info.append(el("p", { className: "note", textContent: t("error_video_too_long", { seconds: MAX_VIDEO_SECONDS }) }));
    }
  }
  const remove = el("button", { type: "button", className: "secondary remove", textContent: t("remove") });
  remove.setAttribute("aria-label", t("remove_label", { name: file.name }));
  remove.addEventListener("click", () => removeFile(entry));
  info.append(remove);
  const li = el("li", { className: `file ${entry.status}` }, thumb, info);
  li.dataset.name = file.name;
  li.dataset.status = entry.status;
  if (result) li.dataset.ms = String(result.ms);
  return li;
}

function hashList(result) {
  const rows = [];
  const row = (label, value, cls) => rows.push(el("dt", { textContent: t(label) }), el("dd", {}, el("code", { className: cls, textContent: value })));
  if (result.frames) {
    row("frames", String(result.frames.length), "frames");
    row("size", `${result.width}×${result.height}, ${t("duration_s", { seconds: result.duration.toFixed(1) })}`, "size");
  } else {
    row("pdq", result.pdq, "pdq");
    row("quality", String(result.quality), "quality");
    row("size", `${result.width}×${result.height}`, "size");
  }
  row("md5", result.md5, "md5");
  row("sha256", result.sha256, "sha256");
  row("hash_time", `${(result.ms / 1000).toFixed(2)} s`, "ms");
  return el("dl", {}, ...rows);
}

function errorText(code) {
  const key = `error_${code}`;
  return state.texts[state.lang]?.[key] ? t(key) : t("error_unknown");
}

// ---------------------------------------------------------------- submission and follow-up

// The body of POST /v1/cases: the hashes only. Nothing else about the files (not even their names) is sent.
function caseBody() {
  const hashes = [];
  for (const { status, result } of state.files) {
    if (status !== "done") continue;
    if (result.frames) {
      hashes.push({ kind: "video", frames: result.frames });
    } else {
      // The views (squares inside the image) are hashes too: they let crops and altered copies match.
      hashes.push({ kind: "pdq", hash: result.pdq, quality: result.quality, views: result.views });
    }
    hashes.push({ kind: "md5", hash: result.md5 }, { kind: "sha256", hash: result.sha256 });
  }
  return { category: state.category, hashes };
}

async function apiError(response) {
  try {
    const body = await response.json();
    return body.message ?? body.code ?? String(response.status);
  } catch {
    return String(response.status);
  }
}

async function submitCase() {
  $("submit").disabled = true;
  $("submit-error").textContent = "";
  setStatus("submitting");
  let response;
  try {
    response = await fetch("v1/cases", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(caseBody()),
    });
  } catch {
    $("submit-error").textContent = t("submit_error_network");
    updateProgress();
    return;
  }
  if (!response.ok) {
    $("submit-error").textContent = t("submit_error_server", { message: await apiError(response) });
    updateProgress();
    return;
  }
  const created = await response.json();
  const { case_id: id, case_secret: secret } = created;
  // The hashes are sent: forget the files and their previews.
  for (const entry of state.files) URL.revokeObjectURL(entry.url);
  state.files = [];
  state.status = null;
  renderFiles();
  $("case-id").textContent = id;
  $("case-secret").textContent = secret;
  $("manage-id").value = id;
  $("manage-secret").value = secret;
  $("manage-result").replaceChildren();
  show("case", "manage");
}

function caseCredentials() {
  const id = $("manage-id").value.trim();
  const secret = $("manage-secret").value.trim();
  if (!id || !secret) {
    showManageResult("error", [t("missing_fields")]);
    return null;
  }
  return { url: `v1/cases/${encodeURIComponent(id)}`, headers: { "X-Case-Secret": secret } };
}

function showManageResult(kind, lines) {
  const box = $("manage-result");
  box.dataset.result = kind;
  box.replaceChildren(...lines.map((line) => el("p", { textContent: line })));
}

function stateName(value) {
  const key = `state_${value}`;
  return state.texts[state.lang]?.[key] ? t(key) : String(value);
}

async function checkStatus(event) {
  event.preventDefault();
  const request = caseCredentials();
  if (!request) return;
  showManageResult("loading", [t("status_loading")]);
  try {
    const response = await fetch(request.url, { headers: request.headers });
    if (response.status === 404 || response.status === 401 || response.status === 403) {
      showManageResult("not_found", [t("status_not_found")]);
      return;
    }
    if (!response.ok) {
      showManageResult("error", [t("status_error", { message: await apiError(response) })]);
      return;
    }
    const body = await response.json();
    // CaseStatus: {case_id, state, category, created_at, withdrawn_at?, hashes: [{value, state, blocked, ...}]}
    const hashes = body.hashes ?? [];
    const counts = {};
    for (const hash of hashes) counts[hash.state] = (counts[hash.state] ?? 0) + 1;
    const states = Object.entries(counts).map(([s, n]) => `${n} ${stateName(s)}`).join(", ");
    const sum = (field) => hashes.reduce((total, hash) => total + (hash[field] ?? 0), 0);
    showManageResult("status", [
      t("status_state", { state: stateName(body.state) }),
      t("status_hashes", { count: hashes.length, states }),
      t("status_platforms", { blocked: sum("blocked"), pending: sum("pending_review") }),
    ]);
    $("manage-result").dataset.state = body.state;
  } catch {
    showManageResult("error", [t("submit_error_network")]);
  }
}

async function withdraw() {
  const request = caseCredentials();
  $("withdraw-confirm").hidden = true;
  if (!request) return;
  showManageResult("loading", [t("status_loading")]);
  try {
    const response = await fetch(request.url, { method: "DELETE", headers: request.headers });
    if (response.status === 404 || response.status === 401 || response.status === 403) {
      showManageResult("not_found", [t("status_not_found")]);
    } else if (!response.ok) {
      showManageResult("error", [t("status_error", { message: await apiError(response) })]);
    } else {
      showManageResult("withdrawn", [t("withdrawn_ok")]);
    }
  } catch {
    showManageResult("error", [t("submit_error_network")]);
  }
}

async function copyCase() {
  const text = `${t("case_id")}: ${$("case-id").textContent}\n${t("case_secret")}: ${$("case-secret").textContent}`;
  try {
    await navigator.clipboard.writeText(text);
    $("copy-status").textContent = t("copied");
  } catch {
    // Clipboard refused (permissions): the values stay on screen to be written down.
  }
}

// ---------------------------------------------------------------- start

async function main() {
  // First, so that the exit works while the rest loads.
  listenForQuickExit();
  $("lang").addEventListener("change", (event) => setLanguage(event.target.value));
  for (const button of document.querySelectorAll("[data-goto]")) {
    button.addEventListener("click", () => show(button.dataset.goto));
  }
  $("files").addEventListener("change", (event) => addFiles(event.target.files));
  $("submit").addEventListener("click", submitCase);
  $("copy-case").addEventListener("click", copyCase);
  $("manage-form").addEventListener("submit", checkStatus);
  $("withdraw").addEventListener("click", () => {
    $("withdraw-confirm").hidden = false;
    $("withdraw-yes").focus();
  });
  $("withdraw-yes").addEventListener("click", withdraw);
  $("withdraw-no").addEventListener("click", () => {
    $("withdraw-confirm").hidden = true;
    $("withdraw").focus();
  });
  state.orientation = await loadJson("orientation.json");
  await setLanguage(preferredLanguage());
  $("step-orientation").hidden = false;
  document.body.dataset.ready = "true";
}

main();
