// A patient's record: the summary staff read (risk flags, medications,
// coverage, checkups) and its printouts (A4, 80 mm receipt).

import { go, state } from "./state.js";
import { dataAsOfText, errorText, formatTime, I, t } from "./text.js";
import { $, coverageBlock, el, identityFacts, onClick, render, showMessage } from "./dom.js";
import { api } from "./session.js";

function riskLabel(name) {
  return t("risk." + name);
}

export async function viewPerson(id) {
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
  identityFacts($("#p-facts", view), p);
  if (s.access) {
    $("#p-basis", view).textContent =
      t("summary.basis") + ": " + t("method." + s.access.basis) + " (" + s.access.check_id + ")" +
      (s.access.reason ? " — " + s.access.reason : "");
  }
  renderSummaryMeta(s);
  renderRisk($("#p-risk", view), s);
  $("#p-meds-none", view).hidden = s.medications.length > 0;
  $("#p-meds", view).hidden = s.medications.length === 0;
  const tbody = $("#p-meds tbody", view);
  s.medications.forEach((m) => tbody.appendChild(medicationRow(m)));
  renderCoverage($("#p-coverage", view), s.coverage);
  renderDiseases($("#p-diseases", view), s.coverage.specific_diseases);
  renderCheckups($("#p-checkups", view), s.checkups);
  onClick($("#p-print-a4", view), () => printAs("a4"));
  onClick($("#p-print-receipt", view), () => printAs("receipt"));
}

// One medicine (an ingredient's group): its high-risk badges, names,
// usage, last dispensing, days' supply and until when.
function medicationRow(m) {
  const first = el("td", {}, [
    ...m.risk_classes.map((c) => el("span", { cls: "badge", text: riskLabel(c), attrs: { "data-risk": c } })),
    el("strong", { text: m.ingredient }),
    el("div", { cls: "drug-names", text: m.drug_names.join(" / ") + (m.strength ? " " + m.strength : "") }),
  ]);
  // data-label: the receipt printout, and a phone, hide the column headings.
  return el("tr", { cls: (m.risk_classes.length ? "high-risk" : "") + (m.recent ? "" : " older") }, [
    first,
    el("td", {
      text: m.usage + (m.quantity ? " (" + m.quantity + (m.unit || "") + ")" : ""),
      attrs: { "data-label": t("summary.usage") },
    }),
    el("td", { cls: "date", text: m.last_date, attrs: { "data-label": t("summary.last") } }),
    el("td", { text: m.days_or_times, attrs: { "data-label": t("summary.days") } }),
    el("td", { cls: "date", text: m.supply_until || "", attrs: { "data-label": t("summary.until") } }),
  ]);
}

function renderCoverage(cov, coverage) {
  cov.appendChild(coverageBlock(coverage.current, "coverage.current"));
  const past = coverage.history.filter((c) => !c.current);
  if (!past.length) return;
  // Not on the 80 mm receipt (print.css): the next facility bills the
  // current insurance; every past one would only lengthen the slip.
  const history = el("div", { cls: "coverage-history" }, [el("h3", { i18n: "coverage.history" })]);
  past.forEach((c) => history.appendChild(coverageBlock(c)));
  cov.appendChild(history);
}

// The specific-disease certificates (特定疾病療養受療証: dialysis, HIV, hemophilia).
function renderDiseases(box, diseases) {
  if (!diseases.length) return;
  box.appendChild(el("h3", { i18n: "summary.diseases" }));
  diseases.forEach((d) => {
    const name = I.has("disease." + d.disease) ? t("disease." + d.disease) : d.disease;
    box.appendChild(el("p", { text: name + " " + (d.valid_from || "") + " – " + (d.valid_to || "") }));
  });
}

// The last checkup visit, then each item's latest value (flagged when
// abnormal, with its trend) beside its earlier values.
function renderCheckups(box, checkups) {
  if (!checkups.items.length) {
    box.appendChild(el("p", { cls: "hint", i18n: "summary.checkups.none" }));
    return;
  }
  const visits = checkups.visits || [];
  const last = visits[visits.length - 1];
  if (last) {
    box.appendChild(el("p", { text: last.date + " " + last.facility + (last.judgement ? " — " + last.judgement : "") }));
  }
  const table = el("table", { cls: "checkups" });
  checkups.items.forEach((item) => {
    const values = item.values.map((v) => v.date.slice(0, 4) + ": " + v.value).join(" → ");
    const latest = el("td", {
      cls: (item.latest.abnormal ? "abnormal " : "") + (item.trend ? "trend-" + item.trend : ""),
      text: item.latest.value + " " + item.unit,
    });
    if (item.trend) latest.setAttribute("title", t("summary.trend." + item.trend));
    table.appendChild(
      el("tr", {}, [
        el("td", { text: item.name }),
        latest,
        el("td", { cls: "small-text", text: item.reference + "  " + values }),
      ]),
    );
  });
  box.appendChild(table);
}

// The printout's header: how the patient was identified (the next facility
// must know whether a card and PIN or only a name and birth date stand
// behind the record), the data's age as the record was read, and where, by
// whom and when it was printed. Written again at each print: a record left
// open for an hour must not print the time it was opened as the time it was
// printed.
function renderSummaryMeta(s) {
  const meta = $("#p-meta");
  if (!meta || !s) return;
  const access = s.access || {};
  const method = access.basis ? t("method." + access.basis) : "";
  const assurance = "assurance." + access.assurance;
  const how = I.has(assurance) ? t(assurance) + " (" + method + ")" : method;
  $("#p-identified").textContent = how ? t("print.identified") + ": " + how : "";
  const facility = state.status && state.status.facility;
  meta.textContent =
    dataAsOfText(s.data) +
    (s.data.stale ? " / " + t("data.stale") + " " + formatTime(s.data.stale_since) : "") +
    " · " + t("print.published") + " " + formatTime(s.data.as_of) +
    " · " + t("print.printed") + " " + formatTime(new Date().toISOString()) +
    (facility ? " · " + t("print.facility") + " " + facility : "") +
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
