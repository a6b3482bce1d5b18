// Akari staff UI: a small single-page app over the node's /v1 API. No
// framework, no network beyond this node, no inline code (the page runs
// under a strict Content-Security-Policy). Text comes from i18n.js.
"use strict";

(function () {
  const I = window.AkariI18n;
  const t = I.t;
  const TOKEN_KEY = "akari.token";
  const state = {
    token: null,
    operator: null,
    permissions: {},
    status: null,
    answer: null,
    summary: null,
    // A record the result page has fetched, for the record view to show
    // without asking for it (and auditing its opening) again.
    opened: null,
    cleanup: [],
    // The message on screen, when it can be worded again (showMessage).
    message: null,
    // The view on screen (its template) and how it re-translates itself
    // when the language is switched (null: its data-i18n texts only).
    view: null,
    relabel: null,
  };

  // ---------- small DOM helpers ----------
  function $(selector, root) {
    return (root || document).querySelector(selector);
  }
  function el(tag, options, children) {
    const node = document.createElement(tag);
    const o = options || {};
    if (o.cls) node.className = o.cls;
    if (o.text !== undefined && o.text !== null) node.textContent = String(o.text);
    if (o.i18n) setI18n(node, o.i18n, o.vars);
    if (o.attrs) Object.keys(o.attrs).forEach((k) => node.setAttribute(k, o.attrs[k]));
    (children || []).forEach((c) => c && node.appendChild(c));
    return node;
  }
  // Gives `node` the text of `key` (its {name}s from `vars`), marked so that a
  // switch of language re-translates it in place.
  function setI18n(node, key, vars) {
    node.setAttribute("data-i18n", key);
    if (vars) node.setAttribute("data-i18n-vars", JSON.stringify(vars));
    else node.removeAttribute("data-i18n-vars");
    node.textContent = I.format(key, vars);
  }
  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }
  // A label and its value; the value is text, or an element (translated text).
  function fact(dl, labelKey, value) {
    if (value === undefined || value === null || value === "") return;
    dl.appendChild(el("dt", { i18n: labelKey }));
    dl.appendChild(typeof value === "string" ? el("dd", { text: value }) : el("dd", {}, [value]));
  }
  function onClick(node, fn) {
    node.addEventListener("click", fn);
  }

  // ---------- one request at a time ----------
  // A second tap while a request is in flight must not send it again: a
  // wrong PIN would count twice toward the lockout, and a check would be
  // recorded, signed and sent to the hub twice. submitGroup() returns a
  // wrapper for a form's submissions (its buttons, its Enter key) that runs
  // them one at a time: the tapped button is disabled and says "処理中…"
  // until the request settles, whatever the outcome, and anything submitted
  // meanwhile is ignored. `enabled` says whether the button may be tapped
  // again afterwards (default: yes).
  function submitGroup() {
    let running = false;
    return function (button, task, enabled) {
      return async function () {
        if (running) return;
        running = true;
        const key = button.getAttribute("data-i18n");
        button.disabled = true;
        button.setAttribute("aria-busy", "true");
        if (key) setI18n(button, "common.working");
        try {
          await task.apply(this, arguments);
        } finally {
          running = false;
          if (key) setI18n(button, key);
          button.removeAttribute("aria-busy");
          button.disabled = enabled ? !enabled() : false;
        }
      };
    };
  }
  function submitOnce(button, task) {
    return submitGroup()(button, task);
  }

  // ---------- messages ----------
  // `text` is the message, or a function that words it in the UI's current
  // language: such a message is worded again when the language is switched
  // (relabelMessage), so that a refusal on screen is not left in the other.
  function showMessage(text, kind) {
    const words = typeof text === "function" ? text : null;
    state.message = words ? { words: words, kind: kind } : null;
    drawMessage(words ? words() : text, kind);
    // The message sits under the top bar; an action near the bottom of a
    // long page (a tablet held upright) would otherwise answer out of sight.
    if (words || text) window.scrollTo({ top: 0 });
  }
  function drawMessage(text, kind) {
    const box = $("#message");
    box.textContent = text;
    box.className = "message" + (kind === "info" ? " info" : "");
    box.hidden = !text;
  }
  function relabelMessage() {
    if (state.message) drawMessage(state.message.words(), state.message.kind);
  }
  function errorText(body, status) {
    const err = body && body.error;
    if (!err) return t("error.generic") + " (" + status + ")";
    if (I.lang() === "ja" && I.has("err." + err.code)) return t("err." + err.code) + errorFacts(err);
    return err.message;
  }
  // What the node's English message says beside the refusal (tries left
  // before a lockout, until when, how long to wait), for the UI's own words.
  function errorFacts(err) {
    let text = "";
    if (typeof err.tries_before_lockout === "number") {
      text += t("err.fact.tries_before_lockout").replace("{n}", String(err.tries_before_lockout));
    }
    if (err.locked_until) text += t("err.fact.locked_until").replace("{time}", formatTime(err.locked_until));
    if (typeof err.retry_after_seconds === "number") {
      text += t("err.fact.retry_after").replace("{n}", String(err.retry_after_seconds));
    }
    return text;
  }

  // ---------- API ----------
  async function api(method, path, body) {
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

  function forgetSession() {
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

  function sessionStarted(body, sent) {
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
  function sessionCheck() {
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
  async function sessionContinue() {
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

  // ---------- dates and ages ----------
  const jst = new Intl.DateTimeFormat("ja-JP", {
    timeZone: "Asia/Tokyo",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hour12: false,
  });
  function formatTime(iso) {
    if (!iso) return "";
    const d = new Date(iso);
    if (isNaN(d.getTime())) return iso;
    return jst.format(d).replace(/\//g, "-");
  }
  function formatAge(seconds) {
    if (seconds === null || seconds === undefined) return "";
    const ja = I.lang() === "ja";
    const days = Math.floor(seconds / 86400);
    const hours = Math.floor((seconds % 86400) / 3600);
    const minutes = Math.floor((seconds % 3600) / 60);
    if (days > 0) return ja ? days + "日" + hours + "時間" : days + " d " + hours + " h";
    if (hours > 0) return ja ? hours + "時間" + minutes + "分" : hours + " h " + minutes + " min";
    return ja ? minutes + "分" : minutes + " min";
  }
  // A card outcome for staff: in Japanese the UI's own text for its code
  // (with the tries left), else the node's English message.
  function cardMessage(card) {
    if (!card) return "";
    const key = "card.code." + card.code;
    if (!card.code || !I.has(key)) return card.message || "";
    const tries = card.pin && card.pin.tries_left;
    return t(key).replace("{tries}", tries === null || tries === undefined ? "?" : String(tries));
  }
  function formatDate(date) {
    return date || "";
  }
  // A verified card's result for staff. The node's card.message says how the
  // identity was confirmed, its caveats (revocation data that is stale or
  // missing; a card read without its PIN) and the reason for the answer; in
  // Japanese the UI says each of them in its own words, the reason by its
  // code, and shows the node's message when it has no words for that code.
  function cardResultText(a) {
    const card = a.card;
    const answer = a.answer || {};
    const code = answer.detail_code;
    if (!card.identity_confirmed || !I.has("card.how.signature")) return cardMessage(card) || answer.detail || "";
    if (code && !I.has("detail." + code)) return card.message || answer.detail || "";
    const parts = [t(card.assurance === "certificate" ? "card.how.certificate" : "card.how.signature")];
    const revocation = card.revocation || {};
    if (revocation.status === "stale") {
      parts.push(
        I.format("card.revocation.stale", {
          since: formatTime(revocation.stale_since),
          list: formatTime(revocation.this_update),
        }),
      );
    } else if (revocation.status === "unavailable") {
      parts.push(t("card.revocation.unavailable"));
    }
    parts.push(answer.status === "covered" ? t("card.outcome.covered") : detailText(a));
    return parts.join("");
  }
  // Why a check answered as it did: in Japanese the UI's own text for its
  // code (answer.detail_code), else the node's English detail.
  function detailText(a) {
    const answer = a.answer || {};
    const code = answer.detail_code;
    if (!code || !I.has("detail." + code)) return answer.detail || "";
    const coverage = (code === "presented_coverage_ended" ? a.presented_coverage : answer.coverage) || {};
    const loss = "loss." + coverage.loss_reason;
    return t("detail." + code)
      .replace("{date}", coverage.valid_to || "?")
      .replace("{reason}", I.has(loss) ? t(loss) : "");
  }
  // The birth date with the age, if the node gave one.
  function birthFact(p) {
    if (p.age === null || p.age === undefined) return p.birth_date || "";
    return el("span", { i18n: "person.birth_age", vars: { date: p.birth_date || "", n: p.age } });
  }

  // How old the records are (GET /v1/status and each record's "data"): the
  // date they describe, from the hub's import, with its age in days; a hub
  // that publishes the same records again does not make them newer. A node
  // synced before the node kept that date shows when its data was signed.
  function dataAsOfText(d) {
    if (d.records_as_of) {
      if (d.records_age_days === 0) return I.format("data.records_today", { date: d.records_as_of });
      return I.format("data.records", { date: d.records_as_of, days: d.records_age_days });
    }
    return t("data.asof") + " " + formatTime(d.as_of) + " (" + formatAge(d.age_seconds) + t("data.age") + ")";
  }

  // ---------- top bar: mode, data age (always visible), operator ----------
  function renderTopbar() {
    const s = state.status;
    const badge = $("#mode-badge");
    badge.hidden = !(s && s.mode === "disaster");
    const age = $("#data-age");
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
    // The node stopped answering: what is shown is as of the last answer.
    if (s && state.statusFailedAt) {
      age.textContent += " / " + t("data.unreachable_since").replace("{time}", formatTime(state.statusFailedAt));
      age.classList.add("stale");
    }
    // The background sync with the hub, when it keeps failing (a node the
    // hub no longer knows, a hub down after the outage); details in its title.
    const hub = $("#hub-state");
    const h = s && s.hub;
    if (h && h.failed_rounds > 0) {
      hub.textContent =
        t("hub.failing") + " " + (h.last_success ? formatTime(h.last_success) : t("hub.never")) + t("hub.end");
      hub.title = h.last_error || "";
      hub.classList.add("stale");
      hub.hidden = false;
    } else if (h && h.held_update) {
      // A large update waits for a quiet moment: applying it pauses the
      // service for a while (hub_link.h). Information, not an alarm.
      hub.textContent = heldText(h.held_update);
      hub.title = "";
      hub.classList.remove("stale");
      hub.hidden = false;
    } else {
      hub.textContent = "";
      hub.title = "";
      hub.hidden = true;
    }
    // The node's disk nearly full: once it is, no check or record opening
    // can be recorded (GET /v1/status, disk.low). An alarm for everyone.
    const disk = $("#disk-state");
    const d = s && s.disk;
    if (d && d.low && d.free_bytes !== null) {
      disk.textContent = t("disk.low").replace("{mb}", Math.floor(d.free_bytes / 1e6).toLocaleString());
      disk.hidden = false;
    } else {
      disk.textContent = "";
      disk.hidden = true;
    }
    $("#who").textContent = state.operator ? state.operator.display_name + " (" + roleName(state.operator.role) + ")" : "";
    $("#logout").hidden = !state.token;
    $("#nav-home").hidden = !state.token;
    I.apply($("#topbar"));
  }

  // An operator's role (login answer, operator.role) in the UI's language.
  function roleName(role) {
    return I.has("role." + role) ? t("role." + role) : role;
  }

  // A large update the node holds until staff are idle (GET /v1/status, hub.held_update).
  function heldVars(held) {
    return {
      persons: held.persons.toLocaleString(),
      minutes: held.idle_minutes_needed,
      time: formatTime(held.apply_by),
    };
  }
  function heldText(held) {
    return I.format("hub.held", heldVars(held));
  }

  async function refreshStatus() {
    const r = await api("GET", "/v1/status");
    if (r.status === 200) {
      state.status = r.body;
      state.statusFailedAt = null;
    } else if (!state.statusFailedAt) {
      state.statusFailedAt = new Date().toISOString();
    }
    renderTopbar();
  }

  // ---------- PIN pad ----------
  function makePinPad(pad, dots, maxLength, onEnter) {
    let digits = [];
    const show = () => {
      dots.textContent = "●".repeat(digits.length);
    };
    const press = (d) => {
      if (digits.length < maxLength) digits.push(d);
      show();
    };
    const keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "clear", "0", "back"];
    keys.forEach((k) => {
      const label = k === "clear" ? { i18n: "pad.clear" } : k === "back" ? { i18n: "pad.back" } : { text: k };
      const b = el("button", Object.assign(label, { attrs: { type: "button", "data-key": k } }));
      onClick(b, () => {
        if (k === "clear") digits = [];
        else if (k === "back") digits.pop();
        else press(k);
        show();
      });
      pad.appendChild(b);
    });
    const onKey = (e) => {
      if (e.target && e.target.tagName === "INPUT" && e.target.type !== "checkbox") return;
      if (/^[0-9]$/.test(e.key)) press(e.key);
      else if (e.key === "Backspace") digits.pop();
      else if (e.key === "Enter" && onEnter) onEnter();
      else return;
      e.preventDefault();
      show();
    };
    document.addEventListener("keydown", onKey);
    state.cleanup.push(() => document.removeEventListener("keydown", onKey));
    show();
    return {
      value: () => digits.join(""),
      clear: () => {
        digits = [];
        show();
      },
    };
  }

  // ---------- birth date (Japanese eras accepted) ----------
  const ERAS = [
    ["western", 0],
    ["showa", 1925],
    ["heisei", 1988],
    ["reiwa", 2018],
    ["taisho", 1911],
  ];
  function makeBirthInput(container) {
    const era = el("select", { attrs: { "data-i18n-label": "birth.era", "data-part": "era" } });
    ERAS.forEach(([name]) => era.appendChild(el("option", { i18n: "era." + name, attrs: { value: name } })));
    const year = el("input", {
      attrs: { inputmode: "numeric", maxlength: "4", "data-i18n-placeholder": "birth.year", "data-part": "year" },
    });
    const month = el("select", { attrs: { "data-i18n-label": "birth.month", "data-part": "month" } });
    const day = el("select", { attrs: { "data-i18n-label": "birth.day", "data-part": "day" } });
    month.appendChild(el("option", { i18n: "birth.month", attrs: { value: "" } }));
    day.appendChild(el("option", { i18n: "birth.day", attrs: { value: "" } }));
    for (let m = 1; m <= 12; m++) month.appendChild(el("option", { text: m, attrs: { value: m } }));
    for (let d = 1; d <= 31; d++) day.appendChild(el("option", { text: d, attrs: { value: d } }));
    [era, year, month, day].forEach((n) => container.appendChild(n));
    I.apply(container);
    return function value() {
      const y = parseInt(year.value.replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)), 10);
      const m = parseInt(month.value, 10);
      const d = parseInt(day.value, 10);
      if (!y || !m || !d) return "";
      const offset = ERAS.find(([name]) => name === era.value)[1];
      const full = offset ? offset + y : y;
      return String(full).padStart(4, "0") + "-" + String(m).padStart(2, "0") + "-" + String(d).padStart(2, "0");
    };
  }

  // 保険者番号 check digit (MHLW 保険者番号設定要領): weights 2,1,2,… from
  // the last body digit, digits of the products summed.
  function insurerNumberValid(text) {
    const n = text.replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/[\s-]/g, "");
    if (!/^([0-9]{6}|[0-9]{8})$/.test(n)) return false;
    const body = n.slice(0, -1);
    let sum = 0;
    for (let i = 0; i < body.length; i++) {
      const weight = (body.length - 1 - i) % 2 === 0 ? 2 : 1;
      const p = Number(body[i]) * weight;
      sum += Math.floor(p / 10) + (p % 10);
    }
    return (10 - (sum % 10)) % 10 === Number(n[n.length - 1]);
  }

  // ---------- rendering ----------
  // A check's answer (insurance numbers, self-report, a disaster search's
  // selection): the result page, or the node's refusal where it was asked.
  // A 401 has already sent staff to the login.
  function showAnswer(r, okStatus) {
    if (r.status !== okStatus) {
      if (r.status !== 401) showMessage(() => errorText(r.body, r.status));
      return;
    }
    showMessage("");
    state.answer = r.body;
    go("result");
  }

  function render(templateId) {
    state.cleanup.forEach((fn) => fn());
    state.cleanup = [];
    state.relabel = null;
    // A new view starts at its top: the next page must not open in the
    // middle, where the last one was scrolled to.
    if (state.view !== templateId) window.scrollTo(0, 0);
    state.view = templateId;
    const view = $("#view");
    clear(view);
    const content = document.getElementById(templateId).content.cloneNode(true);
    view.appendChild(content);
    I.apply(view);
    return view;
  }

  // One coverage; titleVars fill the title's {name}s.
  function coverageBlock(c, titleKey, titleVars) {
    const box = el("div", { cls: "coverage" });
    if (titleKey) box.appendChild(el("h3", { i18n: titleKey, vars: titleVars }));
    if (!c) {
      box.appendChild(el("p", { cls: "hint", i18n: "coverage.none" }));
      return box;
    }
    const dl = el("dl", { cls: "facts" });
    fact(dl, "coverage.insurer", c.insurer_name + " (" + c.insurer_number + ")");
    fact(dl, "coverage.numbers", [c.symbol, c.number, c.branch].filter((x) => x).join(" / "));
    fact(dl, "coverage.period", formatDate(c.valid_from) + " – " + (c.valid_to ? formatDate(c.valid_to) : ""));
    fact(dl, "coverage.copay", c.copay_percent + "%");
    box.appendChild(dl);
    return box;
  }

  function personFacts(dl, p) {
    fact(dl, "person.name", p.name);
    fact(dl, "person.kana", p.name_kana);
    fact(dl, "person.birth", birthFact(p));
    fact(dl, "person.sex", el("span", { i18n: "sex." + p.sex }));
    const a = p.address || {};
    fact(dl, "person.address", [a.postal_code, a.prefecture + a.municipality + a.rest].filter((x) => x).join(" "));
  }

  // ---------- views ----------
  function viewLogin() {
    const view = render("tpl-login");
    let pad;
    const button = $("#login-submit", view);
    const submit = submitOnce(button, async () => {
      const id = $("#login-id", view).value.trim();
      const sent = Date.now();
      const r = await api("POST", "/v1/login", { operator_id: id, pin: pad.value() });
      pad.clear();
      if (r.status !== 200) {
        showMessage(() => errorText(r.body, r.status));
        return;
      }
      state.token = r.body.token;
      state.operator = r.body.operator;
      state.permissions = r.body.permissions;
      try {
        window.sessionStorage.setItem(TOKEN_KEY, state.token);
      } catch (e) {
        // Not stored: a reload asks for the PIN again.
      }
      showMessage("");
      sessionStarted(r.body, sent);
      renderTopbar();
      go("home");
    });
    pad = makePinPad($("#login-pad", view), $("#login-pin-dots", view), 8, submit);
    onClick(button, submit);
    $("#login-id", view).focus();
  }

  function viewHome() {
    const view = render("tpl-home");
    const p = state.permissions;
    const disaster = state.status && state.status.mode === "disaster";
    $("#go-card", view).hidden = !p.eligibility;
    $("#go-manual", view).hidden = !p.eligibility;
    $("#go-search", view).hidden = !(p.disaster_search && disaster);
    $("#go-admin", view).hidden = !p.admin;
    onClick($("#go-card", view), () => go("card"));
    onClick($("#go-manual", view), () => go("manual"));
    onClick($("#go-search", view), () => go("search"));
    onClick($("#go-checks", view), () => go("checks"));
    onClick($("#go-report", view), () => go("report"));
    onClick($("#go-admin", view), () => go("admin"));
  }

  function viewCard() {
    const view = render("tpl-card");
    const select = $("#card-reader", view);
    select.appendChild(el("option", { i18n: "card.reader.default", attrs: { value: "" } }));
    // The readers are listed when the node answers. The buttons work before
    // that, on the default reader: a tap on a slow tablet or a busy node must
    // not fall on a button that has no handler yet.
    api("GET", "/v1/cards/readers").then((readers) => {
      if (readers.status === 200) {
        readers.body.readers.forEach((r) =>
          select.appendChild(el("option", { text: r.name, attrs: { value: r.name } })),
        );
      } else if (readers.status !== 401 && select.isConnected) {
        showMessage(() => errorText(readers.body, readers.status));
      }
    });
    const face = $("#card-face-checked", view);
    const showPin = (pin) => {
      // The face check and the confirmation to spend the last try are asked
      // afresh every time the card's state is shown: a tick given for one
      // patient or one moment must not carry over to the next card.
      face.checked = false;
      $("#card-verify-cert", view).disabled = true;
      $("#card-confirm-last", view).checked = false;
      if (!pin) return;
      const tries = $("#card-tries", view);
      if (pin.tries_left !== null && pin.tries_left !== undefined) {
        tries.hidden = false;
        setI18n(tries, "card.tries", { n: pin.tries_left });
        tries.classList.toggle("low", pin.tries_left <= 1);
      }
      $("#card-last-try", view).hidden = !(pin.tries_left === 1 && !pin.blocked);
      $("#card-blocked", view).hidden = !pin.blocked;
      $("#card-pin-area", view).hidden = !!pin.blocked;
      if (pin.blocked) $("#card-cert-only", view).open = true;
    };
    const busy = (on) => {
      $("#card-working", view).hidden = !on;
      view.querySelectorAll("button").forEach((b) => (b.disabled = on || (b.id === "card-verify-cert" && !face.checked)));
    };
    // One card operation at a time, whichever button or key asked for it.
    const submit = submitGroup();
    const probe = submit($("#card-probe", view), async () => {
      busy(true);
      const r = await api("POST", "/v1/cards/probe", { reader: select.value });
      busy(false);
      if (r.status === 200) {
        showMessage("");
        showPin(r.body.pin);
      } else if (r.status !== 401) {
        showMessage(() => errorText(r.body, r.status));
      }
    });
    const verify = async (withPin) => {
      const body = { reader: select.value };
      if (withPin) {
        body.pin = pad.value();
        body.confirm_last_try = !$("#card-last-try", view).hidden && $("#card-confirm-last", view).checked;
      } else {
        body.face_checked = face.checked;
      }
      busy(true);
      const r = await api("POST", "/v1/cards/verify", body);
      busy(false);
      pad.clear();
      if (r.status !== 200) {
        if (r.status !== 401) showMessage(() => errorText(r.body, r.status));
        return;
      }
      const card = r.body.card;
      showPin(card.pin);
      if (card.status === "incomplete") {
        showMessage(() => cardMessage(card));
        return;
      }
      showMessage("");
      state.answer = r.body;
      go("result");
    };
    const verifyPin = submit($("#card-verify", view), () => verify(true));
    const verifyCert = submit($("#card-verify-cert", view), () => verify(false), () => face.checked);
    const pad = makePinPad($("#card-pad", view), $("#card-pin-dots", view), 4, verifyPin);
    onClick($("#card-probe", view), probe);
    onClick($("#card-verify", view), verifyPin);
    onClick($("#card-verify-cert", view), verifyCert);
    face.addEventListener("change", () => {
      $("#card-verify-cert", view).disabled = !face.checked || !$("#card-working", view).hidden;
    });
  }

  function viewManual() {
    const view = render("tpl-manual");
    const birth = makeBirthInput($("#m-birth", view));
    const insurer = $("#m-insurer", view);
    insurer.addEventListener("input", () => {
      const v = insurer.value.trim();
      $("#m-insurer-bad", view).hidden = v.length < 6 || insurerNumberValid(v);
    });
    const button = $("#m-submit", view);
    onClick(
      button,
      submitOnce(button, async () => {
        const body = {
          insurer_number: insurer.value.trim(),
          symbol: $("#m-symbol", view).value.trim(),
          number: $("#m-number", view).value.trim(),
          birth_date: birth(),
        };
        const branch = $("#m-branch", view).value.trim();
        if (branch) body.branch = branch;
        showAnswer(await api("POST", "/v1/checks/insurance", body), 200);
      }),
    );
  }

  function viewSearch() {
    const view = render("tpl-search");
    const birth = makeBirthInput($("#s-birth", view));
    $("#s-off", view).hidden = state.status && state.status.mode === "disaster";
    onClick($("#s-self-go", view), () => go("self"));
    // One selection at a time, whichever candidate was tapped: each records a check.
    const select = submitGroup();
    const button = $("#s-submit", view);
    onClick(
      button,
      submitOnce(button, async () => {
        const body = {
          kana_name: $("#s-kana", view).value.trim(),
          birth_date: birth(),
          reason: $("#s-reason", view).value.trim(),
        };
        const sex = view.querySelector('input[name="s-sex"]:checked').value;
        if (sex) body.sex = sex;
        const address = $("#s-address", view).value.trim();
        if (address) body.address = address;
        const r = await api("POST", "/v1/disaster/search", body);
        const list = $("#s-results", view);
        clear(list);
        if (r.status !== 200) {
          if (r.status !== 401) showMessage(() => errorText(r.body, r.status));
          return;
        }
        showMessage(r.body.results.length ? "" : () => t("search.none"), "info");
        $("#s-truncated", view).hidden = !r.body.truncated;
        $("#s-self", view).hidden = false;
        r.body.results.forEach((p) => {
          const dl = el("dl", { cls: "facts" });
          personFacts(dl, p);
          const pick = el("button", { cls: "primary", i18n: "search.select", attrs: { type: "button", "data-person": p.id } });
          onClick(
            pick,
            select(pick, async () => {
              const chosen = { search_id: r.body.search_id, person_id: p.id };
              showAnswer(await api("POST", "/v1/disaster/select", chosen), 200);
            }),
          );
          list.appendChild(el("li", {}, [dl, pick]));
        });
      }),
    );
  }

  // A patient this node holds no record of: record what they state.
  function viewSelfReport() {
    const view = render("tpl-self");
    const birth = makeBirthInput($("#sr-birth", view));
    const button = $("#sr-submit", view);
    onClick(
      button,
      submitOnce(button, async () => {
        const sex = view.querySelector('input[name="sr-sex"]:checked');
        const body = {
          name_kana: $("#sr-kana", view).value.trim(),
          birth_date: birth(),
          sex: sex ? sex.value : "",
        };
        [["name", "#sr-name"], ["address", "#sr-address"], ["insurer", "#sr-insurer"], ["contact", "#sr-contact"]].forEach(
          ([key, selector]) => {
            const value = $(selector, view).value.trim();
            if (value) body[key] = value;
          },
        );
        showAnswer(await api("POST", "/v1/checks/self-reported", body), 201);
      }),
    );
  }

  function viewResult() {
    const a = state.answer;
    if (!a) return go("home");
    const view = render("tpl-result");
    // Drawn from the answer kept: a switch of language records nothing again.
    state.relabel = viewResult;
    const answer = a.answer || {};
    const status = answer.status || (a.card && a.card.status) || "incomplete";
    const banner = $("#r-status", view);
    banner.textContent = t("result." + status);
    banner.classList.add(status);
    $("#r-detail", view).textContent = a.card ? cardResultText(a) : detailText(a);
    if (a.person) personFacts($("#r-person", view), a.person);
    const c = answer.coverage;
    if (c) {
      // Not covered: the coverage is the last one, which has ended.
      const block =
        status === "covered"
          ? coverageBlock(c, "coverage.current")
          : c.valid_to
            ? coverageBlock(c, "coverage.last", { date: formatDate(c.valid_to) })
            : coverageBlock(c, "coverage.last_undated");
      $("#r-coverage", view).appendChild(block);
    }
    const check = a.check;
    if (check) {
      const dl = $("#r-check", view);
      fact(dl, "result.check_id", check.id);
      fact(dl, "result.method", t("method." + check.method));
      fact(dl, "result.assurance", t("assurance." + check.assurance));
    }
    const open = $("#r-open", view);
    open.hidden = !a.can_open_record;
    // The record is fetched here, so that a refusal (the node busy, its disk
    // full, no network) is shown on this page, with the button to try again.
    onClick(
      open,
      submitOnce(open, async () => {
        const r = await api("GET", "/v1/persons/" + encodeURIComponent(a.person.id));
        if (r.status !== 200) {
          if (r.status !== 401) showMessage(() => errorText(r.body, r.status));
          return;
        }
        showMessage("");
        state.opened = r.body;
        go("person/" + a.person.id);
      }),
    );
  }

  function riskLabel(name) {
    return t("risk." + name);
  }

  async function viewPerson(id) {
    // Fetched already by the result page, or else (a reload, a link) now.
    let s = state.opened && String(state.opened.person.id) === id ? state.opened : null;
    state.opened = null;
    if (!s) {
      const r = await api("GET", "/v1/persons/" + encodeURIComponent(id));
      if (r.status !== 200) {
        if (r.status !== 401) {
          go("home");
          showMessage(() => errorText(r.body, r.status));
        }
        return;
      }
      s = r.body;
    }
    state.summary = s;
    renderSummary(s);
  }

  // The risk card: the high-risk classes of the last 120 days (risk_flags),
  // then, quieter, classes only dispensed before that (the medication table
  // badges those rows too, so the card must not say there are none).
  function renderRisk(risk, s) {
    if (!s.risk_flags.length) {
      risk.appendChild(el("li", { cls: "none", i18n: "summary.risk.none" }));
    }
    s.risk_flags.forEach((f) => {
      risk.appendChild(
        el("li", { attrs: { "data-risk": f["class"] } }, [
          el("span", { cls: "badge", text: riskLabel(f["class"]) }),
          el("span", { text: f.medicines.join("、") }),
        ]),
      );
    });
    const flagged = new Set(s.risk_flags.map((f) => f["class"]));
    const older = new Map();
    s.medications.forEach((m) => {
      if (m.recent) return;
      m.risk_classes.forEach((c) => {
        if (flagged.has(c)) return;
        const o = older.get(c) || { medicines: [], date: "" };
        if (!o.medicines.includes(m.ingredient)) o.medicines.push(m.ingredient);
        if (m.last_date > o.date) o.date = m.last_date;
        older.set(c, o);
      });
    });
    if (!older.size) return;
    const items = el("ul", { cls: "risk-older-list" });
    older.forEach((o, c) => {
      const vars = { class: riskLabel(c), medicines: o.medicines.join("、"), date: o.date };
      items.appendChild(el("li", { attrs: { "data-risk": c }, text: I.format("summary.risk.older_item", vars) }));
    });
    const box = el("div", { cls: "risk-older", attrs: { id: "p-risk-older" } });
    box.appendChild(el("p", { i18n: "summary.risk.older" }));
    box.appendChild(items);
    risk.after(box);
  }

  function renderSummary(s) {
    const view = render("tpl-summary");
    // Drawn from the record kept: a switch of language neither fetches it
    // again nor audits another opening.
    state.relabel = () => renderSummary(s);
    const p = s.person;
    $("#p-name", view).textContent = p.name;
    $("#p-kana", view).textContent = p.name_kana;
    const facts = $("#p-facts", view);
    fact(facts, "person.birth", birthFact(p));
    fact(facts, "person.sex", t("sex." + p.sex));
    const a = p.address || {};
    fact(facts, "person.address", [a.postal_code, a.prefecture + a.municipality + a.rest].filter((x) => x).join(" "));
    if (s.access) {
      $("#p-basis", view).textContent =
        t("summary.basis") + ": " + t("method." + s.access.basis) + " (" + s.access.check_id + ")" +
        (s.access.reason ? " — " + s.access.reason : "");
    }
    renderSummaryMeta(s);

    renderRisk($("#p-risk", view), s);

    const tbody = $("#p-meds tbody", view);
    $("#p-meds-none", view).hidden = s.medications.length > 0;
    $("#p-meds", view).hidden = s.medications.length === 0;
    s.medications.forEach((m) => {
      const first = el("td", {}, [
        ...m.risk_classes.map((c) => el("span", { cls: "badge", text: riskLabel(c), attrs: { "data-risk": c } })),
        el("strong", { text: m.ingredient }),
        el("div", { cls: "drug-names", text: m.drug_names.join(" / ") + (m.strength ? " " + m.strength : "") }),
      ]);
      // data-label: the receipt printout hides the column headings.
      const row = el("tr", { cls: (m.risk_classes.length ? "high-risk" : "") + (m.recent ? "" : " older") }, [
        first,
        el("td", {
          text: m.usage + (m.quantity ? " (" + m.quantity + (m.unit || "") + ")" : ""),
          attrs: { "data-label": t("summary.usage") },
        }),
        el("td", { cls: "date", text: m.last_date, attrs: { "data-label": t("summary.last") } }),
        el("td", { text: m.days_or_times, attrs: { "data-label": t("summary.days") } }),
        el("td", { cls: "date", text: m.supply_until || "", attrs: { "data-label": t("summary.until") } }),
      ]);
      tbody.appendChild(row);
    });

    const cov = $("#p-coverage", view);
    cov.appendChild(coverageBlock(s.coverage.current, "coverage.current"));
    const past = s.coverage.history.filter((c) => !c.current);
    if (past.length) {
      cov.appendChild(el("h3", { i18n: "coverage.history" }));
      past.forEach((c) => cov.appendChild(coverageBlock(c)));
    }
    const diseases = $("#p-diseases", view);
    if (s.coverage.specific_diseases.length) {
      diseases.appendChild(el("h3", { i18n: "summary.diseases" }));
      s.coverage.specific_diseases.forEach((d) =>
        diseases.appendChild(
          el("p", {
            text:
              (I.has("disease." + d.disease) ? t("disease." + d.disease) : d.disease) + " " +
              (d.valid_from || "") + " – " + (d.valid_to || ""),
          }),
        ),
      );
    }

    const checkups = $("#p-checkups", view);
    if (!s.checkups.items.length) {
      checkups.appendChild(el("p", { cls: "hint", i18n: "summary.checkups.none" }));
    } else {
      const visits = s.checkups.visits || [];
      const last = visits[visits.length - 1];
      if (last) {
        checkups.appendChild(
          el("p", { text: last.date + " " + last.facility + (last.judgement ? " — " + last.judgement : "") }),
        );
      }
      const table = el("table", { cls: "checkups" });
      s.checkups.items.forEach((item) => {
        const values = item.values.map((v) => v.date.slice(0, 4) + ": " + v.value).join(" → ");
        const latest = el("td", {
          cls: (item.latest.abnormal ? "abnormal " : "") + (item.trend ? "trend-" + item.trend : ""),
          text: item.latest.value + " " + item.unit,
        });
        if (item.trend) latest.setAttribute("title", t("summary.trend." + item.trend));
        table.appendChild(
          el("tr", {}, [el("td", { text: item.name }), latest, el("td", { cls: "small-text", text: item.reference + "  " + values })]),
        );
      });
      checkups.appendChild(table);
    }

    onClick($("#p-print-a4", view), () => printAs("a4"));
    onClick($("#p-print-receipt", view), () => printAs("receipt"));
  }

  // The printout's header: the data's age as the record was read, and who
  // printed it when. Written again at each print: a record left open for an
  // hour must not print the time it was opened as the time it was printed.
  function renderSummaryMeta(s) {
    const meta = $("#p-meta");
    if (!meta || !s) return;
    meta.textContent =
      dataAsOfText(s.data) +
      (s.data.stale ? " / " + t("data.stale") + " " + formatTime(s.data.stale_since) : "") +
      " · " + t("print.published") + " " + formatTime(s.data.as_of) +
      " · " + t("print.printed") + " " + formatTime(new Date().toISOString()) +
      " · " + t("print.node") + " " + (state.status ? state.status.node_id : "") +
      " · " + t("print.operator") + " " + (state.operator ? state.operator.id : "");
  }

  function printAs(format) {
    renderSummaryMeta(state.summary);
    const receipt = format === "receipt";
    document.body.classList.toggle("print-receipt", receipt);
    document.body.classList.toggle("print-a4", !receipt);
    $("#page-a4").disabled = receipt;
    $("#page-receipt").disabled = !receipt;
    window.print();
  }

  async function viewChecks() {
    const view = render("tpl-checks");
    const rows = $("#c-rows", view);
    // The newest as the node has them now: the status held is up to 30 s old.
    const r = await api("GET", "/v1/checks?last=100");
    if (r.status !== 200) {
      if (r.status !== 401) showMessage(() => errorText(r.body, r.status));
      return;
    }
    if (!rows.isConnected) return; // the view was left meanwhile
    $("#c-none", view).hidden = r.body.checks.length > 0;
    // Drawn from the list kept: a switch of language fetches nothing again.
    const fill = () => {
      clear(rows);
      r.body.checks.slice().reverse().forEach((c) => fillCheck(rows, c));
    };
    fill();
    state.relabel = fill;
  }

  function fillCheck(rows, c) {
    rows.appendChild(
      el("tr", {}, [
        el("td", { text: formatTime(c.created_at) }),
        el("td", { text: t("method." + c.method) }),
        el("td", { text: t("result." + c.status) }),
        el("td", { text: c.person_id === null ? "" : c.person_id }),
        el("td", { text: c.acknowledged ? t("checks.sent") : t("checks.pending") }),
      ]),
    );
  }

  function coverageLine(c) {
    if (!c) return "";
    const parts = [c.insurer_number, c.insurer_name || "", (c.symbol || "-") + "・" + (c.number || "")];
    if (c.branch) parts.push(t("manual.branch") + " " + c.branch);
    if (typeof c.copay_percent === "number") {
      parts.push(I.format("report.copay", { tenths: c.copay_percent / 10, percent: c.copay_percent }));
    }
    return parts.filter((x) => x).join("  ");
  }

  // The hub's reason when it names no coverage: in Japanese the UI's own
  // text for its outcome, else the hub's English detail.
  function hubDetail(hub) {
    const key = "report.outcome." + hub.outcome;
    return I.has(key) ? t(key) : hub.detail || "";
  }

  async function viewReport() {
    const view = render("tpl-report");
    const groups = $("#rp-groups", view);
    const r = await api("GET", "/v1/checks/report");
    if (r.status !== 200) {
      if (r.status !== 401) showMessage(() => errorText(r.body, r.status));
      return;
    }
    if (!groups.isConnected) return; // the view was left meanwhile
    // Drawn from the report kept: a switch of language fetches nothing again.
    const fill = () => fillReport(view, groups, r.body);
    fill();
    state.relabel = fill;
  }

  function fillReport(view, groups, b) {
    setI18n($("#rp-counts", view), "report.counts", {
      total: b.total,
      pending: b.pending,
      confirmed: b.confirmed,
      changed: b.changed,
    });
    $("#rp-none", view).hidden = b.entries.length > 0;
    clear(groups);
    let current = null;
    let tbody = null;
    b.entries.forEach((e) => {
      if (e.action !== current) {
        current = e.action;
        groups.appendChild(el("h2", { cls: "report-group " + e.action, text: t("report.action." + e.action) }));
        const table = el("table", { cls: "checks" }, [
          el("thead", {}, [
            el("tr", {}, [
              el("th", { text: t("checks.time") }),
              el("th", { text: t("report.patient") }),
              el("th", { text: t("report.billed") }),
              el("th", { text: t("report.correct") }),
            ]),
          ]),
        ]);
        tbody = el("tbody");
        table.appendChild(tbody);
        groups.appendChild(table);
      }
      const hub = e.hub || {};
      const correct = hub.coverage
        ? coverageLine(hub.coverage)
        : hub.ended_coverage
          ? t("report.ended").replace("{date}", hub.ended_coverage.valid_to || "")
          : hubDetail(hub);
      tbody.appendChild(
        el("tr", {}, [
          el("td", { text: formatTime(e.visited_at) }),
          el("td", { text: [e.patient.name, e.patient.name_kana, e.patient.birth_date].filter((x) => x).join(" / ") }),
          el("td", { text: coverageLine(e.local.coverage) || t("result." + e.local.status) }),
          el("td", { text: correct }),
        ]),
      );
    });
  }

  // A refusal on the admin page is often the page being out of date (the
  // mode changed, or the held update went, from another tablet or the CLI):
  // show the node's state now, then why.
  async function refusedOnAdmin(r) {
    await refreshStatus();
    if (window.location.hash === "#/admin") viewAdmin();
    showMessage(() => errorText(r.body, r.status));
  }

  function viewAdmin() {
    const view = render("tpl-admin");
    const on = state.status && state.status.mode === "disaster";
    const banner = $("#a-state", view);
    banner.appendChild(el("span", { i18n: on ? "admin.state.on" : "admin.state.off" }));
    if (on && state.status.mode_reason) banner.appendChild(el("span", { text: " — " + state.status.mode_reason }));
    banner.classList.add(on ? "on" : "off");
    const declare = $("#a-on", view);
    const end = $("#a-off", view);
    const confirm = $("#a-off-confirm", view);
    declare.hidden = on;
    end.hidden = !on;
    const submit = submitGroup();
    const change = (button, mode) =>
      submit(button, async () => {
        const body = { mode: mode };
        const reason = $("#a-reason", view).value.trim();
        if (reason) body.reason = reason;
        const r = await api("PUT", "/v1/mode", body);
        if (r.status !== 200) {
          if (r.status !== 401) await refusedOnAdmin(r);
          return;
        }
        showMessage("");
        await refreshStatus();
        viewAdmin();
      });
    onClick(declare, change(declare, "disaster"));
    // Ending is asked again first. The end button appears where the declare
    // button was: the second tap of a double tap must not end at once what
    // the first declared.
    onClick(end, () => {
      end.hidden = true;
      confirm.hidden = false;
    });
    onClick($("#a-off-no", view), () => {
      confirm.hidden = true;
      end.hidden = false;
    });
    onClick($("#a-off-yes", view), change($("#a-off-yes", view), "normal"));
    // The hub link and the disk, spelled out: the top bar's tooltip with the
    // link's last error cannot be read on a tablet (no hover).
    const h = state.status && state.status.hub;
    const success = $("#a-link-success", view);
    if (h && h.last_success) success.textContent = formatTime(h.last_success);
    else setI18n(success, "hub.never");
    const link = $("#a-link-state", view);
    if (!h) setI18n(link, "admin.link.none");
    else if (h.failed_rounds > 0) setI18n(link, "admin.link.failing", { n: h.failed_rounds });
    else setI18n(link, "admin.link.ok");
    const error = $("#a-link-error", view);
    error.textContent = (h && h.failed_rounds > 0 && h.last_error) || "";
    error.hidden = !error.textContent;
    const disk = state.status && state.status.disk;
    $("#a-link-disk", view).textContent =
      disk && disk.free_bytes !== null ? Math.floor(disk.free_bytes / 1e6).toLocaleString() + " MB" : "—";
    // An admin may let a held update go now (a quiet moment they know of).
    const held = state.status && state.status.hub && state.status.hub.held_update;
    $("#a-held", view).hidden = !held;
    if (held) {
      setI18n($("#a-held-text", view), "hub.held", heldVars(held));
      const apply = $("#a-apply", view);
      onClick(
        apply,
        submitOnce(apply, async () => {
          const r = await api("POST", "/v1/hub/held-update/apply", {});
          if (r.status !== 202) {
            if (r.status !== 401) await refusedOnAdmin(r);
            return;
          }
          await refreshStatus();
          viewAdmin();
          showMessage(() => t("admin.apply_started"), "info");
        }),
      );
    }
  }

  // ---------- routing ----------
  function go(route) {
    const next = "#/" + route;
    if (window.location.hash === next) route_();
    else window.location.hash = next;
  }

  async function route_() {
    const hash = window.location.hash.replace(/^#\/?/, "") || "home";
    const [name, arg] = hash.split("/");
    if (!state.token && name !== "login") return go("login");
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
      const sent = Date.now();
      const who = await api("GET", "/v1/session");
      if (who.status === 200) {
        state.operator = who.body.operator;
        state.permissions = who.body.permissions;
        sessionStarted(who.body, sent);
      }
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
})();
