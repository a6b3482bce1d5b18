// Small DOM helpers, one request at a time per form, the message line, and
// the blocks several views draw (a person, a coverage).

import { state } from "./state.js";
import { formatDate, I } from "./text.js";

// ---------- small DOM helpers ----------
export function $(selector, root) {
  return (root || document).querySelector(selector);
}
export function el(tag, options, children) {
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
export function setI18n(node, key, vars) {
  node.setAttribute("data-i18n", key);
  if (vars) node.setAttribute("data-i18n-vars", JSON.stringify(vars));
  else node.removeAttribute("data-i18n-vars");
  node.textContent = I.format(key, vars);
}
export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}
// A label and its value; the value is text, or an element (translated text).
export function fact(dl, labelKey, value) {
  if (value === undefined || value === null || value === "") return;
  dl.appendChild(el("dt", { i18n: labelKey }));
  dl.appendChild(typeof value === "string" ? el("dd", { text: value }) : el("dd", {}, [value]));
}
export function onClick(node, fn) {
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
export function submitGroup() {
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
export function submitOnce(button, task) {
  return submitGroup()(button, task);
}

// ---------- messages ----------
// `text` is the message, or a function that words it in the UI's current
// language: such a message is worded again when the language is switched
// (relabelMessage), so that a refusal on screen is not left in the other.
export function showMessage(text, kind) {
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
export function relabelMessage() {
  if (state.message) drawMessage(state.message.words(), state.message.kind);
}

// ---------- views, and the blocks several of them draw ----------
// Draws the view of template `templateId` in place of the one on screen,
// whose cleanups run first; a view sets its own relabel and modeChanged.
export function render(templateId) {
  state.cleanup.forEach((fn) => fn());
  state.cleanup = [];
  state.relabel = null;
  state.modeChanged = null;
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
export function coverageBlock(c, titleKey, titleVars) {
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

// A person as a check's result and a search's candidates show them.
export function personFacts(dl, p) {
  fact(dl, "person.name", p.name);
  fact(dl, "person.kana", p.name_kana);
  identityFacts(dl, p);
}

// Birth date (with the age), sex and address: the facts beside a name.
export function identityFacts(dl, p) {
  fact(dl, "person.birth", birthFact(p));
  fact(dl, "person.sex", el("span", { i18n: "sex." + p.sex }));
  const a = p.address || {};
  fact(dl, "person.address", [a.postal_code, a.prefecture + a.municipality + a.rest].filter((x) => x).join(" "));
}

// The birth date with the age, if the node gave one.
function birthFact(p) {
  if (p.age === null || p.age === undefined) return p.birth_date || "";
  return el("span", { i18n: "person.birth_age", vars: { date: p.birth_date || "", n: p.age } });
}
