/**
 * nblaunch-embed.js: show a Jupyter notebook on a host page and save it on the host's command.
 *
 * Plain ES module, no build step. Import it (`import { embed } from ".../nblaunch-embed.js"`)
 * or load it with `<script type="module">` and use `window.NBLaunch.embed`.
 *
 *   const nb = NBLaunch.embed(element, { src, origin });
 *   nb.on("ready", ({ path }) => ...);      // the notebook is shown
 *   nb.on("dirty", ({ dirty }) => ...);     // unsaved changes, or none
 *   nb.on("saved", ({ path, last_modified, reason }) => ...);  // every save; reason is
 *                            // "user" (Lab's Save, Ctrl+S, nb.save()), "autorun" or "autosave"
 *   nb.on("kernel", ({ status }) => ...);   // idle, busy, ...
 *   nb.on("error", ({ type, reason }) => ...);  // no ready in time, or the notebook said so
 *   const { path, last_modified } = await nb.save();  // rejects on save-failed or timeout
 *   await nb.runAll();
 *   nb.destroy();
 *   NBLaunch.prestart("/my-app/prestart", { headers });  // on page load: start the server early
 *
 * It speaks the nblaunch host bridge, protocol version 2 (docs/bridge.md), with the Lab plugin
 * inside the frame; `nb.version` is the version the plugin said it speaks (1 for plugins older
 * than version 2, which send no `reason`: their saves count as the user's).
 *
 * Security: a message is read only if it comes from this handle's own iframe (`event.source`)
 * AND from `origin` (`event.origin`); every message it sends is posted with
 * `targetOrigin = origin`, so a page that navigated the frame elsewhere never sees a request.
 */

/** The message format (`nblaunch: 1` in every message), unchanged since version 1. */
export const PROTOCOL = 1;
/** The protocol version this script understands: 2 reads `reason` on `saved`. */
export const VERSION = 2;

const DEFAULTS = { readyTimeout: 30000, saveTimeout: 20000, pingInterval: 1000 };
const EVENTS = ["ready", "dirty", "saved", "error", "kernel"];

/** Create the iframe in `element` and return the handle that talks to it. */
export function embed(element, options) {
  const opts = { ...DEFAULTS, ...(options || {}) };
  if (!element || !opts.src) {
    throw new Error("NBLaunch.embed(element, {src, origin}) needs an element and a src URL.");
  }
  if (opts.origin === "*" || opts.origin === "null") {
    throw new Error("NBLaunch.embed: origin must be the notebook server's exact origin.");
  }
  // As the browser writes event.origin: "https://hub.example.org:443" is "https://hub.example.org".
  const origin = new URL(opts.origin || opts.src, window.location.href).origin;
  return new Embed(element, opts, origin);
}

/**
 * Ask the host's own backend to start the user's Jupyter server now (zero-wait launch).
 *
 * `url` is the host application's endpoint that calls `NBLaunchClient.prestart(user)`; this
 * script holds no Hub credential. Call it when a page that offers a notebook loads: the spawn
 * overlaps the person's reading. Never throws: it resolves to the status the backend answered
 * ("ready", "starting") or "failed".
 */
export async function prestart(url, init = {}) {
  try {
    const response = await fetch(url, { method: "POST", credentials: "same-origin", ...init });
    const answer = response.ok ? await response.json() : {};
    return answer.status === "ready" || answer.status === "starting" ? answer.status : "failed";
  } catch {
    return "failed";
  }
}

class Embed {
  constructor(element, opts, origin) {
    this.origin = origin;
    this.path = null;
    this.isReady = false;
    this.version = null; // the plugin's protocol version, known from its first message
    this._opts = opts;
    this._element = element;
    this._listeners = new Map(EVENTS.map((name) => [name, new Set()]));
    this._pending = new Map(); // request id -> {resolve, reject, timer}
    this._counter = 0;
    this._destroyed = false;
    this._fallback = null;
    this.iframe = this._makeFrame(opts);
    this.ready = new Promise((resolve) => (this._resolveReady = resolve));
    this._onMessage = (event) => this._receive(event);
    window.addEventListener("message", this._onMessage);
    // The plugin queues its events until it knows the host's origin (when the server allows
    // several), and it may load after the first ping: ping until the notebook says "ready".
    this._ping = setInterval(() => this._post({ type: "ping" }), opts.pingInterval);
    this.iframe.addEventListener("load", () => this._post({ type: "ping" }));
    this._readyTimer = setTimeout(() => this._noReady(), opts.readyTimeout);
    element.appendChild(this.iframe);
  }

  _makeFrame(opts) {
    const frame = document.createElement("iframe");
    frame.src = opts.src;
    frame.title = opts.title || "Jupyter notebook";
    frame.setAttribute("allow", "clipboard-read; clipboard-write");
    frame.className = "nblaunch-frame";
    frame.style.cssText = "width: 100%; height: 100%; border: 0; display: block;";
    return frame;
  }

  /** Listen to "ready", "dirty", "saved", "error" or "kernel"; returns an unsubscribe. */
  on(name, fn) {
    const set = this._listeners.get(name);
    if (!set) {
      throw new Error(`NBLaunch: unknown event ${name}; use one of ${EVENTS.join(", ")}.`);
    }
    set.add(fn);
    return () => set.delete(fn);
  }

  off(name, fn) {
    const set = this._listeners.get(name);
    if (set) set.delete(fn);
  }

  /** Ask JupyterLab to save; resolves `{path, last_modified, reason: "user"}` once it completed. */
  save() {
    if (!this.isReady) {
      return Promise.reject(
        this._error("not-ready", "The notebook has not loaded yet; nothing was saved."),
      );
    }
    return this._request("save", this._opts.saveTimeout, "The notebook did not confirm the save");
  }

  /** Run every cell; resolves `{ok}` when the run finished (no timeout: runs can be long). */
  runAll() {
    if (!this.isReady) {
      return Promise.reject(this._error("not-ready", "The notebook has not loaded yet."));
    }
    return this._request("run-all", 0, "");
  }

  /** Remove the frame and every listener; pending requests reject. */
  destroy() {
    if (this._destroyed) return;
    this._destroyed = true;
    window.removeEventListener("message", this._onMessage);
    clearInterval(this._ping);
    clearTimeout(this._readyTimer);
    for (const [id, entry] of this._pending) {
      this._settle(id, null, this._error("destroyed", "The embedded notebook was removed."));
      clearTimeout(entry.timer);
    }
    this.iframe.remove();
    if (this._fallback) this._fallback.remove();
    this._listeners.forEach((set) => set.clear());
  }

  _request(type, timeout, late) {
    if (this._destroyed) {
      return Promise.reject(this._error("destroyed", "The embedded notebook was removed."));
    }
    const id = `nb${++this._counter}-${Date.now().toString(36)}`;
    return new Promise((resolve, reject) => {
      const timer = timeout
        ? setTimeout(() => {
            const reason = `${late} within ${Math.round(timeout / 1000)} s; is the server running?`;
            this._settle(id, null, this._error("timeout", reason));
          }, timeout)
        : null;
      this._pending.set(id, { resolve, reject, timer });
      this._post({ type, id });
    });
  }

  _settle(id, value, error) {
    const entry = this._pending.get(id);
    if (!entry) return false;
    this._pending.delete(id);
    clearTimeout(entry.timer);
    if (error) entry.reject(error);
    else entry.resolve(value);
    return true;
  }

  _post(body) {
    const target = this.iframe.contentWindow;
    if (this._destroyed || !target) return;
    // Never "*": a frame that navigated to another origin must not receive our requests.
    target.postMessage({ nblaunch: PROTOCOL, ...body }, this.origin);
  }

  _receive(event) {
    if (event.source !== this.iframe.contentWindow || event.origin !== this.origin) return;
    const data = event.data;
    if (!data || typeof data !== "object" || data.nblaunch !== PROTOCOL) return;
    if (typeof data.type !== "string") return;
    // Version 1 plugins send no `version`.
    this.version = Number.isInteger(data.version) ? data.version : 1;
    const handler = HANDLERS[data.type];
    if (handler) handler(this, data);
  }

  _becomeReady(path) {
    if (this.isReady) {
      // The frame reloaded or moved to another notebook: say so once per change.
      if (path !== this.path) {
        this.path = path;
        this._emit("ready", { path });
      }
      return;
    }
    this.path = path;
    this.isReady = true;
    clearInterval(this._ping);
    clearTimeout(this._readyTimer);
    if (this._fallback) {
      // The notebook arrived after all: show it instead of the fallback.
      this._fallback.remove();
      this._fallback = null;
      this.iframe.style.display = "block";
    }
    this._resolveReady({ path });
    this._emit("ready", { path });
  }

  _noReady() {
    if (this.isReady || this._destroyed) return;
    this.iframe.style.display = "none";
    this._fallback = makeFallback(this._opts);
    this._element.appendChild(this._fallback);
    this._emit("error", {
      type: "timeout",
      reason: "The notebook did not load in the frame (the browser may block the Hub's cookies).",
    });
  }

  _emit(name, detail) {
    for (const fn of [...this._listeners.get(name)]) {
      try {
        fn(detail);
      } catch (err) {
        // One failing listener must not stop the others or the bridge.
        setTimeout(() => {
          throw err;
        });
      }
    }
  }

  _error(code, reason) {
    const err = new Error(reason);
    err.name = "NBLaunchError";
    err.code = code;
    err.reason = reason;
    return err;
  }
}

/** What to do with each message type from the notebook. */
const HANDLERS = {
  ready: (nb, m) => nb._becomeReady(m.path ?? null),
  // A pong with a path means a notebook is shown, even if its "ready" went out before our ping.
  pong: (nb, m) => (m.path ? nb._becomeReady(m.path) : undefined),
  dirty: (nb, m) => nb._emit("dirty", { path: m.path ?? nb.path, dirty: Boolean(m.dirty) }),
  kernel: (nb, m) => nb._emit("kernel", { path: m.path ?? nb.path, status: m.status }),
  saved: (nb, m) => {
    // A version 1 plugin gives no reason: then every save counted as the user's, keep that.
    const reason = typeof m.reason === "string" && m.reason ? m.reason : "user";
    const detail = { path: m.path ?? nb.path, last_modified: m.last_modified ?? null, reason };
    // An answer to our request resolves it; every save (ours included) is also announced
    // once without an id, and that one becomes the "saved" event.
    if (m.id == null || !nb._settle(m.id, detail, null)) nb._emit("saved", detail);
  },
  "save-failed": (nb, m) => {
    const reason = m.reason || "The save failed.";
    if (!nb._settle(m.id, null, nb._error("save-failed", reason))) {
      nb._emit("error", { type: "save-failed", reason });
    }
  },
  ran: (nb, m) => nb._settle(m.id, { ok: Boolean(m.ok) }, null),
  error: (nb, m) => {
    const reason = m.reason || "The notebook reported an error.";
    if (!nb._settle(m.id, null, nb._error("error", reason))) {
      nb._emit("error", { type: "error", reason });
    }
  },
};

function makeFallback(opts) {
  const box = document.createElement("div");
  box.className = "nblaunch-fallback";
  box.setAttribute("role", "status");
  box.style.cssText = "padding: 1.5em; text-align: center; font: inherit;";
  const text = document.createElement("p");
  text.textContent =
    opts.fallbackText || "The notebook cannot be shown on this page. You can open it in a new tab.";
  const link = document.createElement("a");
  // A ticket URL works once: hosts pass fallbackHref, a route that mints a fresh one.
  link.href = opts.fallbackHref || opts.src;
  link.target = "_blank";
  link.rel = "noopener";
  link.textContent = "Open in a new tab";
  box.append(text, link);
  return box;
}

if (typeof window !== "undefined") {
  window.NBLaunch = Object.freeze({ embed, prestart, PROTOCOL, VERSION });
}
