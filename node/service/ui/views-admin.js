// The check history, the reconciliation report, and the admin page (mode,
// hub link, disk, a held update).

import { state } from "./state.js";
import { errorText, formatTime, heldVars, I, t } from "./text.js";
import { $, clear, el, onClick, render, setI18n, showMessage, submitGroup, submitOnce } from "./dom.js";
import { api, refreshStatus } from "./session.js";

export async function viewChecks() {
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

export async function viewReport() {
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

export function viewAdmin() {
  const view = render("tpl-admin");
  const status = state.status || {};
  renderModeControls(view, status);
  renderLinkFacts(view, status);
  renderHeldUpdate(view, status.hub && status.hub.held_update);
}

// The mode as it is, and the button to declare or end disaster mode.
function renderModeControls(view, status) {
  const on = status.mode === "disaster";
  const banner = $("#a-state", view);
  banner.appendChild(el("span", { i18n: on ? "admin.state.on" : "admin.state.off" }));
  if (on && status.mode_reason) banner.appendChild(el("span", { text: " — " + status.mode_reason }));
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
}

// The hub link and the disk, spelled out: the top bar's tooltip with the
// link's last error cannot be read on a tablet (no hover).
function renderLinkFacts(view, status) {
  const h = status.hub;
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
  const disk = status.disk;
  $("#a-link-disk", view).textContent =
    disk && disk.free_bytes !== null ? Math.floor(disk.free_bytes / 1e6).toLocaleString() + " MB" : "—";
}

// An admin may let a held update go now (a quiet moment they know of).
function renderHeldUpdate(view, held) {
  $("#a-held", view).hidden = !held;
  if (!held) return;
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
