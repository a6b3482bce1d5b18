// Inputs built for a tablet and for what staff copy from a card or a
// 資格確認書: the PIN pad, a birth date in Japanese eras, and the 保険者番号
// check digit.

import { state } from "./state.js";
import { I } from "./text.js";
import { $, clear, el, onClick } from "./dom.js";

// ---------- PIN pad ----------
export function makePinPad(pad, dots, maxLength, onEnter) {
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
export function makeBirthInput(container) {
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
export function insurerNumberValid(text) {
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
