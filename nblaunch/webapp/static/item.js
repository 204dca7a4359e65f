// "Analyze here" on an item page: embed the notebook with nblaunch-embed.js, and turn every save
// the user makes (our Save button or JupyterLab's own) into a version stored by this application's
// backend. The automatic run's and autosave's saves stay in Jupyter: nobody asked for a version.
const ws = document.getElementById("workspace");
const frame = document.getElementById("nb-frame");
const saveButton = document.getElementById("nb-save");
const runButton = document.getElementById("nb-run");
const statusLine = document.getElementById("nb-status");
const noteLine = document.getElementById("nb-note");
const reopenButton = document.getElementById("nb-reopen");
const conflictBox = document.getElementById("nb-conflict");
let handle = null;
let current = null; // {template, path}
let hostSaving = false;
let conflict = null; // {original, mine, copy}: this tab's copy kept after a save conflict
// Saves nobody asked for, in the words of the status line.
const SAVED_BY = {
  autorun: "Not a version: the automatic run saved its outputs",
  autosave: "Not a version: autosaved",
};

function say(text, kind = "") {
  statusLine.textContent = text;
  statusLine.className = kind;
}

async function post(url, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json",
      "X-CSRF-Token": ws.dataset.csrf,
    },
    body: JSON.stringify(body),
  });
  let answer = {};
  try {
    answer = await response.json();
  } catch {
    answer = { message: `The application answered ${response.status}.` };
  }
  if (!response.ok) throw new Error(answer.message || `Request failed (${response.status}).`);
  return answer;
}

async function loadEmbedKit() {
  try {
    const module = await import(ws.dataset.embedJs);
    // The module exports `embed` and also sets window.NBLaunch.
    const kit = module.NBLaunch || (module.embed ? module : null) || window.NBLaunch;
    if (kit) return kit;
  } catch (error) {
    console.warn("nblaunch-embed.js did not load", error);
  }
  throw new Error("JupyterHub is unreachable: the notebook viewer could not be loaded. Try again in a minute.");
}

async function storeVersion(path) {
  if (!current) return;
  current.path = path || current.path;
  if (!current.path) {
    say("Save failed: the notebook's path is unknown.", "error");
    return;
  }
  const result = await post(`/items/${ws.dataset.item}/save`, current);
  say(
    result.created
      ? `Saved as version #${result.version_id}.`
      : `Saved. No changes since version #${result.version_id}, so no new version.`,
    "ok",
  );
}

async function analyze(body) {
  ws.hidden = false;
  saveButton.disabled = runButton.disabled = true;
  reopenButton.hidden = true;
  // A choice offered for the notebook shown so far does not apply to the next one.
  conflict = null;
  conflictBox.hidden = true;
  noteLine.textContent = "";
  say("Starting your notebook…");
  try {
    const launch = await post(`/items/${ws.dataset.item}/launch`, body);
    current = { template: launch.template, path: body.path || null };
    document.getElementById("nb-title").textContent = body.path || launch.template;
    const NBLaunch = await loadEmbedKit();
    if (handle) handle.destroy();
    frame.replaceChildren();
    // fallbackHref mints a fresh ticket: the one in src works once.
    const options = { src: launch.src, origin: launch.origin, fallbackHref: launch.fallback };
    handle = NBLaunch.embed(frame, options);
    handle.on("ready", (info) => {
      if (info && info.path) current.path = info.path;
      saveButton.disabled = runButton.disabled = false;
      say("Ready.");
      if (body.path) compareWithLatest(body.path).catch(() => {});
    });
    handle.on("dirty", (d) => {
      if (d && d.dirty) say("Unsaved changes.");
      // Clean again after an autorun's or autosave's save: not after a save's own answer
      // ("Saved as version #5"), which a late event would otherwise wipe from the page.
      else if (statusLine.textContent === "Unsaved changes.") say("No unsaved changes.");
    });
    // A save from JupyterLab's own menu or shortcut arrives here too: store it the same way.
    // A plugin older than bridge version 2 gives no reason; nblaunch-embed.js then says "user".
    handle.on("saved", (info) => {
      if (info.reason !== "user") {
        const at = new Date().toLocaleTimeString();
        noteLine.textContent = `${SAVED_BY[info.reason] || "Saved"} in Jupyter at ${at}.`;
      } else if (!hostSaving) {
        storeVersion(info.path).catch((e) => say(`Save failed: ${e.message}`, "error"));
      }
    });
    handle.on("error", (e) => {
      say((e && e.reason) || "The notebook reported an error.", "error");
      // JupyterLab's own Save failed (its server may be gone): offer to open it again.
      if (e && e.type === "save-failed") reopenButton.hidden = !current.path;
    });
    ws.scrollIntoView({ behavior: "smooth" });
  } catch (error) {
    say(error.message, "error");
  }
}

saveButton.addEventListener("click", async () => {
  saveButton.disabled = true;
  hostSaving = true;
  say("Saving…");
  try {
    const saved = await handle.save();
    // The plugin saves into a copy (another path) when the notebook changed elsewhere.
    if (saved && saved.path && current.path && saved.path !== current.path) {
      await keepConflictCopy(saved.path);
    } else {
      await storeVersion(saved && saved.path);
    }
  } catch (error) {
    const reason = (error && (error.reason || error.message)) || "unknown reason";
    say(`Save failed: ${reason} Nothing new was stored; your last saved version is safe.`, "error");
    reopenButton.hidden = !(current && current.path);
  } finally {
    hostSaving = false;
    saveButton.disabled = false;
  }
});

// After a failed save or a server restart the notebook may hold edits that never became a
// version (autosave): show them, but say so and offer the stored version.
async function compareWithLatest(path) {
  const state = await post("/analyses/compare", { path });
  if (state.same || !state.version_id) return;
  noteLine.replaceChildren(
    `This notebook differs from your last saved version #${state.version_id}. `,
    Object.assign(document.createElement("a"), {
      href: `/versions/${state.version_id}`,
      textContent: `Restore version #${state.version_id}`,
    }),
  );
}

// Another tab or window saved this notebook after this tab opened it: the plugin kept this
// tab's content in a copy. Store the copy as a version too, then let the person choose.
async function keepConflictCopy(copy) {
  const original = current.path;
  const body = { template: current.template, path: copy };
  const mine = await post(`/items/${ws.dataset.item}/save`, body);
  conflict = { original, mine: mine.version_id, copy };
  document.getElementById("nb-conflict-text").textContent =
    `${original} was saved elsewhere (another tab or window) after this tab opened it, so it ` +
    `was not overwritten. Your changes are kept as version #${mine.version_id} (${copy}).`;
  document.getElementById("nb-mine-download").href = `/versions/${mine.version_id}/download`;
  conflictBox.hidden = false;
  say("Conflict: this notebook changed elsewhere. Choose which version to keep.", "error");
}

async function resolveConflict(keepMine) {
  const chosen = conflict;
  if (!chosen) return;
  let note = `Your changes stay as version #${chosen.mine} (${chosen.copy}).`;
  try {
    if (keepMine) {
      const kept = await post(`/versions/${chosen.mine}/keep`, { path: chosen.original });
      note = `Your changes are now version #${kept.version_id}; the other one stays in the history.`;
    }
  } catch (error) {
    say(`Could not keep your version: ${error.message}`, "error");
    return;
  }
  await analyze({ path: chosen.original });
  noteLine.textContent = note;
}

document.getElementById("nb-keep-mine").addEventListener("click", () => resolveConflict(true));
document.getElementById("nb-load-stored").addEventListener("click", () => resolveConflict(false));
reopenButton.addEventListener("click", () => {
  if (current && current.path) analyze({ path: current.path });
});

runButton.addEventListener("click", async () => {
  if (!handle) return;
  say("Running all cells…");
  try {
    await handle.runAll();
    say("All cells ran. Save to keep the results.");
  } catch (error) {
    say(`Run failed: ${(error && (error.reason || error.message)) || "unknown reason"}`, "error");
  }
});

for (const button of document.querySelectorAll("[data-analyze-template]")) {
  button.addEventListener("click", () => analyze({ template: button.dataset.analyzeTemplate }));
}
for (const button of document.querySelectorAll("[data-analyze-path]")) {
  button.addEventListener("click", () => analyze({ path: button.dataset.analyzePath }));
}

// Zero-wait: start the user's server while they read the item, if the Hub is there to ask.
if (document.querySelector("[data-analyze-template]:not([disabled])")) {
  loadEmbedKit()
    .then((kit) =>
      kit.prestart(`/items/${ws.dataset.item}/prestart`, {
        headers: { Accept: "application/json", "X-CSRF-Token": ws.dataset.csrf },
      }),
    )
    .then((status) => {
      ws.dataset.prestart = status;
    })
    .catch(() => {
      ws.dataset.prestart = "failed";
    });
}
