// The JSON API as the page uses it. The key is sent only in the
// Authorization header and kept only in this tab's sessionStorage.

const keyName = "mvgen.key";

/** The signed-in key, or "" when signed out. */
export function key() {
  return sessionStorage.getItem(keyName) || "";
}

export function setKey(k) {
  sessionStorage.setItem(keyName, k);
}

export function forgetKey() {
  sessionStorage.removeItem(keyName);
}

/** ApiError is an answer whose envelope code is not 200; message is its msg. */
export class ApiError extends Error {
  /** retryAfter: the seconds of the answer's Retry-After header, or 0. */
  constructor(code, msg, retryAfter = 0) {
    super(msg);
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

/** retryAfter reads a Retry-After header's delay in seconds (0 when absent or a date we do not need). */
function retryAfter(resp) {
  const n = Number(resp.headers.get("Retry-After"));
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/** envelope reads an answer's JSON envelope, throwing ApiError unless it says 200. */
function envelope(status, text) {
  let e;
  try {
    e = JSON.parse(text);
  } catch {
    throw new ApiError(status, `the server answered HTTP ${status} without the JSON envelope`);
  }
  if (e.code !== 200) {
    throw new ApiError(e.code, e.msg || `error ${e.code}`);
  }
  return e.data;
}

/** call makes a request with the key; body objects are sent as JSON. */
export async function call(method, path, body, k = key()) {
  const headers = { Authorization: `Bearer ${k}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let resp;
  try {
    resp = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
  } catch (err) {
    throw new ApiError(0, `cannot reach the server (${err.message})`);
  }
  return envelope(resp.status, await resp.text());
}

/**
 * upload posts form as multipart/form-data with XMLHttpRequest, which
 * reports upload progress: onProgress(percent) is called as bytes go out.
 */
export function upload(path, form, onProgress, method = "POST") {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, path);
    xhr.setRequestHeader("Authorization", `Bearer ${key()}`);
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) onProgress(Math.round((100 * e.loaded) / e.total));
    });
    xhr.upload.addEventListener("load", () => onProgress(100));
    xhr.addEventListener("load", () => {
      try {
        resolve(envelope(xhr.status, xhr.responseText));
      } catch (err) {
        reject(err);
      }
    });
    xhr.addEventListener("error", () => reject(new ApiError(0, "the upload failed: cannot reach the server")));
    xhr.addEventListener("abort", () => reject(new ApiError(0, "the upload was cancelled")));
    xhr.send(form);
  });
}

/** file fetches a file answer (the brand's logo) with the key as a Blob; null for a 404. */
export async function file(path) {
  let resp;
  try {
    resp = await fetch(path, { headers: { Authorization: `Bearer ${key()}` }, cache: "no-store" });
  } catch (err) {
    throw new ApiError(0, `cannot reach the server (${err.message})`);
  }
  if (resp.status === 404) return null;
  if (!resp.ok) envelope(resp.status, await resp.text()); // throws with the server's message
  return resp.blob();
}

/**
 * events reads the server-sent event stream at path with fetch (EventSource
 * cannot send the Authorization header) and calls onEvent(name, data) for
 * each event, after onOpen() once the server accepted it. It resolves when
 * the stream ends and rejects on an error answer; signal stops it.
 */
export async function events(path, signal, onOpen, onEvent) {
  const resp = await fetch(path, {
    headers: { Authorization: `Bearer ${key()}`, Accept: "text/event-stream" },
    signal,
    cache: "no-store",
  });
  if (!resp.ok) {
    try {
      envelope(resp.status, await resp.text()); // throws with the server's message
    } catch (err) {
      if (err instanceof ApiError) err.retryAfter = retryAfter(resp);
      throw err;
    }
  }
  onOpen();
  const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += value.replace(/\r\n?/g, "\n");
    let end;
    while ((end = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, end);
      buf = buf.slice(end + 2);
      let name = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) continue; // a comment: the heartbeat
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const v = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") name = v;
        if (field === "data") data.push(v);
      }
      if (data.length) onEvent(name, JSON.parse(data.join("\n")));
    }
  }
}
