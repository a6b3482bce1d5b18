// What the node's answers say, in the UI's language: times and ages, card
// outcomes, why a check answered as it did, the data's age, refusals.
// Text only: nothing here touches the page.

export const I = window.AkariI18n;
export const t = I.t;

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
export function formatTime(iso) {
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
export function cardMessage(card) {
  if (!card) return "";
  const key = "card.code." + card.code;
  if (!card.code || !I.has(key)) return card.message || "";
  const tries = card.pin && card.pin.tries_left;
  return t(key).replace("{tries}", tries === null || tries === undefined ? "?" : String(tries));
}
export function formatDate(date) {
  return date || "";
}
// A verified card's result for staff. The node's card.message says how the
// identity was confirmed, its caveats (revocation data that is stale or
// missing; a card read without its PIN) and the reason for the answer; in
// Japanese the UI says each of them in its own words, the reason by its
// code, and shows the node's message when it has no words for that code.
export function cardResultText(a) {
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
export function detailText(a) {
  const answer = a.answer || {};
  const code = answer.detail_code;
  if (!code || !I.has("detail." + code)) return answer.detail || "";
  const coverage = (code === "presented_coverage_ended" ? a.presented_coverage : answer.coverage) || {};
  const loss = "loss." + coverage.loss_reason;
  return t("detail." + code)
    .replace("{date}", coverage.valid_to || "?")
    .replace("{reason}", I.has(loss) ? t(loss) : "");
}

// How old the records are (GET /v1/status and each record's "data"): the
// date they describe, from the hub's import, with its age in days; a hub
// that publishes the same records again does not make them newer. A node
// synced before the node kept that date shows when its data was signed.
export function dataAsOfText(d) {
  if (d.records_as_of) {
    if (d.records_age_days === 0) return I.format("data.records_today", { date: d.records_as_of });
    return I.format("data.records", { date: d.records_as_of, days: d.records_age_days });
  }
  return t("data.asof") + " " + formatTime(d.as_of) + " (" + formatAge(d.age_seconds) + t("data.age") + ")";
}

// An operator's role (login answer, operator.role) in the UI's language.
export function roleName(role) {
  return I.has("role." + role) ? t("role." + role) : role;
}

// A large update the node holds until staff are idle (GET /v1/status, hub.held_update).
export function heldVars(held) {
  return {
    persons: held.persons.toLocaleString(),
    minutes: held.idle_minutes_needed,
    time: formatTime(held.apply_by),
  };
}
export function heldText(held) {
  return I.format("hub.held", heldVars(held));
}

// ---------- refusals ----------
// The node's refusal (its JSON error body): in Japanese the UI's own words
// for its code with the facts beside it, else the node's English message.
export function errorText(body, status) {
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
