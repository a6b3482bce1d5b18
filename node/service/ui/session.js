// Talking to the node (api), the session and its expiry, and the top bar
// (mode, data age, hub link, disk), which every view shows.

import { go, state, TOKEN_KEY } from "./state.js";
import { dataAsOfText, errorText, formatTime, heldText, I, roleName, t } from "./text.js";
import { $, showMessage } from "./dom.js";

// ---------- API ----------
export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (state.token) headers.Authorization = "Bearer " + state.token;
  const init = { method: method, headers: headers, cache: "no-store" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const sent = Date.now();
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    return { status: 0, body: { error: { code: "network", message: t("error.network") } } };
  }
  let json = null;
  try {
    json = await response.json();
  } catch (e) {
    json = null;
  }
  if (response.status === 401 && path !== "/v1/login") {
    forgetSession();
    go("login");
    showMessage(() => errorText(json, 401));
  } else if (state.token && !PUBLIC_PATHS.has(path)) {
    // The node counted this request as use of the session when it came in.
    sessionUsed(sent);
  }
  return { status: response.status, body: json };
}
// Routes that answer without a session, and so do not keep one going.
const PUBLIC_PATHS = new Set(["/v1/status", "/v1/login"]);

export function forgetSession() {
  state.token = null;
  state.operator = null;
  state.permissions = {};
  state.answer = null;
  state.summary = null;
  session.idleMs = 0;
  sessionCheck();
  try {
    window.sessionStorage.removeItem(TOKEN_KEY);
  } catch (e) {
    // nothing stored
  }
  renderTopbar();
}

// ---------- session expiry ----------
// The node ends a session after idle_timeout_seconds without a request,
// and absolute_expires_in_seconds after login. A tablet left on a table
// must not keep a record on screen after that: the screen is cleared and
// the login asked for, with a warning (and, for the idle end, a button to
// go on) shortly before. The node gives both limits relative to its own
// clock, so they are counted on this device's clock from when the request
// went out: a tablet whose clock is wrong still counts them right.
const session = { idleMs: 0, idleAt: 0, absoluteAt: 0, timer: null };
const SESSION_WARN_MS = 60000;

export function sessionStarted(body, sent) {
  session.idleMs = Math.max(0, Number(body.idle_timeout_seconds) || 0) * 1000;
  session.absoluteAt =
    typeof body.absolute_expires_in_seconds === "number" ? sent + body.absolute_expires_in_seconds * 1000 : 0;
  session.idleAt = 0;
  sessionUsed(sent);
}
function sessionUsed(sent) {
  if (!session.idleMs) return;
  session.idleAt = Math.max(session.idleAt, sent + session.idleMs);
  sessionCheck();
}
export function sessionCheck() {
  window.clearTimeout(session.timer);
  session.timer = null;
  const warning = $("#session-warning");
  if (!state.token || !session.idleMs) {
    hideSessionWarning();
    return;
  }
  const now = Date.now();
  const end = session.absoluteAt ? Math.min(session.idleAt, session.absoluteAt) : session.idleAt;
  if (now >= end) {
    sessionEnded();
    return;
  }
  const lead = Math.min(SESSION_WARN_MS, session.idleMs / 2);
  if (now < end - lead) {
    hideSessionWarning();
    session.timer = window.setTimeout(sessionCheck, end - lead - now);
    return;
  }
  // Only the idle end can be put off.
  const idleEnd = end === session.idleAt;
  $("#session-warning-text").textContent = I.format(idleEnd ? "session.warning" : "session.warning_final", {
    seconds: Math.ceil((end - now) / 1000),
  });
  $("#session-continue").hidden = !idleEnd;
  warning.hidden = false;
  session.timer = window.setTimeout(sessionCheck, Math.min(1000, end - now)); // the countdown
}
function hideSessionWarning() {
  $("#session-warning").hidden = true;
  $("#session-warning-error").hidden = true;
}
// "Continue" on the warning: the node is asked, and says whether it could.
// A failure is said in the warning itself, which stays in sight in the top
// bar wherever the page is scrolled.
export async function sessionContinue() {
  const sent = Date.now();
  const r = await api("GET", "/v1/session");
  if (r.status === 200) {
    sessionStarted(r.body, sent);
  } else if (r.status !== 401) {
    const error = $("#session-warning-error");
    error.textContent = t("session.continue_failed") + " " + errorText(r.body, r.status);
    error.hidden = false;
  }
}
function sessionEnded() {
  forgetSession();
  go("login");
  showMessage(() => t("login.expired"));
}

// ---------- top bar: mode, data age (always visible), operator ----------
export function renderTopbar() {
  const s = state.status;
  $("#mode-badge").hidden = !(s && s.mode === "disaster");
  renderDataAge($("#data-age"), s);
  renderHubState($("#hub-state"), s && s.hub);
  renderDiskState($("#disk-state"), s && s.disk);
  renderClockState($("#clock-state"), s);
  const who = state.operator;
  $("#who").textContent = who ? who.display_name + " (" + roleName(who.role) + ")" : "";
  $("#logout").hidden = !state.token;
  $("#nav-home").hidden = !state.token;
  I.apply($("#topbar"));
}

// The data age, always in sight: red when stale, missing, or when the
// node has stopped answering (then as of its last answer).
function renderDataAge(age, s) {
  age.classList.remove("stale");
  if (!s) {
    // Never reached the node: say so rather than show no data age at all.
    age.textContent = state.statusFailedAt ? t("data.unreachable") : "";
    if (state.statusFailedAt) age.classList.add("stale");
  } else if (!s.data || !s.data.as_of) {
    age.textContent = t("data.none");
    age.classList.add("stale");
  } else if (s.data.stale) {
    age.textContent = dataAsOfText(s.data) + " / " + t("data.stale") + " " + formatTime(s.data.stale_since) + " " +
      t("data.stale_since");
    age.classList.add("stale");
  } else {
    age.textContent = dataAsOfText(s.data);
  }
  if (s && state.statusFailedAt) {
    age.textContent += " / " + t("data.unreachable_since").replace("{time}", formatTime(state.statusFailedAt));
    age.classList.add("stale");
  }
}

// The background sync with the hub, when it keeps failing (a node the hub
// no longer knows, a hub down after the outage; details in its title), or
// a large update waiting for a quiet moment (applying it pauses the service
// for a while, hub_link.h: information, not an alarm).
function renderHubState(hub, h) {
  hub.title = "";
  hub.classList.remove("stale");
  if (h && h.failed_rounds > 0) {
    hub.textContent =
      t("hub.failing") + " " + (h.last_success ? formatTime(h.last_success) : t("hub.never")) + t("hub.end");
    hub.title = h.last_error || "";
    hub.classList.add("stale");
  } else if (h && h.held_update) {
    hub.textContent = heldText(h.held_update);
  } else {
    hub.textContent = "";
  }
  hub.hidden = !hub.textContent;
}

// The node's disk nearly full: once it is, no check or record opening can
// be recorded (GET /v1/status, disk.low). An alarm for everyone.
function renderDiskState(disk, d) {
  const low = d && d.low && d.free_bytes !== null;
  disk.textContent = low ? t("disk.low").replace("{mb}", Math.floor(d.free_bytes / 1e6).toLocaleString()) : "";
  disk.hidden = !low;
}

// The machine's clock behind the newest signed time the node has seen (GET
// /v1/status, clock_behind): the node then judges coverage and data age as
// of that time ("now"), and staff should have the clock set right.
function renderClockState(clock, s) {
  const behind = Boolean(s && s.clock_behind);
  clock.textContent = behind ? t("clock.behind").replace("{time}", formatTime(s.now)) : "";
  clock.hidden = !behind;
}

export async function refreshStatus() {
  const before = state.status && state.status.mode;
  const r = await api("GET", "/v1/status");
  if (r.status === 200) {
    state.status = r.body;
    state.statusFailedAt = null;
  } else if (!state.statusFailedAt) {
    state.statusFailedAt = new Date().toISOString();
  }
  renderTopbar();
  // Disaster mode declared or ended elsewhere: the menu must offer (or stop
  // offering) the disaster search now, not when staff next leave it.
  if (before && state.status.mode !== before && state.modeChanged) state.modeChanged();
}
