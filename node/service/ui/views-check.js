// The views that identify a patient and record a check: login, the menu,
// the card, a 資格確認書's numbers, the disaster search, a self-report, and
// the check's result.

import { go, state, TOKEN_KEY } from "./state.js";
import { cardMessage, cardResultText, detailText, errorText, formatDate, t } from "./text.js";
import {
  $,
  clear,
  coverageBlock,
  el,
  fact,
  onClick,
  personFacts,
  render,
  setI18n,
  showMessage,
  submitGroup,
  submitOnce,
} from "./dom.js";
import { api, renderTopbar, sessionStarted } from "./session.js";
import { insurerNumberValid, makeBirthInput, makePinPad } from "./inputs.js";

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

export function viewLogin() {
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

export function viewHome() {
  const view = render("tpl-home");
  const p = state.permissions;
  const disaster = state.status && state.status.mode === "disaster";
  state.modeChanged = viewHome;
  $("#go-card", view).hidden = !p.eligibility;
  $("#go-manual", view).hidden = !p.eligibility;
  $("#go-search", view).hidden = !(p.disaster_search && disaster);
  // The reconciliation report is for the roles that check eligibility (an
  // admin would only be refused).
  $("#go-report", view).hidden = !p.eligibility;
  $("#go-admin", view).hidden = !p.admin;
  onClick($("#go-card", view), () => go("card"));
  onClick($("#go-manual", view), () => go("manual"));
  onClick($("#go-search", view), () => go("search"));
  onClick($("#go-checks", view), () => go("checks"));
  onClick($("#go-report", view), () => go("report"));
  onClick($("#go-admin", view), () => go("admin"));
}

// The node's card readers, added to `select` when the node answers. The
// buttons work before that, on the default reader: a tap on a slow tablet
// or a busy node must not fall on a button that has no handler yet.
function listReaders(select) {
  select.appendChild(el("option", { i18n: "card.reader.default", attrs: { value: "" } }));
  api("GET", "/v1/cards/readers").then((readers) => {
    if (readers.status === 200) {
      readers.body.readers.forEach((r) =>
        select.appendChild(el("option", { text: r.name, attrs: { value: r.name } })),
      );
    } else if (readers.status !== 401 && select.isConnected) {
      showMessage(() => errorText(readers.body, readers.status));
    }
  });
}

// A card's PIN state (tries left, blocked) on the card page. The face check
// and the confirmation to spend the last try are asked afresh every time
// the card's state is shown: a tick given for one patient or one moment
// must not carry over to the next card.
function showCardPin(view, pin) {
  $("#card-face-checked", view).checked = false;
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
}

export function viewCard() {
  const view = render("tpl-card");
  const select = $("#card-reader", view);
  listReaders(select);
  const face = $("#card-face-checked", view);
  const showPin = (pin) => showCardPin(view, pin);
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

export function viewManual() {
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

export function viewSearch() {
  const view = render("tpl-search");
  const birth = makeBirthInput($("#s-birth", view));
  // The notice that the node refuses a search outside disaster mode follows
  // the mode; the form, and what was typed into it, stay.
  const showMode = () => ($("#s-off", view).hidden = state.status && state.status.mode === "disaster");
  showMode();
  state.modeChanged = showMode;
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
export function viewSelfReport() {
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

export function viewResult() {
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
