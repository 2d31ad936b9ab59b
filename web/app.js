// The victims' page: orientation, hashing in the browser, submission of the hashes only, follow-up of a case.
// The texts are data (i18n/*.json, orientation.json); every text reaches the page through textContent, never as
// HTML, so the hotline can edit them without risk. Nothing is stored on the device.

const LANGS = ["fr", "en", "es", "de", "it", "ar"];
// Written right to left: the page turns with `dir`, its layout uses logical CSS properties (start/end).
const RTL = new Set(["ar"]);
const SAFE_LINK = /^(https:|tel:|mailto:)/;
// Browsers decode videos frame by frame on the main thread: keep it to short clips.
const MAX_VIDEO_SECONDS = 300;
const LOW_QUALITY = 50;
// The server's bounds on a case's URLs and contact (disrupt_openapi::cases).
const MAX_URLS = 100;
const MAX_TEXT_BYTES = 2048;
const CATEGORIES = ["adult_ncii", "sextortion_threat", "deepfake", "other"];
// Failures that mean "this browser cannot read the file", not "the file is damaged": for these the page offers
// to have that one file hashed by the server (POST /v1/media/hash), which decodes HEIC/AVIF and videos with
// FFmpeg. HEIC is `format_not_compiled` (the WebAssembly hasher has no libheif).
const SERVER_CAN_TRY = ["format_not_compiled", "unsupported_format", "video_decode"];

const $ = (id) => document.getElementById(id);

const state = {
  lang: "en",
  texts: {},
  orientation: null,
  category: null,
  // {key, file, url, video, status: waiting|hashing|uploading|done|failed, result, error, offer}; a result is the
  // browser's ({pdq, ...} or {frames, ...}) or the server's ({server: true, hashes: [HashValue], ms}).
  files: [],
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
  document.documentElement.dir = RTL.has(lang) ? "rtl" : "ltr";
  $("lang").value = lang;
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  document.title = t("brand");
  renderOrientation();
  if (state.destination) renderDestination(state.destination);
  renderFiles();
  renderStatus();
  renderContactField();
  if (state.lastStatus) renderCaseStatus(state.lastStatus);
  renderPrivacy();
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

const STEPS = ["orientation", "destination", "hash", "case", "manage", "privacy"];

function show(...steps) {
  const visible = STEPS.filter((step) => !$(`step-${step}`).hidden);
  if (steps[0] === "privacy" && !visible.includes("privacy")) state.beforePrivacy = visible;
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

// ---------------------------------------------------------------- privacy notice

// The privacy notice (GDPR Art. 13): its wording is the page's texts, its facts (the controller, how long a
// withdrawn case's data stays) come from the hotline's settings through GET /v1/privacy.
async function openPrivacy() {
  show("privacy");
  if (!state.privacy) {
    try {
      const response = await fetch("v1/privacy");
      if (!response.ok) throw new Error(await apiError(response));
      state.privacy = await response.json();
    } catch (error) {
      state.privacyError = error?.message ?? "network";
    }
  }
  renderPrivacy();
}

function renderPrivacy() {
  const body = $("privacy-body");
  if (!state.privacy) {
    body.replaceChildren(...(state.privacyError ? [el("p", { className: "error", textContent: t("privacy_unavailable", { message: state.privacyError }) })] : []));
    return;
  }
  const { controller, retention } = state.privacy;
  const section = (title, ...nodes) => [el("h2", { textContent: t(title) }), ...nodes];
  const p = (key, params) => el("p", { textContent: t(key, params) });
  const list = (...keys) => el("ul", {}, ...keys.map((key) => el("li", { textContent: t(key, { days: retention.withdrawn_case_days }) })));
  const facts = [];
  const fact = (label, value) => value && facts.push(el("dt", { textContent: t(label) }), el("dd", {}, value));
  fact("privacy_controller", controller.name);
  fact("privacy_address", controller.address);
  fact("privacy_email", controller.email);
  fact("privacy_dpo", controller.dpo);
  let authority = controller.authority;
  if (/^https:\/\//.test(controller.authority_url ?? "")) {
    authority = el("a", { href: controller.authority_url, rel: "noopener noreferrer", textContent: `${controller.authority} (${controller.authority_url})` });
  }
  fact("privacy_authority", authority);
  body.replaceChildren(
    el(
      "div",
      { className: "notice" },
      ...section("privacy_reveal_title", p("privacy_reveal")),
      ...section("privacy_kept_title", list("privacy_kept_case", "privacy_kept_contact", "privacy_kept_withdrawn", "privacy_kept_never", "privacy_kept_audit")),
      ...section("privacy_recipients_title", list("privacy_to_staff", "privacy_to_platforms", "privacy_to_hosts", "privacy_to_authorities")),
      ...section("privacy_basis_title", p("privacy_basis")),
      ...section("privacy_rights_title", p("privacy_rights")),
      ...section("privacy_controller_title", el("dl", { id: "privacy-controller" }, ...facts)),
    ),
  );
}

function closePrivacy() {
  const back = state.beforePrivacy?.length ? state.beforePrivacy : ["orientation"];
  show(...back);
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
  // The answer chosen before fills in the questions; the person can change them.
  $("age-yes").checked = category === "minor";
  $("age-no").checked = category !== "minor";
  const known = CATEGORIES.includes(category) ? category : "adult_ncii";
  $(`category-${known}`).checked = true;
  renderMinorHelp();
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
        entry.offer = SERVER_CAN_TRY.includes(entry.error);
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
  // A frame's centred squares go with the first frame of each distinct hash, as `disrupt hash` sends them.
  const squared = new Set();
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
    const views = squared.has(frame.pdq) ? [] : frame.views;
    squared.add(frame.pdq);
    frames.push({ frame: frames.length, timestamp: second, pdq: frame.pdq, quality: frame.quality, views });
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

// The person chose to have this one file hashed by the server: it is sent alone, hashed in the server's memory
// and destroyed there; only its hashes come back, and they go into the case with the others.
async function hashOnServer(entry) {
  entry.status = "uploading";
  entry.offer = false;
  renderFile(entry);
  updateProgress();
  const form = new FormData();
  form.append("file", entry.file, "file");
  const start = performance.now();
  try {
    const response = await fetch("v1/media/hash", { method: "POST", body: form });
    if (!response.ok) throw { code: "server", message: await apiError(response) };
    const body = await response.json();
    const hashes = body.files?.[0]?.hashes;
    if (!Array.isArray(hashes) || hashes.length === 0) throw { code: "server", message: "no hashes" };
    entry.result = { server: true, hashes, ms: performance.now() - start };
    entry.status = "done";
  } catch (error) {
    entry.status = "failed";
    entry.error = "server";
    entry.serverMessage = error?.code === "server" ? error.message : t("submit_error_network");
  }
  renderFile(entry);
  updateProgress();
  entry.li?.querySelector("button")?.focus();
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
  if (state.files.some((f) => f.status === "uploading")) {
    setStatus("uploading_progress");
    updateSubmit();
    return;
  }
  if (total === 0) setStatus("no_files");
  else if (done < total) setStatus("hashing_progress", { done, total });
  else setStatus("hashing_done", { count: state.files.filter((f) => f.status === "done").length });
  updateSubmit();
}

function updateSubmit() {
  const busy = state.files.some((f) => ["waiting", "hashing", "uploading"].includes(f.status));
  const ready = state.files.some((f) => f.status === "done");
  $("submit").disabled = busy || !ready;
  $("video-note").hidden = !state.files.some((f) => f.video && f.status !== "failed" && !f.result?.server);
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
  if (entry.status === "waiting" || entry.status === "hashing" || entry.status === "uploading") {
    info.append(el("p", { textContent: t(entry.status) }));
  } else if (entry.status === "failed" && entry.offer) {
    info.append(serverOffer(entry));
  } else if (entry.status === "failed") {
    const text = entry.error === "server" ? t("server_error", { message: entry.serverMessage }) : errorText(entry.error);
    info.append(el("p", { className: "error", textContent: text }));
  } else if (result?.server) {
    info.append(serverHashList(result), el("p", { className: "note", textContent: t("server_hashed") }));
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

// What the page says about a file this browser cannot read, and the explicit choice to send that file alone.
function serverOffer(entry) {
  const explainId = `server-offer-${entry.key}`;
  const button = el("button", { type: "button", className: "server-hash", textContent: t("server_hash") });
  // The visible words first in the accessible name (WCAG 2.5.3), then which file.
  button.setAttribute("aria-label", `${t("server_hash")} (${entry.file.name})`);
  button.setAttribute("aria-describedby", explainId);
  button.addEventListener("click", () => hashOnServer(entry));
  return el(
    "div",
    { className: "offer" },
    el("p", { className: "error", textContent: t("browser_cannot_read") }),
    el("p", { id: explainId, textContent: t("server_offer") }),
    el("p", {}, button),
  );
}

// The hashes the server answered, shown as the browser's are (PDQ and quality of an image, or a video's frames).
// Values read left to right in every language: in an Arabic page a size 1600×1004 would otherwise be drawn 1004×1600.
function serverHashList(result) {
  const rows = [];
  const row = (label, value, cls) => rows.push(el("dt", { textContent: t(label) }), el("dd", {}, el("code", { className: cls, textContent: value, dir: "ltr" })));
  for (const value of result.hashes) {
    if (value.kind === "pdq") {
      row("pdq", value.hash, "pdq");
      row("quality", String(value.quality ?? ""), "quality");
    } else if (value.kind === "video") {
      row("frames", String(value.frames?.length ?? 0), "frames");
    } else if (value.kind === "md5" || value.kind === "sha256") {
      row(value.kind, value.hash, value.kind);
    }
  }
  row("hash_time", `${(result.ms / 1000).toFixed(2)} s`, "ms");
  return el("dl", {}, ...rows);
}

function hashList(result) {
  const rows = [];
  const row = (label, value, cls) => rows.push(el("dt", { textContent: t(label) }), el("dd", {}, el("code", { className: cls, textContent: value, dir: "ltr" })));
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

// ---------------------------------------------------------------- the case's details

// Under 18 when the images were made: the case goes to the minors' list (category `minor`), and the
// child-protection referrals come first. Fingerprinting stays possible.
function isMinor() {
  return $("age-yes").checked;
}

function renderMinorHelp() {
  $("minor-help").hidden = !isMinor();
}

function chosenCategory() {
  if (isMinor()) return "minor";
  return document.querySelector("input[name='category']:checked")?.value ?? "adult_ncii";
}

function byteLength(text) {
  return new TextEncoder().encode(text).length;
}

// The web addresses, one per line: each must be http: or https: with a host. Returns {urls} or {error}.
function readUrls() {
  const lines = $("urls").value.split("\n").map((line) => line.trim()).filter(Boolean);
  if (lines.length > MAX_URLS) return { error: t("urls_too_many", { max: MAX_URLS }) };
  for (const line of lines) {
    let url;
    try {
      url = new URL(line);
    } catch {
      url = null;
    }
    const ok = url && (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "" &&
      !/\s/.test(line) && byteLength(line) <= MAX_TEXT_BYTES;
    if (!ok) return { error: t("urls_invalid", { url: line }) };
  }
  return { urls: lines };
}

const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
const PHONE = /^\+?[0-9][0-9 ().-]{4,30}$/;

// The contact, if the person wants one. Returns {contact} (maybe undefined) or {error}.
function readContact() {
  const kind = document.querySelector("input[name='contact-kind']:checked")?.value ?? "none";
  if (kind === "none") return {};
  const value = $("contact-value").value.trim();
  const digits = value.replace(/[^0-9]/g, "").length;
  const ok = byteLength(value) <= MAX_TEXT_BYTES &&
    (kind === "email" ? EMAIL.test(value) : PHONE.test(value) && digits >= 6 && digits <= 15);
  return ok ? { contact: value } : { error: t(kind === "email" ? "contact_invalid_email" : "contact_invalid_phone") };
}

function renderContactField() {
  const kind = document.querySelector("input[name='contact-kind']:checked")?.value ?? "none";
  const input = $("contact-value");
  $("contact-field").hidden = kind === "none";
  if (kind === "none") return;
  input.type = kind === "email" ? "email" : "tel";
  input.inputMode = kind === "email" ? "email" : "tel";
  $("contact-value-label").textContent = t(kind === "email" ? "contact_email_label" : "contact_phone_label");
}

// The declarations notices rely on; none when no box is ticked.
function readDeclarations() {
  const depicts = $("declare-depicts").checked;
  const intimate = $("declare-intimate").checked;
  const noConsent = $("declare-no-consent").checked;
  if (!depicts && !intimate && !noConsent) return undefined;
  return {
    declarant: document.querySelector("input[name='declarant']:checked")?.value ?? "depicted_person",
    depicts_person: depicts,
    intimate,
    no_consent: noConsent,
  };
}

function markField(input, error, message) {
  $(error).textContent = message ?? "";
  if (message) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}

// Checks the details before anything is sent; puts the focus on the first field to correct.
function readDetails() {
  const urls = readUrls();
  markField($("urls"), "urls-error", urls.error);
  const contact = readContact();
  markField($("contact-value"), "contact-error", contact.error);
  if (urls.error || contact.error) {
    (urls.error ? $("urls") : $("contact-value")).focus();
    return null;
  }
  return { urls: urls.urls, contact: contact.contact, declarations: readDeclarations() };
}

function resetDetails() {
  $("urls").value = "";
  $("contact-value").value = "";
  $("contact-none").checked = true;
  $("declarant-depicted_person").checked = true;
  for (const id of ["declare-depicts", "declare-intimate", "declare-no-consent"]) $(id).checked = false;
  renderContactField();
}

// ---------------------------------------------------------------- submission and follow-up

// The body of POST /v1/cases: the hashes and the details the person gave. Nothing else about the files (not even
// their names) is sent.
function caseBody(details) {
  const hashes = [];
  for (const { status, result } of state.files) {
    if (status !== "done") continue;
    if (result.server) {
      // Hashed by the server at the person's request: its values, exactly as it answered them.
      hashes.push(...result.hashes);
      continue;
    }
    if (result.frames) {
      hashes.push({ kind: "video", frames: result.frames });
    } else {
      // The views (squares inside the image) are hashes too: they let crops and altered copies match.
      hashes.push({ kind: "pdq", hash: result.pdq, quality: result.quality, views: result.views });
    }
    hashes.push({ kind: "md5", hash: result.md5 }, { kind: "sha256", hash: result.sha256 });
  }
  const body = { category: chosenCategory(), hashes, urls: details.urls };
  if (details.contact) body.contact = details.contact;
  if (details.declarations) body.declarations = details.declarations;
  return body;
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
  $("submit-error").textContent = "";
  const details = readDetails();
  if (!details) {
    $("submit-error").textContent = t("check_details");
    return;
  }
  $("submit").disabled = true;
  setStatus("submitting");
  let response;
  try {
    response = await fetch("v1/cases", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(caseBody(details)),
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
  resetDetails();
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

function showManageResult(kind, lines, ...more) {
  const box = $("manage-result");
  box.dataset.result = kind;
  if (kind !== "status") state.lastStatus = null;
  box.replaceChildren(...lines.map((line) => el("p", { textContent: line })), ...more);
}

function day(ms) {
  return new Date(ms).toLocaleDateString(state.lang, { year: "numeric", month: "long", day: "numeric" });
}

// One line per reported address: what happened, and when. No platform is named beyond the address's own host.
function urlItem(entry) {
  const parts = [t(`url_status_${entry.status}`, { host: entry.host ?? "" })];
  if (entry.reviewed_at) parts.push(t("url_date_reviewed", { date: day(entry.reviewed_at) }));
  if (entry.notice_sent_at) parts.push(t("url_date_sent", { date: day(entry.notice_sent_at) }));
  if (entry.decided_at) parts.push(t("url_date_decided", { date: day(entry.decided_at) }));
  // The address in its own bidi isolate, so that it reads left to right inside a right-to-left sentence.
  const li = el("li", {}, el("bdi", { textContent: entry.url }), ` — ${parts.join(" — ")}`);
  li.dataset.status = entry.status;
  return li;
}

function renderCaseStatus(body) {
  state.lastStatus = body;
  // CaseStatus: {case_id, state, category, created_at, withdrawn_at?, hashes: [...], urls: [...], has_contact, ...}
  const hashes = body.hashes ?? [];
  const counts = {};
  for (const hash of hashes) counts[hash.state] = (counts[hash.state] ?? 0) + 1;
  const states = Object.entries(counts).map(([s, n]) => `${n} ${stateName(s)}`).join(", ");
  const sum = (field) => hashes.reduce((total, hash) => total + (hash[field] ?? 0), 0);
  const lines = [
    t("status_state", { state: stateName(body.state) }),
    t("status_hashes", { count: hashes.length, states }),
    t("status_platforms", { blocked: sum("blocked"), pending: sum("pending_review") }),
    t(body.has_contact ? "status_contact_kept" : "status_no_contact"),
    t(body.declarations ? "status_declared" : "status_not_declared"),
  ];
  const urls = body.urls ?? [];
  const more = urls.length
    ? [el("p", { textContent: t("status_urls") }), el("ul", { id: "status-urls", className: "url-status" }, ...urls.map(urlItem))]
    : [];
  showManageResult("status", lines, ...more);
  state.lastStatus = body;
  $("manage-result").dataset.state = body.state;
}

function stateName(value) {
  const key = `state_${value}`;
  return state.texts[state.lang]?.[key] ? t(key) : String(value);
}

// A case route (`suffix` after the case's address) fetched with the case's secret. A refusal or an unknown case
// reads "not found" (the page never says which), other errors their message; both return null.
async function fetchCase(request, suffix = "", init = {}) {
  const response = await fetch(`${request.url}${suffix}`, { ...init, headers: request.headers });
  if (response.status === 404 || response.status === 401 || response.status === 403) {
    showManageResult("not_found", [t("status_not_found")]);
    return null;
  }
  if (!response.ok) {
    showManageResult("error", [t("status_error", { message: await apiError(response) })]);
    return null;
  }
  return response;
}

async function checkStatus(event) {
  event.preventDefault();
  const request = caseCredentials();
  if (!request) return;
  showManageResult("loading", [t("status_loading")]);
  try {
    const response = await fetchCase(request);
    if (response) renderCaseStatus(await response.json());
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
    if (await fetchCase(request, "", { method: "DELETE" })) showManageResult("withdrawn", [t("withdrawn_ok")]);
  } catch {
    showManageResult("error", [t("submit_error_network")]);
  }
}

// The signed receipt (no image, no fingerprint value): saved as a file only because the person asks for it.
async function downloadReceipt() {
  const request = caseCredentials();
  if (!request) return;
  showManageResult("loading", [t("status_loading")]);
  try {
    const response = await fetchCase(request, "/receipt");
    if (!response) return;
    const receipt = await response.json();
    const blob = new Blob([`${JSON.stringify(receipt, null, 2)}\n`], { type: "application/json" });
    const url = URL.createObjectURL(blob);
    const link = el("a", { href: url, download: `disrupt-receipt-${receipt.document.case_id}.json` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    const { hashes, urls } = receipt.document;
    showManageResult("receipt", [t("receipt_ready", { hashes, urls: urls.length })]);
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
  for (const radio of document.querySelectorAll("input[name='age']")) radio.addEventListener("change", renderMinorHelp);
  for (const radio of document.querySelectorAll("input[name='contact-kind']")) {
    radio.addEventListener("change", renderContactField);
  }
  // A field being corrected is no longer marked wrong.
  for (const [field, error] of [["urls", "urls-error"], ["contact-value", "contact-error"]]) {
    $(field).addEventListener("input", () => {
      markField($(field), error);
      $("submit-error").textContent = "";
    });
  }
  $("copy-case").addEventListener("click", copyCase);
  for (const button of document.querySelectorAll("[data-privacy]")) button.addEventListener("click", openPrivacy);
  $("privacy-back").addEventListener("click", closePrivacy);
  $("download-receipt").addEventListener("click", downloadReceipt);
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
