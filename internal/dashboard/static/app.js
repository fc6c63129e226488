// The dashboard: sign-in, "make a video", the live task list, a task's
// page (with cancel), the track list (with delete) and the key's brand. Every answer the server refuses is shown with its envelope's msg.
// The DOM is built with textContent only, so nothing the server returns is
// parsed as HTML.

import { key, setKey, forgetKey, call, upload, file, events, ApiError } from "./api.js";

const $ = (id) => document.getElementById(id);
const pageSize = 10;

const statusLabels = {
  PENDING: "Rendering",
  SUCCESS: "Ready",
  CREATE_TASK_FAILED: "Create failed",
  GENERATE_MP4_FAILED: "Render failed",
  CALLBACK_EXCEPTION: "Callback failed",
};

// list is the task list's state: the cursors of the pages walked so far.
const list = { cursors: [""], next: null, filter: "" };
// tracks is the track list's state, paged the same way.
const tracks = { cursors: [""], next: null };
let stream = null; // the AbortController of the event stream
let shownTask = null; // the summary shown on the task page
// The shown task ended with a callback URL but no attempt yet: the page
// looks again shortly, for the first attempt and what it says (a
// callback problem), at most firstAttemptLooks times.
const firstAttemptLooks = 30;
const firstAttempt = { timer: 0, looks: 0 };

// ---- small DOM helpers ----

function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "class") e.className = v;
    else if (k === "data") Object.assign(e.dataset, v);
    else if (k in e) e[k] = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c != null) e.append(c);
  return e;
}

function parseTime(v) {
  if (v == null || v === "") return null;
  if (typeof v === "number") return new Date(v);
  return new Date(v.replace(" ", "T") + "Z"); // record-info's "yyyy-MM-dd HH:mm:ss" UTC
}

function timeEl(v) {
  const d = parseTime(v);
  if (!d) return document.createTextNode("—");
  return el("time", { dateTime: d.toISOString(), textContent: d.toLocaleString() });
}

function announce(text) {
  $("announce").textContent = text;
}

function show(view) {
  for (const id of ["signin-view", "home-view", "tracks-view", "brand-view", "task-view"]) $(id).hidden = id !== view;
  const signedIn = view !== "signin-view";
  $("signout").hidden = !signedIn;
  $("who").hidden = !signedIn;
  // Which key: its first characters, enough to tell keys apart and too few
  // to use (the whole key stays in session storage only).
  $("who").textContent = signedIn && key() ? `Signed in with ${key().slice(0, 8)}…` : "";
  $("sections").hidden = !signedIn;
  for (const [nav, v] of [["nav-tasks", "home-view"], ["nav-tracks", "tracks-view"], ["nav-brand", "brand-view"]]) {
    if (v === view) $(nav).setAttribute("aria-current", "page");
    else $(nav).removeAttribute("aria-current");
  }
}

/** fail shows err in target; a refused key signs out instead. */
function fail(err, target, prefix = "") {
  if (err instanceof ApiError && err.code === 401) {
    signOut(`Signed out: the server refused the key (${err.message}).`);
    return;
  }
  target.textContent = prefix + err.message;
}

// ---- sign-in ----

async function signIn(ev) {
  ev.preventDefault();
  const input = $("signin-key");
  const k = input.value.trim();
  const out = $("signin-error");
  out.textContent = "";
  if (!k) {
    out.textContent = "Enter an API key.";
    input.focus();
    return;
  }
  try {
    await call("GET", "/api/v1/mp4/tasks?limit=1", undefined, k);
  } catch (err) {
    out.textContent = `Sign-in failed: ${err.message}.`;
    input.setAttribute("aria-invalid", "true");
    input.focus();
    return;
  }
  input.value = "";
  input.removeAttribute("aria-invalid");
  setKey(k);
  announce("Signed in.");
  startStream();
  route();
}

function signOut(message = "") {
  if (stream) stream.abort();
  stream = null;
  forgetKey();
  shownTask = null;
  $("tasks").replaceChildren();
  $("video").removeAttribute("src");
  $("video").load();
  list.cursors = [""];
  tracks.cursors = [""];
  $("tracks").replaceChildren();
  showBrand(null, null);
  if (location.hash !== "#/" && location.hash !== "") history.replaceState(null, "", "#/");
  route();
  $("signin-error").textContent = message;
  announce(message || "Signed out.");
  $("signin-key").focus();
}

// ---- routing ----

function route() {
  if (!key()) {
    show("signin-view");
    document.title = "Sign in · mvgen";
    return;
  }
  const m = location.hash.match(/^#\/task\/([^/]+)$/);
  if (m) {
    showTask(decodeURIComponent(m[1]));
  } else if (location.hash === "#/brand") {
    shownTask = null;
    show("brand-view");
    document.title = "Brand · mvgen";
    $("brand-status").textContent = "";
    loadBrand();
  } else if (location.hash === "#/tracks") {
    shownTask = null;
    show("tracks-view");
    document.title = "Tracks · mvgen";
    $("tracks-status").textContent = "";
    loadTracks();
  } else {
    shownTask = null;
    show("home-view");
    document.title = "Tasks · mvgen";
    loadTasks();
  }
}

// ---- the event stream ----

async function startStream() {
  if (stream) stream.abort();
  const ctrl = new AbortController();
  stream = ctrl;
  const live = $("live");
  while (!ctrl.signal.aborted && key()) {
    let wait = 2; // seconds; the stream's own "retry:" says 2000 ms too
    try {
      await events("/api/v1/mp4/events", ctrl.signal, () => (live.textContent = "Live updates on."), onEvent);
      live.textContent = "Live updates paused; reconnecting…";
    } catch (err) {
      if (ctrl.signal.aborted) return;
      if (err instanceof ApiError && err.code === 401) {
        fail(err, live);
        return;
      }
      // A cap on streams (429) or a node going away (503) says when to come back.
      wait = Math.max(wait, (err instanceof ApiError && err.retryAfter) || 0);
      live.textContent = `Live updates interrupted (${err.message}); reconnecting in ${wait} s…`;
    }
    await new Promise((r) => {
      const t = setTimeout(r, wait * 1000);
      ctrl.signal.addEventListener("abort", () => (clearTimeout(t), r()), { once: true });
    });
  }
}

function onEvent(name, data) {
  if (name === "error") {
    $("live").textContent = `Live updates stopped: ${data.msg}; reconnecting…`;
    return;
  }
  if (name !== "task") return;
  const row = findRow(data.taskId);
  if (row) {
    const before = row.dataset.status;
    fillRow(row, data, "event");
    if (before !== data.successFlag && data.successFlag !== "PENDING") {
      announce(`${data.title || "Untitled"}: ${statusLabels[data.successFlag] || data.successFlag}.`);
    }
  } else if (isNewForList(data)) {
    const r = taskRow(data, "event");
    $("tasks").prepend(r);
    $("tasks-empty").hidden = true;
  }
  if (shownTask && shownTask.taskId === data.taskId) {
    const changed = shownTask.successFlag !== data.successFlag;
    shownTask = data;
    if (changed) showTask(data.taskId, true);
    else renderTaskStatus(data);
  }
}

/** isNewForList: a task created after the first page's newest one, matching the filter. */
function isNewForList(s) {
  if (list.cursors.length !== 1) return false;
  if (list.filter && list.filter !== s.successFlag) return false;
  const first = $("tasks").firstElementChild;
  if (!first) return true;
  const a = parseTime(s.createTime);
  const b = parseTime(first.dataset.created);
  return a && b && a.getTime() >= b.getTime();
}

// ---- the task list ----

function findRow(id) {
  for (const r of $("tasks").children) if (r.dataset.taskId === id) return r;
  return null;
}

// dialectLabels name the API a task was created through (its "dialect"),
// which decides the shape of its callback.
const dialectLabels = { mp4: "mp4 API (generate)", jobs: "jobs API (createTask)" };

function dialectTag(dialect) {
  if (!dialect || dialect === "mp4") return null; // the default needs no tag in a row
  return el("span", { class: "dialect", textContent: "jobs API", title: dialectLabels[dialect] || dialect });
}

function flag(status) {
  return el("span", { class: `flag flag-${status}`, textContent: statusLabels[status] || status, title: status });
}

function progressBar(s, label) {
  return el(
    "span",
    { class: "prog" },
    el("progress", { max: 100, value: s.progress, "aria-label": label }),
    el("span", { class: "pct", textContent: `${s.progress}%` }),
  );
}

function taskRow(s, source) {
  const r = el("li", { class: "task" });
  fillRow(r, s, source);
  return r;
}

function fillRow(r, s, source) {
  const title = s.title || "Untitled";
  r.dataset.taskId = s.taskId;
  r.dataset.status = s.successFlag;
  r.dataset.progress = s.progress;
  r.dataset.created = s.createTime ?? "";
  r.dataset.source = source;
  r.dataset.dialect = s.dialect || "mp4";
  const times = el("p", { class: "times" }, "Created ", timeEl(s.createTime));
  if (s.completeTime) times.append(" · finished ", timeEl(s.completeTime));
  r.replaceChildren(
    ...[
      el(
        "div",
      { class: "task-head" },
        el("a", { href: `#/task/${encodeURIComponent(s.taskId)}`, class: "t-title", textContent: title }),
        ...[dialectTag(s.dialect), flag(s.successFlag)].filter(Boolean),
      ),
      s.successFlag === "PENDING" ? progressBar(s, `Rendering progress of ${title}`) : null,
      times,
      s.errorMessage ? el("p", { class: "error", textContent: `Error ${s.errorCode}: ${s.errorMessage}` }) : null,
    ].filter(Boolean),
  );
}

async function loadTasks() {
  const out = $("tasks-error");
  out.textContent = "";
  const q = new URLSearchParams({ limit: pageSize });
  if (list.filter) q.set("status", list.filter);
  const cursor = list.cursors[list.cursors.length - 1];
  if (cursor) q.set("cursor", cursor);
  let data;
  try {
    data = await call("GET", `/api/v1/mp4/tasks?${q}`);
  } catch (err) {
    fail(err, out, "Could not load the tasks: ");
    return;
  }
  $("tasks").replaceChildren(...data.tasks.map((s) => taskRow(s, "list")));
  $("tasks-empty").hidden = data.tasks.length > 0;
  list.next = data.nextCursor;
  $("older").disabled = !list.next;
  $("newer").disabled = list.cursors.length === 1;
  $("page").textContent = `Page ${list.cursors.length}`;
}

// ---- make a video ----

function describeFile(f) {
  return `${f.name} (${(f.size / 1048576).toFixed(1)} MB)`;
}

function setupDrop() {
  const drop = $("drop");
  const input = $("audio");
  const hint = $("drop-hint");
  const update = () => {
    hint.textContent = input.files.length ? `Selected: ${describeFile(input.files[0])}` : "Choose a file or drop one here.";
  };
  input.addEventListener("change", update);
  for (const t of ["dragenter", "dragover"]) {
    drop.addEventListener(t, (e) => {
      e.preventDefault();
      drop.classList.add("over");
    });
  }
  for (const t of ["dragleave", "drop"]) drop.addEventListener(t, () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    if (e.dataTransfer.files.length) {
      input.files = e.dataTransfer.files;
      update();
    }
  });
}

async function makeVideo(ev) {
  ev.preventDefault();
  const f = ev.target.elements;
  const status = $("make-status");
  const out = $("make-error");
  status.textContent = out.textContent = "";
  if (!f.audio.files.length) {
    out.textContent = "Choose an audio file first.";
    f.audio.focus();
    return;
  }
  const form = new FormData();
  form.append("title", f.title.value.trim());
  form.append("tags", f.tags.value.trim());
  form.append("audio", f.audio.files[0]);
  if (f.cover.files.length) form.append("cover", f.cover.files[0]);
  if (f.lyrics.files.length) form.append("lyrics", f.lyrics.files[0]);

  const bar = $("upload-progress");
  const pct = $("upload-text");
  $("upload").hidden = false;
  bar.value = 0;
  pct.textContent = "0%";
  $("make-submit").disabled = true;
  status.textContent = "Uploading…";
  try {
    let track;
    try {
      track = await upload("/api/v1/tracks", form, (p) => {
        bar.value = p;
        pct.textContent = `${p}%`;
      });
    } catch (err) {
      fail(err, out, "The upload failed: ");
      status.textContent = "";
      return;
    }
    status.textContent = "Uploaded; starting the video…";
    const body = { taskId: track.taskId, audioId: track.audioId, aspect: f.aspect.value, resolution: f.resolution.value };
    if (f.fps.value === "60") body.fps = 60;
    if (f.theme.value && f.theme.value !== "bars") body.theme = f.theme.value;
    const renditions = kitRenditions(f);
    if (renditions.length) body.renditions = renditions;
    for (const name of ["author", "domainName", "callBackUrl", "accentColor"]) {
      const v = f[name].value.trim();
      if (v) body[name] = v;
    }
    let started;
    try {
      started = await call("POST", "/api/v1/mp4/generate", body);
    } catch (err) {
      fail(err, out, "The track was uploaded but the video could not start: ");
      status.textContent = "";
      return;
    }
    status.replaceChildren(
      "Video task started: ",
      el("a", { href: `#/task/${encodeURIComponent(started.taskId)}`, textContent: started.taskId }),
      ". It appears in the task list.",
    );
    announce("Video task started.");
    f.audio.value = "";
    f.cover.value = "";
    f.lyrics.value = "";
    $("drop-hint").textContent = "Choose a file or drop one here.";
  } finally {
    $("make-submit").disabled = false;
  }
}

// ---- a task's page ----

async function showTask(id, quiet = false) {
  show("task-view");
  const out = $("task-error");
  out.textContent = "";
  if (!quiet) {
    shownTask = null;
    clearTimeout(firstAttempt.timer);
    firstAttempt.looks = 0;
    $("task-h").textContent = "Task";
    $("fields").replaceChildren();
    $("task-status").replaceChildren();
    $("player").hidden = true;
    clearCallbacks();
    $("redeliver-status").textContent = $("redeliver-error").textContent = "";
    $("cancel-status").textContent = $("cancel-error").textContent = "";
    $("cancel-line").hidden = true;
    $("task-h").setAttribute("tabindex", "-1");
    $("task-h").focus();
  }
  const q = `taskId=${encodeURIComponent(id)}`;
  let s, rec;
  try {
    [s, rec] = await Promise.all([
      call("GET", `/api/v1/mp4/tasks/${encodeURIComponent(id)}`),
      call("GET", `/api/v1/mp4/record-info?${q}`),
    ]);
  } catch (err) {
    // Nothing of another task (or of this one, stale) may stay usable:
    // Redeliver would act on whatever shownTask was.
    shownTask = null;
    clearCallbacks();
    fail(err, out, "Could not load the task: ");
    return;
  }
  shownTask = s;
  const title = s.title || "Untitled";
  document.title = `${title} · mvgen`;
  $("task-h").textContent = title;
  renderTaskStatus(s);
  renderPlayer(s, rec);

  let tags = "";
  try {
    const tracks = await call("GET", `/api/v1/tracks?taskId=${encodeURIComponent(s.musicTaskId)}`);
    tags = (tracks.tracks.find((t) => t.audioId === s.audioId) || {}).tags || "";
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 404)) fail(err, out, "Could not load the track: ");
  }
  const fields = [
    ["Task id", s.taskId],
    ["Music task id", s.musicTaskId],
    ["Audio id", s.audioId],
    ["Title", s.title || "—"],
    ["Tags", tags || "—"],
    ["Author", s.author || "—"],
    ["Domain", s.domainName || "—"],
    ["Aspect", s.aspect],
    ["Resolution", s.resolution],
    ["Look", `${s.theme || "bars"}, ${s.fps || 30} fps${s.accentColor ? `, accent ${s.accentColor}` : ""}`],
    ["Lyrics", s.lyrics ? "shown when the track has them" : "off"],
    ["Created through", dialectLabels[s.dialect] || s.dialect || dialectLabels.mp4],
    ["Callback URL", rec.callbackUrl || "none"],
    ["Created", timeEl(s.createTime)],
    ["Finished", timeEl(s.completeTime)],
  ];
  $("fields").replaceChildren(...fields.flatMap(([k, v]) => [el("dt", { textContent: k }), el("dd", {}, v)]));
  renderCallbackProblem(rec);
  const data = await loadAttempts(id);
  clearTimeout(firstAttempt.timer);
  if (data && data.callbackUrl && !data.attempts.length && s.successFlag !== "PENDING" &&
      firstAttempt.looks++ < firstAttemptLooks) {
    firstAttempt.timer = setTimeout(() => {
      if (shownTask && shownTask.taskId === id && !$("task-view").hidden) showTask(id, true);
    }, 1000);
  }
}

/**
 * renderCallbackProblem shows record-info's callback.problem: why the
 * callback cannot arrive until someone fixes it (an unresolvable host, an
 * address mvgen does not call), said plainly after the first attempt
 * rather than only in the attempts' errors.
 */
function renderCallbackProblem(rec) {
  const p = rec.callback && rec.callback.problem;
  $("callback-problem").textContent = p ? p.charAt(0).toUpperCase() + p.slice(1) + "." : "";
}

function renderTaskStatus(s) {
  const title = s.title || "Untitled";
  $("task-status").replaceChildren(
    ...[
      flag(s.successFlag),
      s.successFlag === "PENDING" ? progressBar(s, `Rendering progress of ${title}`) : null,
      s.errorMessage ? el("p", { class: "error", textContent: `Error ${s.errorCode}: ${s.errorMessage}` }) : null,
    ].filter(Boolean),
  );
  $("cancel-line").hidden = s.successFlag !== "PENDING";
  $("cancel").disabled = false;
  $("task-status").dataset.status = s.successFlag;
  $("task-status").dataset.progress = s.progress;
}

/** kitRenditions is the form's kit: a whole video of each checked aspect, then the clip. */
function kitRenditions(f) {
  const out = [...document.querySelectorAll('input[name="kitAspect"]:checked')].map((c) => ({
    aspect: c.value,
    resolution: f.resolution.value,
  }));
  if (f.clipOn.checked) {
    const start = f.clipStart.value.trim();
    out.push({
      aspect: "9:16",
      resolution: f.resolution.value,
      clip: { start: start === "" || start === "auto" ? "auto" : Number(start), duration: Number(f.clipDuration.value) },
    });
  }
  return out;
}

/** seconds writes s seconds as m:ss.s. */
function seconds(s) {
  const m = Math.floor(s / 60);
  const r = (s - m * 60).toFixed(1).padStart(4, "0");
  return `${m}:${r}`;
}

/** captionLinks are a video's caption downloads, or nothing. */
function captionLinks(c, name) {
  if (!c) return [];
  return [
    "Captions: ",
    el("a", { href: c.srt, download: `${name}.srt`, textContent: "SRT" }),
    " ",
    el("a", { href: c.vtt, download: `${name}.vtt`, textContent: "WebVTT" }),
    " ",
    el("a", { href: c.lrc, download: `${name}.lrc`, textContent: "LRC" }),
  ];
}

/** renderRenditions lists the kit's videos after rendition 0: a player and downloads for each. */
function renderRenditions(s, rec) {
  const videos = (rec.response && rec.response.videos) || [];
  const v0 = videos[0];
  const caps = captionLinks(v0 && v0.captions, `music_video_${s.taskId}`);
  $("captions-line").hidden = caps.length === 0;
  $("captions-line").replaceChildren(...caps);
  $("renditions").hidden = videos.length < 2;
  const whole = v0 ? v0.duration : null;
  $("rendition-list").replaceChildren(
    ...videos.slice(1).map((v, j) => {
      const i = j + 1;
      const name = `music_video_${s.taskId}-${i}`;
      const clip = v.start > 0 || (whole != null && v.duration != null && v.duration < whole - 0.5);
      const what = `${v.aspect} ${v.resolution}, ${v.width}×${v.height}` +
        (clip ? `, a ${Math.round(v.duration)} s clip from ${seconds(v.start)}` : ", the whole song");
      return el(
        "article",
        { class: "rendition", data: { index: i, aspect: v.aspect } },
        el("h3", { textContent: `Video ${i}: ${what}` }),
        el("video", { controls: true, preload: "metadata", playsInline: true, src: v.videoUrl, poster: v.posterUrl,
          "aria-label": `Video ${i}: ${what}` }),
        el(
          "p",
          { class: "links" },
          el("a", { href: v.videoUrl, download: `${name}.mp4`, class: "r-video", textContent: "Download MP4" }),
          " ",
          el("a", { href: v.posterUrl, target: "_blank", rel: "noopener noreferrer", class: "r-poster", textContent: "Poster image" }),
        ),
        v.captions ? el("p", { class: "links r-captions" }, ...captionLinks(v.captions, name)) : null,
      );
    }),
  );
}

function renderPlayer(s, rec) {
  const url = rec.response && rec.response.videoUrl;
  const video = $("video");
  renderRenditions(s, url ? rec : {});
  if (!url) {
    $("player").hidden = true;
    if (s.expired) $("task-status").append(el("p", { class: "hint", textContent: "The video's link has expired." }));
    return;
  }
  $("player").hidden = false;
  if (video.getAttribute("src") !== url) video.src = url;
  video.setAttribute("aria-label", `Video: ${s.title || "Untitled"}`);
  const dl = $("download");
  dl.href = url;
  dl.download = `music_video_${s.taskId}.mp4`;
  $("expiry").replaceChildren("· link expires ", timeEl(rec.expireTime));
  const poster = rec.response.posterUrl;
  $("poster-line").hidden = !poster;
  if (poster) {
    video.poster = poster;
    $("poster").href = poster;
  } else {
    video.removeAttribute("poster");
  }
}

/** clearCallbacks empties the task page's callback section and disables Redeliver. */
function clearCallbacks() {
  $("callback-url").textContent = "";
  $("callback-problem").textContent = "";
  $("attempts").tBodies[0].replaceChildren();
  $("attempts-empty").hidden = true;
  $("redeliver").disabled = true;
  $("redeliver").title = "";
}

async function loadAttempts(id, highlight = 0) {
  let data;
  try {
    data = await call("GET", `/api/v1/mp4/callbacks?taskId=${encodeURIComponent(id)}`);
  } catch (err) {
    fail(err, $("task-error"), "Could not load the callback attempts: ");
    return null;
  }
  $("callback-url").textContent = data.callbackUrl ? `Sent to ${data.callbackUrl}` : "This task has no callback URL.";
  const rows = data.attempts.map((a) => {
    const ok = a.status >= 200 && a.status < 300 && !a.error;
    const result = a.error ? `error: ${a.error}` : `HTTP ${a.status}`;
    return el(
      "tr",
      { class: a.delivery === highlight ? "new" : "", data: { delivery: a.delivery, attempt: a.attempt } },
      el("td", { textContent: a.delivery }),
      el("td", { textContent: a.attempt }),
      el("td", {}, timeEl(a.time)),
      el("td", { textContent: `${a.durationMs} ms` }),
      el("td", { class: ok ? "ok" : "bad", textContent: result }),
      el("td", { class: "answer", textContent: a.response || "" }),
    );
  });
  $("attempts").tBodies[0].replaceChildren(...rows);
  $("attempts-empty").hidden = rows.length > 0;
  const btn = $("redeliver");
  const s = shownTask;
  btn.disabled = !data.callbackUrl || !s || s.successFlag === "PENDING";
  btn.title = !data.callbackUrl ? "The task has no callback URL" : btn.disabled ? "Wait until the task finishes" : "";
  return data;
}

async function redeliver() {
  const s = shownTask;
  if (!s) return;
  const status = $("redeliver-status");
  const out = $("redeliver-error");
  status.textContent = out.textContent = "";
  const btn = $("redeliver");
  btn.disabled = true;
  let d;
  try {
    d = await call("POST", "/api/v1/mp4/callbacks/redeliver", { taskId: s.taskId });
  } catch (err) {
    fail(err, out, "Redelivery was refused: ");
    btn.disabled = false;
    return;
  }
  status.textContent = `Delivery ${d.delivery} queued; waiting for its first attempt…`;
  const deadline = Date.now() + 60000;
  while (Date.now() < deadline && shownTask && shownTask.taskId === s.taskId) {
    const data = await loadAttempts(s.taskId, d.delivery);
    const mine = data ? data.attempts.filter((a) => a.delivery === d.delivery) : [];
    if (mine.length) {
      const a = mine[mine.length - 1];
      status.textContent = `Delivery ${d.delivery}, attempt ${a.attempt}: ${a.error ? a.error : `HTTP ${a.status}`}.`;
      return;
    }
    if (!data) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  status.textContent = `Delivery ${d.delivery} has not made an attempt yet; reload the page later.`;
}

/**
 * cancelTask asks the server to end the shown PENDING task. The page's
 * status changes when the event stream pushes the task's new state.
 */
async function cancelTask() {
  const s = shownTask;
  if (!s) return;
  const status = $("cancel-status");
  const out = $("cancel-error");
  status.textContent = out.textContent = "";
  const btn = $("cancel");
  btn.disabled = true;
  let d;
  try {
    d = await call("POST", "/api/v1/mp4/cancel", { taskId: s.taskId });
  } catch (err) {
    fail(err, out, "Cancel was refused: ");
    btn.disabled = false;
    return;
  }
  status.textContent = `Cancelled: the task is now ${statusLabels[d.successFlag] || d.successFlag}` +
    (d.errorMessage ? ` (${d.errorMessage}).` : ".");
  announce(status.textContent);
}

// ---- the track list ----

function badge(on, yes, no) {
  return el("li", { class: on ? "badge on" : "badge", textContent: on ? yes : no });
}

function trackRow(t) {
  const title = t.title || "Untitled";
  const r = el("li", { class: "task", data: { audioId: t.audioId, taskId: t.taskId } });
  const out = el("p", { class: "error", role: "alert" });
  const del = el("button", { type: "button", class: "danger", textContent: "Delete", "aria-label": `Delete ${title}` });
  const make = el("button", { type: "button", class: "quiet make", textContent: "Make a video", "aria-label": `Make a video of ${title}` });
  const buttons = [del, make];
  const actions = el("div", { class: "actions" }, ...buttons);
  del.addEventListener("click", () => confirmDelete(t, r, actions, buttons, out));
  make.addEventListener("click", () => videoOfTrack(t, make, out));
  r.append(
    el("div", { class: "task-head" }, el("span", { class: "t-title", textContent: title })),
    el("p", { class: "times ids" }, "Music task id ", el("code", { textContent: t.taskId }),
      " · audio id ", el("code", { textContent: t.audioId })),
    el(
      "ul",
      { class: "badges", "aria-label": `About ${title}` },
      badge(t.hasCover, "Cover", "No cover"),
      badge(t.hasLyrics, t.syncedLyrics ? "Synced lyrics" : "Lyrics (untimed)", "No lyrics"),
      badge(t.upstream, "Upstream", t.uploaded ? "Uploaded" : "By URL"),
    ),
    el("p", { class: "times" }, "Created ", timeEl(t.createTime)),
    actions,
    out,
  );
  return r;
}

/** videoOfTrack starts a video of a listed track (16:9, 720p, no callback)
 * and opens its task page. */
async function videoOfTrack(t, button, out) {
  out.textContent = "";
  button.disabled = true;
  try {
    const started = await call("POST", "/api/v1/mp4/generate", { taskId: t.taskId, audioId: t.audioId });
    announce("Video task started.");
    location.hash = `#/task/${encodeURIComponent(started.taskId)}`;
  } catch (err) {
    fail(err, out, "The video could not start: ");
  } finally {
    button.disabled = false;
  }
}

/** confirmDelete asks in the row itself, with the focus on "Keep". */
function confirmDelete(t, row, actions, buttons, out) {
  const del = buttons[0];
  const title = t.title || "Untitled";
  out.textContent = "";
  const question = el("p", { textContent: `Delete ${title}? Its audio and cover are removed.` });
  const yes = el("button", { type: "button", class: "danger sure", textContent: "Yes, delete", "aria-label": `Yes, delete ${title}` });
  const keep = el("button", { type: "button", class: "quiet", textContent: "Keep" });
  actions.replaceChildren(question, yes, keep);
  const back = () => {
    actions.replaceChildren(...buttons);
    del.focus();
  };
  keep.addEventListener("click", back);
  yes.addEventListener("click", async () => {
    yes.disabled = keep.disabled = true;
    try {
      await call("DELETE", `/api/v1/tracks/${encodeURIComponent(t.audioId)}?taskId=${encodeURIComponent(t.taskId)}`);
    } catch (err) {
      back();
      fail(err, out, "Not deleted: ");
      return;
    }
    const next = row.nextElementSibling || row.previousElementSibling;
    row.remove();
    $("tracks-empty").hidden = $("tracks").children.length > 0;
    $("tracks-status").textContent = `Deleted ${title}.`;
    announce(`Deleted ${title}.`);
    const focus = next && next.querySelector("button");
    (focus || $("tracks-h")).focus();
  });
  keep.focus();
}

async function loadTracks() {
  const out = $("tracks-error");
  out.textContent = "";
  const q = new URLSearchParams({ limit: pageSize });
  const cursor = tracks.cursors[tracks.cursors.length - 1];
  if (cursor) q.set("cursor", cursor);
  // The rows shown from the last visit are replaced when the list comes:
  // until then they are inert, so that a Delete pressed in one is not
  // lost with it.
  const list = $("tracks");
  list.setAttribute("aria-busy", "true");
  list.inert = true;
  let data;
  try {
    data = await call("GET", `/api/v1/tracks?${q}`);
  } catch (err) {
    fail(err, out, "Could not load the tracks: ");
    return;
  } finally {
    list.removeAttribute("aria-busy");
    list.inert = false;
  }
  list.replaceChildren(...data.tracks.map(trackRow));
  $("tracks-empty").hidden = data.tracks.length > 0;
  tracks.next = data.nextCursor;
  $("tracks-older").disabled = !tracks.next;
  $("tracks-newer").disabled = tracks.cursors.length === 1;
  $("tracks-page").textContent = `Page ${tracks.cursors.length}`;
}

// ---- the brand ----

// brand is the brand shown: its logo as a Blob (sent again by a save that
// keeps it: a PUT replaces the whole brand) and the URL showing it.
const brand = { logo: null, url: "" };

function showBrand(b, logo) {
  if (brand.url) URL.revokeObjectURL(brand.url);
  brand.logo = logo;
  brand.url = logo ? URL.createObjectURL(logo) : "";
  const img = $("brand-logo");
  img.hidden = !logo;
  if (logo) img.src = brand.url;
  else img.removeAttribute("src");
  $("brand-accent").value = b ? b.accentColor : "";
  $("brand-theme").value = b ? b.theme : "";
  $("brand-logo-file").value = "";
  $("brand-drop-logo").checked = false;
  $("brand-drop-line").hidden = !logo;
  $("brand-delete").hidden = !b;
  if (!b) {
    $("brand-summary").textContent = "No brand yet: videos get the colour picked from their cover and no logo.";
    return;
  }
  const parts = [];
  if (b.logo) parts.push(`logo ${b.logo.width}×${b.logo.height} px`);
  parts.push(b.accentColor ? `accent colour ${b.accentColor}` : "no accent colour");
  parts.push(b.theme ? `theme ${b.theme}` : "no theme");
  $("brand-summary").textContent = `Current brand: ${parts.join(", ")}.`;
}

async function loadBrand() {
  const out = $("brand-error");
  out.textContent = "";
  let b = null;
  let logo = null;
  try {
    b = await call("GET", "/api/v1/brand");
    if (b.logo) logo = await file(b.logo.url);
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 404)) {
      fail(err, out, "Could not load the brand: ");
      return;
    }
  }
  showBrand(b, logo);
}

async function saveBrand(ev) {
  ev.preventDefault();
  const out = $("brand-error");
  const status = $("brand-status");
  out.textContent = "";
  status.textContent = "";
  const form = new FormData();
  const chosen = $("brand-logo-file").files[0];
  if (chosen) form.append("logo", chosen, chosen.name);
  else if (brand.logo && !$("brand-drop-logo").checked) form.append("logo", brand.logo, "logo.png");
  const accent = $("brand-accent").value.trim();
  if (accent) form.append("accentColor", accent);
  if ($("brand-theme").value) form.append("theme", $("brand-theme").value);
  if (![...form.keys()].length) {
    out.textContent = "Choose a logo, a colour or a theme, or remove the brand.";
    return;
  }
  $("brand-save").disabled = true;
  let b;
  try {
    b = await upload("/api/v1/brand", form, () => {}, "PUT");
  } catch (err) {
    fail(err, out, "Not saved: ");
    return;
  } finally {
    $("brand-save").disabled = false;
  }
  let logo = null;
  if (b.logo) logo = chosen || brand.logo;
  showBrand(b, logo);
  status.textContent = "Brand saved: new videos get it.";
  announce("Brand saved.");
}

async function deleteBrand() {
  const out = $("brand-error");
  out.textContent = "";
  try {
    await call("DELETE", "/api/v1/brand");
  } catch (err) {
    fail(err, out, "Not removed: ");
    return;
  }
  showBrand(null, null);
  $("brand-status").textContent = "Brand removed: new videos get none; videos already made keep theirs.";
  announce("Brand removed.");
  $("brand-h").focus();
}

// sizeAspects writes each aspect's size at the chosen resolution into its
// label: "16:9 landscape (1920×1080)" once 1080p is chosen.
const aspectSizes = {
  "720p": { "16:9": "1280×720", "1:1": "1080×1080", "9:16": "720×1280", "4:5": "1080×1350" },
  "1080p": { "16:9": "1920×1080", "1:1": "1080×1080", "9:16": "1080×1920", "4:5": "1080×1350" },
};
const aspectNames = { "16:9": "16:9 landscape", "1:1": "1:1 square", "9:16": "9:16 portrait", "4:5": "4:5 feed" };
function sizeAspects() {
  const sizes = aspectSizes[$("resolution").value] || aspectSizes["720p"];
  for (const o of $("aspect").options) o.textContent = `${aspectNames[o.value]} (${sizes[o.value]})`;
}

// ---- start ----

function init() {
  $("signin-form").addEventListener("submit", signIn);
  $("signout").addEventListener("click", () => signOut());
  $("make-form").addEventListener("submit", makeVideo);
  $("redeliver").addEventListener("click", redeliver);
  $("cancel").addEventListener("click", cancelTask);
  $("tracks-h").setAttribute("tabindex", "-1");
  $("brand-h").setAttribute("tabindex", "-1");
  $("brand-form").addEventListener("submit", saveBrand);
  $("brand-delete").addEventListener("click", deleteBrand);
  $("tracks-older").addEventListener("click", () => {
    if (!tracks.next) return;
    tracks.cursors.push(tracks.next);
    loadTracks();
  });
  $("tracks-newer").addEventListener("click", () => {
    if (tracks.cursors.length > 1) tracks.cursors.pop();
    loadTracks();
  });
  $("filter").addEventListener("change", (e) => {
    list.filter = e.target.value;
    list.cursors = [""];
    loadTasks();
  });
  $("older").addEventListener("click", () => {
    if (!list.next) return;
    list.cursors.push(list.next);
    loadTasks();
  });
  $("newer").addEventListener("click", () => {
    if (list.cursors.length > 1) list.cursors.pop();
    loadTasks();
  });
  window.addEventListener("hashchange", route);
  setupDrop();
  $("resolution").addEventListener("change", sizeAspects);
  sizeAspects();
  if (key()) startStream();
  route();
}

init();
