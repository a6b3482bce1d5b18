// Akari staff UI: a small single-page app over the node's /v1 API. No
// framework, no network beyond this node, no inline code (the page runs
// under a strict Content-Security-Policy). Text comes from i18n.js; the
// views are ES modules beside this one, which routes between them and
// starts the page.

import { go, state, TOKEN_KEY } from "./state.js";
import { errorText, I } from "./text.js";
import { $, onClick, relabelMessage, render, showMessage, submitOnce } from "./dom.js";
import {
  api,
  forgetSession,
  refreshStatus,
  renderTopbar,
  sessionCheck,
  sessionContinue,
  sessionStarted,
} from "./session.js";
import { viewCard, viewHome, viewLogin, viewManual, viewResult, viewSearch, viewSelfReport } from "./views-check.js";
import { viewPerson } from "./views-record.js";
import { viewAdmin, viewChecks, viewReport } from "./views-admin.js";

async function route_() {
  const hash = window.location.hash.replace(/^#\/?/, "") || "home";
  const [name, arg] = hash.split("/");
  if (!state.token && name !== "login") return go("login");
  // A session kept over a reload, whose operator the node has not yet said.
  if (state.token && !state.operator) return viewReconnect();
  switch (name) {
    case "login":
      return viewLogin();
    case "card":
      return viewCard();
    case "manual":
      return viewManual();
    case "search":
      return viewSearch();
    case "self":
      return viewSelfReport();
    case "report":
      return viewReport();
    case "result":
      return viewResult();
    case "person":
      return viewPerson(arg);
    case "checks":
      return viewChecks();
    case "admin":
      return viewAdmin();
    default:
      return viewHome();
  }
}

// A reload keeps the session (its token in sessionStorage); who is logged
// in, and so what the menu offers, is asked of the node. A 401 has sent
// staff to the login (api).
async function restoreSession() {
  const sent = Date.now();
  const who = await api("GET", "/v1/session");
  if (who.status === 200) {
    state.operator = who.body.operator;
    state.permissions = who.body.permissions;
    sessionStarted(who.body, sent);
    renderTopbar();
  }
  return who;
}

const RECONNECT_EVERY_MS = 5000;

// The page was reloaded while the node did not answer (restarting, its
// Wi-Fi coming back): with no operator known there is no menu to draw. The
// page says so, and asks again every few seconds and when tapped; once the
// node answers, the view the address names is drawn.
function viewReconnect() {
  const view = render("tpl-reconnect");
  const button = $("#rc-retry", view);
  const retry = submitOnce(button, async () => {
    const who = await restoreSession();
    if (!button.isConnected) return; // the view was left meanwhile (a 401: the login)
    if (who.status === 200) {
      showMessage("");
      route_();
    } else if (who.status !== 401) {
      showMessage(() => errorText(who.body, who.status));
    }
  });
  onClick(button, retry);
  const timer = window.setInterval(retry, RECONNECT_EVERY_MS);
  state.cleanup.push(() => window.clearInterval(timer));
}

async function start() {
  try {
    state.token = window.sessionStorage.getItem(TOKEN_KEY);
  } catch (e) {
    state.token = null;
  }
  // The page is translated where it stands: what was typed stays, and
  // nothing is fetched again (a record fetched again is audited again).
  onClick($("#lang-toggle"), () => {
    I.setLang(I.lang() === "ja" ? "en" : "ja");
    renderTopbar();
    sessionCheck();
    I.apply($("#view"));
    if (state.relabel) state.relabel();
    relabelMessage();
  });
  onClick(
    $("#logout"),
    submitOnce($("#logout"), async () => {
      await api("POST", "/v1/logout", {});
      forgetSession();
      go("login");
    }),
  );
  onClick($("#session-continue"), submitOnce($("#session-continue"), sessionContinue));
  // Timers stop while a tablet sleeps: check as soon as it wakes.
  document.addEventListener("visibilitychange", sessionCheck);
  onClick($("#nav-home"), () => {
    showMessage("");
    go("home");
  });
  window.addEventListener("hashchange", route_);
  window.addEventListener("afterprint", () => {
    document.body.classList.remove("print-receipt", "print-a4");
  });
  await refreshStatus();
  if (state.token) {
    const who = await restoreSession();
    if (who.status !== 200 && who.status !== 401) showMessage(() => errorText(who.body, who.status));
  }
  renderTopbar();
  route_();
  window.setInterval(refreshStatus, 30000);
  // The tablet's network going or coming back: the top bar says so now,
  // not at the next poll.
  window.addEventListener("offline", refreshStatus);
  window.addEventListener("online", refreshStatus);
}

document.addEventListener("DOMContentLoaded", start);
