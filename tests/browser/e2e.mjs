// End-to-end scenarios of the Akari staff web UI in headless Chromium
// (Debian's /usr/bin/chromium driven by playwright-core), against a real
// `akari serve` that browser_test.cc set up: a synced region, operators and
// a virtual card behind a test-started pcscd.
//
// Configuration comes from the environment (see browser_test.cc):
//   AKARI_URL            base URL of akari serve, e.g. http://127.0.0.1:40123/
//   AKARI_DOCTOR, AKARI_ADMIN, AKARI_OPERATOR_PIN
//   AKARI_PERSON         JSON {id, name_kana, birth_date, sex} of the card holder
//   AKARI_CARD_PIN       the virtual card's PIN
//   PLAYWRIGHT_DIR       a node_modules directory holding playwright-core
//   AKARI_ARTIFACTS      where screenshots and PDFs go
//   CHROMIUM             the browser (default /usr/bin/chromium)
import { createRequire } from "node:module";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const env = process.env;
const require = createRequire(join(env.PLAYWRIGHT_DIR, "noop.js"));
const { chromium } = require("playwright-core");

const base = env.AKARI_URL;
const person = JSON.parse(env.AKARI_PERSON);
const artifacts = env.AKARI_ARTIFACTS;
const pin = env.AKARI_OPERATOR_PIN;

const results = [];
const problems = [];

function check(condition, what) {
  if (!condition) throw new Error(what);
}

async function scenario(name, fn) {
  const started = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`ok - ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    results.push({ name, ok: false });
    console.log(`not ok - ${name}: ${e.message}`);
    try {
      await page.screenshot({ path: join(artifacts, name.replace(/\W+/g, "_") + "-failure.png"), fullPage: true });
    } catch (ignored) {
      // The page may be gone.
    }
  }
}

async function pressPin(padSelector, digits) {
  for (const d of digits) await page.click(`${padSelector} button[data-key="${d}"]`);
}

// The node admits 10 login attempts a minute from one address, and every
// scenario runs from 127.0.0.1: the whole run makes 9 in about 35 s. A
// scenario that needs another session reuses one (otherTablet) rather than
// logging in again.
async function login(id) {
  await page.goto(base + "#/login");
  await page.waitForSelector("#login-id");
  await page.fill("#login-id", id);
  await pressPin("#login-pad", pin);
  await page.click("#login-submit");
  // The button is busy (submitOnce) from the tap until the node answers.
  await page.waitForSelector(".menu, #login-submit:not([aria-busy])");
  if (await page.isVisible(".menu")) return;
  const refusal = await page.textContent("#message");
  throw new Error(`login as ${id} refused (the scenarios may log in too often): "${refusal}"`);
}

async function fillBirth(container, isoDate) {
  const [y, m, d] = isoDate.split("-");
  await page.selectOption(`${container} select[data-part="era"]`, "western");
  await page.fill(`${container} input[data-part="year"]`, y);
  await page.selectOption(`${container} select[data-part="month"]`, String(Number(m)));
  await page.selectOption(`${container} select[data-part="day"]`, String(Number(d)));
}

// Disaster search for the card holder (disaster mode on), then open their record.
async function searchAndOpenRecord(reason) {
  await page.click("#go-search");
  await page.fill("#s-kana", person.name_kana);
  await fillBirth("#s-birth", person.birth_date);
  await page.check(`input[name="s-sex"][value="${person.sex}"]`);
  await page.fill("#s-reason", reason);
  await page.click("#s-submit");
  await page.waitForSelector(`#s-results button[data-person="${person.id}"]`);
  await page.click(`#s-results button[data-person="${person.id}"]`);
  await page.waitForSelector("#r-open:not([hidden])");
  await page.click("#r-open");
  await page.waitForSelector("#summary");
}

// How many checks the node holds (GET /v1/checks, page by page), asked with the page's session.
async function checkCount() {
  return page.evaluate(async () => {
    const headers = { Authorization: "Bearer " + sessionStorage.getItem("akari.token") };
    let after = 0;
    let n = 0;
    for (;;) {
      const body = await (await fetch("/v1/checks?limit=500&after=" + after, { headers })).json();
      n += body.checks.length;
      if (body.next_after === null) return n;
      after = body.next_after;
    }
  });
}

async function logout() {
  await page.click("#logout");
  await page.waitForSelector("#login-id");
}

// PDF page size in points from the first /MediaBox of a PDF.
function mediaBox(pdf) {
  const m = /\/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]/.exec(pdf.toString("latin1"));
  if (!m) return null;
  return { width: Number(m[3]) - Number(m[1]), height: Number(m[4]) - Number(m[2]) };
}

const profile = mkdtempSync(join(tmpdir(), "akari-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  viewport: { width: 1280, height: 800 }, // a 10-inch tablet in landscape
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
const page = context.pages()[0] || (await context.newPage());
page.setDefaultTimeout(20000);
page.on("console", (msg) => {
  const text = msg.text();
  if (/Content.Security.Policy|Refused to/i.test(text)) problems.push("CSP: " + text);
});
page.on("pageerror", (err) => problems.push("page error: " + err.message));

// Holds requests to `pattern` (each counted by `seen`, if given) until the
// returned function is called; then they go on to the node.
async function hold(pattern, seen) {
  let release = () => {};
  const held = new Promise((resolve) => (release = resolve));
  await page.route(pattern, async (route) => {
    if (seen) seen();
    await held;
    // When the scenario has failed, the route may be gone by now.
    await route.continue().catch(() => {});
  });
  return release;
}

// Answers requests to `pattern` with the node's real answer as `edit`
// amends it (a state the scenario's region cannot reach by itself).
async function amend(pattern, edit) {
  await page.route(pattern, async (route) => {
    const response = await route.fetch();
    const body = await response.json();
    edit(body);
    await route.fulfill({ response, json: body });
  });
}

await scenario("login shows the menu and the data age", async () => {
  await login(env.AKARI_DOCTOR);
  const age = await page.textContent("#data-age");
  // The date the records describe (the hub's import), not when the
  // snapshot was signed: a publication of the same records must not make
  // them look newer.
  const data = await page.evaluate(async () => (await (await fetch("/v1/status")).json()).data);
  check(/^\d{4}-\d{2}-\d{2}$/.test(data.records_as_of || ""), `status lacks records_as_of: ${JSON.stringify(data)}`);
  check(age.includes("データ時点 " + data.records_as_of) && age.includes("日"), `records' date not shown: "${age}"`);
  check(await page.isVisible("#go-card"), "the card tile is missing");
  const who = await page.textContent("#who");
  check(who.includes("E2E doc1") && who.includes("医師"), `operator and role not shown in Japanese: "${who}"`);
});

await scenario("wrong PIN at login is refused with a message", async () => {
  await logout();
  await page.fill("#login-id", env.AKARI_DOCTOR);
  await pressPin("#login-pad", "0000");
  await page.click("#login-submit");
  await page.waitForSelector("#message:not([hidden])");
  const text = await page.textContent("#message");
  check(/暗証番号/.test(text), `unexpected message "${text}"`);
  // The node counts the tries left before a lockout; the Japanese text says it too.
  check(text.includes("あと 4 回"), `tries before a lockout not said in Japanese: "${text}"`);
  await login(env.AKARI_DOCTOR);
});

await scenario("an insurance-number check that finds nobody says why in Japanese", async () => {
  await page.click("#go-manual");
  try {
    await page.fill("#m-insurer", "39130018"); // a valid check digit, an insurer not in the region
    await page.fill("#m-symbol", "1");
    await page.fill("#m-number", "9999999");
    await fillBirth("#m-birth", "1950-01-01");
    await page.click("#m-submit");
    await page.waitForSelector("#r-status.unknown_person");
    const detail = await page.textContent("#r-detail");
    check(detail.includes("この保険の番号の方はいません") && !/[A-Za-z]{4}/.test(detail),
          `the reason not in Japanese: "${detail}"`);
  } finally {
    await page.click("#nav-home");
  }
});

await scenario("a double tap on the insurance-number check records one check", async () => {
  // The node's answer is held back until the second tap is in: that tap
  // falls while the first request is in flight, as on a slow node.
  let requests = 0;
  const release = await hold("**/v1/checks/insurance", () => (requests += 1));
  try {
    const before = await checkCount();
    await page.click("#go-manual");
    await page.fill("#m-insurer", "39130018");
    await page.fill("#m-symbol", "1");
    await page.fill("#m-number", "9999999");
    await fillBirth("#m-birth", "1950-01-01");
    await page.click("#m-submit");
    for (let i = 0; i < 200 && requests === 0; i++) await page.waitForTimeout(25);
    check(requests === 1, "the first tap sent no check");
    const working = await page.textContent("#m-submit");
    await page.click("#m-submit", { force: true }); // the second tap (a disabled button takes none)
    await page.waitForTimeout(500);
    release();
    await page.waitForSelector("#r-status.unknown_person");
    await page.waitForTimeout(500); // a second answer would have come by now
    const recorded = (await checkCount()) - before;
    check(requests === 1, `a double tap sent ${requests} checks`);
    check(recorded === 1, `a double tap recorded ${recorded} checks`);
    check(working === "処理中…", `the button did not say it was working: "${working}"`);
  } finally {
    release();
    await page.unroute("**/v1/checks/insurance");
    await page.click("#nav-home");
  }
});

await scenario("a not-covered answer shows the ended coverage as the last insurance, not the current one", async () => {
  // The region gives these scenarios no person without coverage: a real
  // check's answer is amended in flight to the node's answer for a coverage
  // that ended (node/checks/eligibility.cc: status not_covered, the last
  // coverage, detail_code coverage_ended).
  await amend("**/v1/checks/insurance", (body) => {
    body.answer = {
      status: "not_covered",
      coverage: { insurer_number: "39130018", insurer_name: "後期高齢者医療広域連合", scheme: "kouki", symbol: "",
                  number: "9999999", branch: "", relationship: "insured", valid_from: "2015-04-01",
                  valid_to: "2025-03-31", loss_reason: 3, copay_percent: 10, high_cost_category: "" },
      detail: "coverage ended on 2025-03-31 (moved to another insurer)",
      detail_code: "coverage_ended",
    };
    body.person = { id: 999999, name: "能登　太郎", name_kana: "ノト　タロウ", birth_date: "1950-01-01", age: 76,
                    sex: "male", address: { postal_code: "927-0000", prefecture: "石川県", municipality: "輪島市", rest: "河井町1" } };
  });
  try {
    await page.click("#go-manual");
    await page.fill("#m-insurer", "39130018");
    await page.fill("#m-symbol", "1");
    await page.fill("#m-number", "9999999");
    await fillBirth("#m-birth", "1950-01-01");
    await page.click("#m-submit");
    await page.waitForSelector("#r-status.not_covered");
    const heading = await page.textContent("#r-coverage h3");
    check(!heading.includes("現在の保険"), `an ended coverage shown as the current insurance: "${heading}"`);
    check(heading.includes("最後の保険") && heading.includes("2025-03-31"), `not shown as the last, ended insurance: "${heading}"`);
    const detail = await page.textContent("#r-detail");
    check(detail.includes("2025-03-31 に資格を喪失"), `why not covered is not said: "${detail}"`);
    await page.click("#lang-toggle");
    try {
      const en = await page.textContent("#r-coverage h3");
      check(en === "Last insurance (ended 2025-03-31)", `English heading: "${en}"`);
      const facts = await page.textContent("#r-person");
      check(facts.includes("(76 years)"), `the age in English: "${facts}"`);
    } finally {
      await page.click("#lang-toggle");
    }
  } finally {
    await page.unroute("**/v1/checks/insurance");
    await page.click("#nav-home");
  }
});

await scenario("the check history lists the newest checks, whatever count the last status gave", async () => {
  // The status the page holds is up to 30 s old; its count of checks must
  // not decide which checks the history shows.
  await amend("**/v1/status", (body) => {
    body.queue = { ...body.queue, checks: 100000 };
  });
  try {
    await page.reload();
    await page.waitForSelector("#go-checks");
    const newest = await page.evaluate(async () => {
      const headers = { Authorization: "Bearer " + sessionStorage.getItem("akari.token") };
      return (await (await fetch("/v1/checks?last=1", { headers })).json()).checks[0];
    });
    const total = await checkCount();
    await page.click("#go-checks");
    await page.waitForSelector("#c-rows tr, #c-none:not([hidden])");
    const rows = await page.$$eval("#c-rows tr", (trs) => trs.map((tr) => tr.textContent));
    check(total > 0 && rows.length === Math.min(100, total), `${rows.length} rows for ${total} checks`);
    check(rows.length > 0 && rows[0].includes(String(newest.person_id ?? "")), `the newest check is not first: ${rows[0]}`);
  } finally {
    await page.unroute("**/v1/status");
    await page.reload();
    await page.click("#nav-home");
    await page.waitForSelector("#go-checks");
  }
});

await scenario("a clock behind the trusted time and a nearly full disk are shown to everyone", async () => {
  // Neither state can be reached on the test machine; the node's real
  // status is amended as GET /v1/status reports them.
  await amend("**/v1/status", (body) => {
    body.clock_behind = true;
    body.now = "2026-11-10T00:00:00Z";
    body.disk = { free_bytes: 150e6, low: true };
  });
  try {
    await page.reload();
    await page.waitForSelector("#clock-state:not([hidden])");
    const clock = await page.textContent("#clock-state");
    check(clock.includes("時計が遅れています") && clock.includes("2026"), `clock warning not shown: "${clock}"`);
    const disk = await page.textContent("#disk-state");
    check(disk.includes("150 MB"), `disk warning not shown: "${disk}"`);
  } finally {
    await page.unroute("**/v1/status");
    await page.reload();
    await page.waitForSelector("#go-checks");
  }
  check(await page.isHidden("#clock-state"), "the clock warning stays after the clock is right");
});

await scenario("read card with the PIN pad and see medications with the insulin flag", async () => {
  await page.click("#go-card");
  await page.waitForSelector("#card-probe");
  await page.click("#card-probe");
  await page.waitForSelector("#card-tries:not([hidden])");
  const tries = await page.textContent("#card-tries");
  check(/3/.test(tries), `tries left not shown: "${tries}"`);
  // A wrong PIN first: the tries left, in Japanese (the correct PIN after
  // it gives the card its tries back).
  await pressPin("#card-pad", env.AKARI_CARD_PIN === "0000" ? "1111" : "0000");
  await page.click("#card-verify");
  await page.waitForFunction(() => document.querySelector("#message").textContent.includes("暗証番号が違います"));
  const wrong = await page.textContent("#message");
  check(wrong.includes("残り 2 回"), `tries left not said in Japanese after a wrong PIN: "${wrong}"`);
  await pressPin("#card-pad", env.AKARI_CARD_PIN);
  check((await page.textContent("#card-pin-dots")) === "●●●●", "PIN dots do not show 4 digits");
  await page.click("#card-verify");
  await page.waitForSelector("#r-status.covered", { timeout: 30000 });
  check((await page.textContent("#r-status")).includes("資格あり"), "not shown as covered");
  const check_facts = await page.textContent("#r-check");
  check(check_facts.includes("カード+PIN"), `assurance not shown: "${check_facts}"`);
  // The node words card outcomes in English; the Japanese UI says them itself.
  const detail = await page.textContent("#r-detail");
  check(detail.includes("本人確認済み") && !/[A-Za-z]{4}/.test(detail), `card outcome not in Japanese: "${detail}"`);
  await page.click("#r-open");
  await page.waitForSelector("#summary");
  check(await page.isVisible('#p-risk li[data-risk="insulin"]'), "no insulin flag in the risk list");
  check(await page.isVisible('#p-meds .badge[data-risk="insulin"]'), "no insulin badge in the medication table");
  check((await page.textContent("#p-name")).length > 0, "no name");
  check((await page.textContent("#data-age")).length > 0, "data age not visible on the summary");
  await page.screenshot({ path: join(artifacts, "summary.png"), fullPage: true });
});

await scenario("print view in A4 and on an 80 mm receipt", async () => {
  await page.evaluate(() => {
    window.__printed = [];
    window.print = () => window.__printed.push(document.body.className);
    // As if the record had been open a while: the header must be written anew.
    document.querySelector("#p-meta").textContent = "written when the record was opened";
  });
  await page.click("#p-print-a4");
  const meta = await page.textContent("#p-meta");
  check(meta.includes("データ時点") && !meta.includes("written when"), `print header not rebuilt: "${meta}"`);
  await page.click("#p-print-receipt");
  const printed = await page.evaluate(() => window.__printed);
  check(printed.length === 2 && printed[0].includes("print-a4") && printed[1].includes("print-receipt"),
        `print calls: ${JSON.stringify(printed)}`);
  await page.emulateMedia({ media: "print" });
  try {
    check(!(await page.isVisible("#topbar")), "the top bar is printed");
    check(!(await page.isVisible("#p-print-a4")), "buttons are printed");
    check(await page.isVisible(".print-header"), "the print header is missing");
    const header = await page.textContent("#p-meta");
    check(header.includes("データ時点") && header.includes("配信"), `printout lacks the data age: "${header}"`);
    // The receipt hides the column headings: each medicine's cells say what they are.
    const labels = await page.evaluate(() =>
      [...document.querySelectorAll("#p-meds tbody tr:first-child td[data-label]")].map(
        (td) => getComputedStyle(td, "::before").content),
    );
    check(labels.length === 4 && labels[0].includes("用法") && labels[1].includes("最終調剤日"),
          `receipt cells not labelled: ${JSON.stringify(labels)}`);
    const receipt = await page.pdf({ preferCSSPageSize: true, printBackground: true });
    writeFileSync(join(artifacts, "receipt.pdf"), receipt);
    const r = mediaBox(receipt);
    check(r && Math.abs(r.width - 226.8) < 2, `receipt page is ${JSON.stringify(r)}, not 80 mm wide`);
    await page.evaluate(() => {
      document.body.classList.remove("print-receipt");
      document.getElementById("page-a4").disabled = false;
      document.getElementById("page-receipt").disabled = true;
    });
    const a4 = await page.pdf({ preferCSSPageSize: true, printBackground: true });
    writeFileSync(join(artifacts, "a4.pdf"), a4);
    const a = mediaBox(a4);
    check(a && Math.abs(a.width - 595.3) < 2 && Math.abs(a.height - 841.9) < 2, `A4 page is ${JSON.stringify(a)}`);
  } finally {
    // A failure here must not leave the later scenarios looking at a printout.
    await page.emulateMedia({ media: "screen" });
    await page.evaluate(() => document.body.classList.remove("print-receipt", "print-a4"));
  }
});

await scenario("the printout says how the patient was identified and where; the receipt prints only the current insurance", async () => {
  // The card holder's record (opened by card and PIN above), amended in
  // flight with an insurance that ended.
  await amend("**/v1/persons/*", (body) => {
    body.coverage.history.push({ insurer_number: "01170018", insurer_name: "輪島市国民健康保険", scheme: "kokuho",
                                 symbol: "石1", number: "4711", branch: "", relationship: "insured",
                                 valid_from: "2001-04-01", valid_to: "2014-03-31", loss_reason: 3, copay_percent: 30,
                                 high_cost_category: "", current: false });
  });
  try {
    await page.evaluate(() => (window.location.hash = "#/home"));
    await page.evaluate((id) => (window.location.hash = "#/person/" + id), person.id);
    await page.waitForSelector("#p-coverage .coverage-history");
    await page.evaluate(() => (window.print = () => {}));
    await page.click("#p-print-receipt");
    await page.emulateMedia({ media: "print" });
    const identified = await page.textContent("#p-identified");
    check(identified.includes("本人確認") && identified.includes("カード+PIN（署名検証）"),
          `the printout does not say how the patient was identified: "${identified}"`);
    check((await page.textContent("#p-meta")).includes("医療機関コード 1710000001"), "the facility is not printed");
    check(await page.isVisible("#p-coverage .coverage"), "the receipt lacks the current insurance");
    check(await page.isHidden("#p-coverage .coverage-history"), "the receipt prints past insurances");
    await page.evaluate(() => document.body.classList.replace("print-receipt", "print-a4"));
    check(await page.isVisible("#p-coverage .coverage-history"), "the A4 printout lacks past insurances");
  } finally {
    await page.emulateMedia({ media: "screen" });
    await page.evaluate(() => document.body.classList.remove("print-receipt", "print-a4"));
    await page.unroute("**/v1/persons/*");
  }
});

await scenario("a 10-inch tablet held upright, or a phone, shows every page without sideways scrolling, with large buttons", async () => {
  const layout = [];
  try {
    for (const [screen, route] of [[[800, 1280], "person/" + person.id], [[412, 915], "person/" + person.id],
                                    [[800, 1280], "home"], [[800, 1280], "card"], [[412, 915], "card"],
                                    [[412, 915], "manual"], [[412, 915], "checks"], [[412, 915], "search"],
                                    [[412, 915], "self"], [[412, 915], "report"]]) {
      await page.setViewportSize({ width: screen[0], height: screen[1] });
      await page.evaluate((r) => (window.location.hash = "#/" + r), route);
      await page.waitForSelector("#view > *");
      await page.waitForTimeout(300); // answers that fill the view (a record, the history)
      const found = await page.evaluate(() => {
        const out = [];
        const wide = document.documentElement.scrollWidth - window.innerWidth;
        if (wide > 0) out.push(`${wide} px wider than the screen`);
        for (const b of document.querySelectorAll("button")) {
          const box = b.getBoundingClientRect();
          if (box.width === 0 || getComputedStyle(b).visibility === "hidden") continue;
          if (box.height < 44 || box.width < 44) out.push(`button "${b.textContent.trim()}" ${box.width}x${box.height}`);
        }
        return out;
      });
      found.forEach((f) => layout.push(`${route} at ${screen[0]} px: ${f}`));
      if (screen[0] < 640 && route.startsWith("person/")) {
        await page.screenshot({ path: join(artifacts, "phone-record.png"), fullPage: true });
      }
    }
  } finally {
    await page.setViewportSize({ width: 1280, height: 800 });
  }
  check(layout.length === 0, layout.join("; "));
});

await scenario("a tap on 'read card' before the reader list has arrived is not lost", async () => {
  // The reader list is held back until the probe has been answered: the
  // page must already act on the tap (on the default reader).
  const release = await hold("**/v1/cards/readers");
  try {
    await page.click("#nav-home");
    await page.click("#go-card");
    await Promise.all([
      page.waitForResponse((r) => r.url().endsWith("/v1/cards/probe"), { timeout: 10000 }),
      page.click("#card-probe"),
    ]);
    await page.waitForSelector("#card-tries:not([hidden])");
    release();
    await page.waitForFunction(() => document.querySelectorAll("#card-reader option").length > 1);
  } finally {
    release();
    await page.unroute("**/v1/cards/readers");
  }
  await page.click("#nav-home");
});

await scenario("the confirmation to spend a card's last PIN try is asked afresh for each card", async () => {
  // A card with one try left: the real probe answer, amended in flight.
  await amend("**/v1/cards/probe", (body) => {
    body.pin = { ...body.pin, tries_left: 1, blocked: false };
  });
  try {
    await page.click("#nav-home");
    await page.click("#go-card");
    await page.click("#card-probe");
    await page.waitForSelector("#card-last-try:not([hidden])");
    await page.check("#card-confirm-last");
    // The next patient's card. The box is already shown from the first
    // card: wait for this probe's answer to be shown (the UI hides its
    // "working" line in the same step), not for the box.
    await Promise.all([
      page.waitForResponse((r) => r.url().endsWith("/v1/cards/probe")),
      page.click("#card-probe"),
    ]);
    await page.waitForSelector("#card-working", { state: "hidden" });
    await page.waitForSelector("#card-last-try:not([hidden])");
    check(!(await page.isChecked("#card-confirm-last")), "the last-try confirmation carried over to the next card");
  } finally {
    await page.unroute("**/v1/cards/probe");
  }
  await page.click("#nav-home");
});

await scenario("the face-check tick is cleared when a new card flow starts", async () => {
  await page.click("#nav-home");
  await page.click("#go-card");
  try {
    await page.click("#card-cert-only summary");
    await page.check("#card-face-checked");
    check(await page.isEnabled("#card-verify-cert"), "the tick does not allow verifying without the PIN");
    // The next patient's card is probed: a look at the last one's photo must not count for it.
    await Promise.all([
      page.waitForResponse((r) => r.url().endsWith("/v1/cards/probe")),
      page.click("#card-probe"),
    ]);
    await page.waitForSelector("#card-working", { state: "hidden" });
    await page.waitForSelector("#card-tries:not([hidden])");
    check(!(await page.isChecked("#card-face-checked")), "the face-check tick carried over to the next card");
    check(await page.isDisabled("#card-verify-cert"), "verifying without the PIN is offered without a new face check");
    const row = await page.locator("#card-cert-only label.check").boundingBox();
    check(row && row.height >= 48, `the face-check row is not a 48 px touch target: ${JSON.stringify(row)}`);
  } finally {
    await page.click("#nav-home");
  }
});

await scenario("a card result in Japanese keeps the node's caveat and the reason for its answer", async () => {
  // The real verification's answer, amended in flight: revocation data past
  // its next update, and a coverage that ended (the node's card.message says
  // both in English; the Japanese UI must not shorten it to a generic line).
  await amend("**/v1/cards/verify", (body) => {
    body.card.revocation = { ...body.card.revocation, status: "stale", this_update: "2026-10-01T00:00:00Z",
                             next_update: "2026-10-08T00:00:00Z", stale_since: "2026-10-08T00:00:00Z" };
    body.card.status = "not_covered";
    body.card.code = "not_covered";
    body.answer = { status: "not_covered",
                    coverage: { ...body.answer.coverage, valid_to: "2025-03-31", loss_reason: 3 },
                    detail: "coverage ended on 2025-03-31 (moved to another insurer)", detail_code: "coverage_ended" };
  });
  try {
    await page.click("#nav-home");
    await page.click("#go-card");
    await pressPin("#card-pad", env.AKARI_CARD_PIN);
    await page.click("#card-verify");
    await page.waitForSelector("#r-status.not_covered", { timeout: 30000 });
    const detail = await page.textContent("#r-detail");
    check(detail.includes("本人確認済み"), `how the card was verified is not said: "${detail}"`);
    check(detail.includes("失効情報") && detail.includes("2026-10-08"), `the stale revocation data is not said: "${detail}"`);
    check(detail.includes("2025-03-31 に資格を喪失しています（他の保険の取得）"), `why not covered is not said: "${detail}"`);
  } finally {
    await page.unroute("**/v1/cards/verify");
    await page.click("#nav-home");
  }
});

await scenario("a record that cannot be opened leaves staff on the result, with the button to try again", async () => {
  await page.click("#nav-home");
  await page.click("#go-card");
  await pressPin("#card-pad", env.AKARI_CARD_PIN);
  await page.click("#card-verify");
  await page.waitForSelector("#r-status.covered", { timeout: 30000 });
  // The node busy (an update being applied): its refusal, 503 busy.
  await page.route("**/v1/persons/*", (route) =>
    route.fulfill({
      status: 503,
      headers: { "Retry-After": "1" },
      json: { error: { code: "busy", message: "the node is busy applying an update; try again in a moment" } },
    }),
  );
  try {
    await page.click("#r-open");
    await page.waitForSelector("#message:not([hidden])");
    const message = await page.textContent("#message");
    check(message.includes("混み合っています"), `the refusal is not shown: "${message}"`);
    check(await page.isVisible("#r-status.covered"), "the result page was left");
    check(await page.isEnabled("#r-open"), "the record cannot be asked for again");
  } finally {
    await page.unroute("**/v1/persons/*");
  }
  let requests = 0;
  const count = (r) => {
    if (r.url().includes("/v1/persons/")) requests += 1;
  };
  page.on("request", count);
  try {
    await page.click("#r-open");
    await page.waitForSelector("#summary");
    check(requests === 1, `opening the record sent ${requests} requests (each is audited as an opening)`);
  } finally {
    page.off("request", count);
  }
});

await scenario("switching the language fetches no record again and keeps what was typed", async () => {
  // The card holder's record, which this session has identified.
  await page.evaluate(() => (window.location.hash = "#/home"));
  await page.evaluate((id) => (window.location.hash = "#/person/" + id), person.id);
  await page.waitForSelector("#summary");
  let requests = 0;
  const count = (r) => {
    if (r.url().includes("/v1/persons/")) requests += 1;
  };
  page.on("request", count);
  try {
    await page.click("#lang-toggle");
    await page.waitForFunction(() => document.querySelector("#p-risk-card h2").textContent.includes("must not be interrupted"));
    check(await page.isVisible('#p-risk li[data-risk="insulin"]'), "the record is not shown in English");
    await page.click("#lang-toggle");
    await page.waitForFunction(() => document.querySelector("#p-risk-card h2").textContent.includes("中断"));
    check(requests === 0, `the record was fetched ${requests} more times (each is audited as an opening)`);
  } finally {
    page.off("request", count);
  }
  // A form half filled in.
  await page.click("#nav-home");
  await page.click("#go-manual");
  await page.fill("#m-number", "1234567");
  await page.selectOption('#m-birth select[data-part="era"]', "showa");
  await page.click("#lang-toggle");
  try {
    check((await page.inputValue("#m-number")) === "1234567", "what was typed is gone");
    check((await page.inputValue('#m-birth select[data-part="era"]')) === "showa", "the chosen era is gone");
    check((await page.textContent("#m-submit")) === "Check", "the form is not in English");
    const era = await page.textContent('#m-birth select[data-part="era"] option[value="showa"]');
    check(era === "Showa", `the era is not in English: "${era}"`);
  } finally {
    await page.click("#lang-toggle");
  }
  check((await page.textContent("#m-submit")) === "確認する", "the form is not back in Japanese");
  // A refusal on screen is worded again in the other language.
  await page.fill("#m-insurer", "170044"); // 170043 with a wrong check digit
  await page.fill("#m-symbol", "輪島");
  await fillBirth("#m-birth", "1950-01-01");
  await page.click("#m-submit");
  await page.waitForSelector("#message:not([hidden])");
  const ja = await page.textContent("#message");
  check(ja.includes("保険者番号が正しくありません"), `the refusal is not in Japanese: "${ja}"`);
  await page.click("#lang-toggle");
  try {
    const en = await page.textContent("#message");
    check(en.includes("check digit") && !/[ぁ-ん]/.test(en), `the refusal is not worded again in English: "${en}"`);
  } finally {
    await page.click("#lang-toggle");
  }
  check((await page.textContent("#message")) === ja, "the refusal is not back in Japanese");
  await page.click("#nav-home");
});

await scenario("English can be switched on and off", async () => {
  await page.click("#lang-toggle");
  check((await page.textContent("#logout")) === "Log out", "logout button not in English");
  check((await page.textContent("#data-age")).startsWith("Data as of"), "data age not in English");
  await page.click("#lang-toggle");
  check((await page.textContent("#logout")) === "ログアウト", "not back in Japanese");
});

// An admin on another tablet: a session of its own, not the page's. One
// login for both changes (the node admits 10 login attempts a minute from
// one address, and every scenario runs from 127.0.0.1).
async function otherTablet(admin) {
  return page.evaluate(
    async ({ id, pin }) => {
      const r = await fetch("/v1/login", { method: "POST", headers: { "Content-Type": "application/json" },
                                           body: JSON.stringify({ operator_id: id, pin }) });
      return (await r.json()).token;
    },
    { id: admin, pin },
  );
}
// Sends a JSON request with the session `token` (another tablet's, or the page's own).
async function sendAs(token, method, path, body) {
  return page.evaluate(
    async ({ token, method, path, body }) => {
      const headers = { "Content-Type": "application/json", Authorization: "Bearer " + token };
      return (await fetch(path, { method, headers, body: JSON.stringify(body) })).status;
    },
    { token, method, path, body },
  );
}

await scenario("the menu follows disaster mode changed elsewhere", async () => {
  await page.click("#nav-home");
  await page.waitForSelector("#go-card");
  check(await page.isHidden("#go-search"), "disaster search offered in normal mode");
  check(await page.isVisible("#go-report"), "the reconciliation report not offered to a doctor");
  const admin = await otherTablet(env.AKARI_ADMIN);
  try {
    const declared = await sendAs(admin, "PUT", "/v1/mode", { mode: "disaster", reason: "訓練: 別の端末から" });
    check(declared === 200, `declaring disaster mode elsewhere answered ${declared}`);
    // The page learns it from its next status poll (every 30 s, or when the network comes back).
    await page.evaluate(() => window.dispatchEvent(new Event("online")));
    await page.waitForSelector("#go-search:not([hidden])", { timeout: 5000 });
  } finally {
    const ended = await sendAs(admin, "PUT", "/v1/mode", { mode: "normal", reason: "訓練終了" });
    await sendAs(admin, "POST", "/v1/logout", {});
    check(ended === 200, `ending disaster mode elsewhere answered ${ended}`);
  }
  await page.evaluate(() => window.dispatchEvent(new Event("online")));
  await page.waitForSelector("#go-search", { state: "hidden", timeout: 5000 });
});

await scenario("a reload while the node does not answer offers to reconnect, and goes on when it answers", async () => {
  await page.route("**/v1/session", (route) => route.abort());
  await page.route("**/v1/status", (route) => route.abort());
  try {
    await page.reload();
    await page.waitForSelector("#rc-retry");
    const text = await page.textContent("#view");
    check(text.includes("ノードに接続できません"), `the page does not say the node is unreachable: "${text}"`);
    check(!(await page.isVisible(".menu")), "a menu is drawn with no operator known");
    const message = await page.textContent("#message");
    check(message.includes("通信できません"), `the failure is not said: "${message}"`);
  } finally {
    await page.unroute("**/v1/session");
    await page.unroute("**/v1/status");
  }
  await page.click("#rc-retry");
  await page.waitForSelector("#go-card");
  check((await page.textContent("#who")).includes("E2E doc1"), "the operator is not shown after reconnecting");
});

await scenario("disaster search needs disaster mode, finds the patient and records the reason", async () => {
  await page.click("#nav-home");
  check(!(await page.isVisible("#go-search")), "disaster search offered in normal mode");
  await logout();
  await login(env.AKARI_ADMIN);
  // The reconciliation report is for the roles that check eligibility.
  check(await page.isHidden("#go-report"), "an admin is offered the report the node refuses them");
  await page.click("#go-admin");
  await page.fill("#a-reason", "訓練: 能登半島地震 想定");
  await page.click("#a-on");
  await page.waitForSelector("#a-state.on");
  check(await page.isVisible("#mode-badge"), "the disaster badge is not shown");
  await logout();
  await login(env.AKARI_DOCTOR);
  await page.click("#go-search");
  await page.fill("#s-kana", person.name_kana);
  await fillBirth("#s-birth", person.birth_date);
  await page.check(`input[name="s-sex"][value="${person.sex}"]`);
  // Without a reason the node refuses.
  await page.click("#s-submit");
  await page.waitForSelector("#message:not([hidden])");
  check(/理由|必須/.test(await page.textContent("#message")), "no refusal without a reason");
  await page.fill("#s-reason", "意識障害で搬送、所持品なし");
  await page.click("#s-submit");
  await page.waitForSelector(`#s-results button[data-person="${person.id}"]`);
  await page.click(`#s-results button[data-person="${person.id}"]`);
  await page.waitForSelector("#r-status");
  const method = await page.textContent("#r-check");
  check(method.includes("災害時検索"), `method not shown: "${method}"`);
  await page.click("#r-open");
  await page.waitForSelector("#summary");
  const basis = await page.textContent("#p-basis");
  check(basis.includes("意識障害で搬送"), `reason not shown with the record: "${basis}"`);
  await page.screenshot({ path: join(artifacts, "disaster.png"), fullPage: true });
});

await scenario("a record with gaps (no age, checkup items without visits) still shows", async () => {
  // The real record, amended in flight: a birth date the node could not
  // turn into an age, and checkup items whose visits are not listed.
  await amend("**/v1/persons/*", (body) => {
    body.person.age = null;
    body.checkups.visits = [];
    if (!body.checkups.items.length) {
      body.checkups.items = [{ name: "HbA1c", unit: "%", reference: "4.6-6.2", trend: "up",
                               latest: { value: "6.8", abnormal: true },
                               values: [{ date: "2025-06-01", value: "6.8" }] }];
    }
  });
  const errors = problems.length;
  try {
    await page.evaluate(() => (window.location.hash = "#/home"));
    await page.evaluate((id) => (window.location.hash = "#/person/" + id), person.id);
    await page.waitForSelector("#p-checkups table");
    const facts = await page.textContent("#p-facts");
    check(!facts.includes("null") && facts.includes(person.birth_date), `birth date shown as "${facts}"`);
    check(problems.length === errors, problems.slice(errors).join("; "));
  } finally {
    await page.unroute("**/v1/persons/*");
  }
});

await scenario("high-risk medicines older than 120 days are shown apart, not denied", async () => {
  // The real record, amended in flight: its high-risk medicines all older
  // than the node's 120 days (risk_flags empty, the rows still badged), and
  // a specific-disease certificate.
  await amend("**/v1/persons/*", (body) => {
    body.risk_flags = [];
    body.medications = [{ ingredient: "ワルファリンカリウム", yj_prefix: "3332001", drug_names: ["ワーファリン錠1mg"],
                          strength: "1mg", route: "oral", quantity: 2, unit: "錠", usage: "1日1回朝食後",
                          days_or_times: 28, last_date: "2025-01-10", first_date: "2020-04-01", dispensing_count: 40,
                          supply_until: "2025-02-07", still_supplied: false, recent: false, pharmacy: "", prescriber: "",
                          source: "claims", risk_classes: ["anticoagulant"] }];
    body.coverage.specific_diseases = [{ disease: "dialysis", valid_from: "2020-04-01", valid_to: null, current: true }];
  });
  try {
    await page.evaluate(() => (window.location.hash = "#/home"));
    await page.evaluate((id) => (window.location.hash = "#/person/" + id), person.id);
    await page.waitForSelector("#p-meds tbody tr");
    const none = await page.textContent("#p-risk");
    check(none.includes("直近120日"), `the empty risk list does not say it covers 120 days: "${none}"`);
    check(await page.isVisible("#p-risk-older"), "older high-risk medicines are not in the risk card");
    const older = await page.textContent("#p-risk-older");
    check(older.includes("抗凝固薬") && older.includes("ワルファリンカリウム") && older.includes("2025-01-10"),
          `older high-risk medicine not named: "${older}"`);
    const diseases = await page.textContent("#p-diseases");
    check(diseases.includes("人工透析") && !diseases.includes("dialysis"), `certificate not named: "${diseases}"`);
    await page.screenshot({ path: join(artifacts, "risk-older.png") });
  } finally {
    await page.unroute("**/v1/persons/*");
  }
});

await scenario("an evacuee with no record is recorded as self-reported and the reconciliation page lists the checks", async () => {
  await page.click("#nav-home");
  await page.click("#go-search");
  await page.fill("#s-kana", "ノト ハナコ");
  await page.selectOption('#s-birth select[data-part="era"]', "western");
  await page.fill('#s-birth input[data-part="year"]', "1952");
  await page.selectOption('#s-birth select[data-part="month"]', "3");
  await page.selectOption('#s-birth select[data-part="day"]', "4");
  await page.fill("#s-reason", "県外からの避難者、書類なし");
  await page.click("#s-submit");
  await page.waitForSelector("#s-self:not([hidden])");
  await page.click("#s-self-go");
  await page.waitForSelector("#sr-kana");
  await page.fill("#sr-name", "能登　花子");
  await page.fill("#sr-kana", "ノト ハナコ");
  await page.selectOption('#sr-birth select[data-part="era"]', "western");
  await page.fill('#sr-birth input[data-part="year"]', "1952");
  await page.selectOption('#sr-birth select[data-part="month"]', "3");
  await page.selectOption('#sr-birth select[data-part="day"]', "4");
  await page.check('input[name="sr-sex"][value="female"]');
  await page.fill("#sr-insurer", "高岡市国保");
  await page.fill("#sr-contact", "090-0000-0000");
  await page.click("#sr-submit");
  await page.waitForSelector("#r-status");
  const method = await page.textContent("#r-check");
  check(method.includes("本人申告"), `self-reported method not shown: "${method}"`);
  await page.click("#nav-home");
  await page.click("#go-report");
  // The element comes with the view's template and its text with the API's
  // answer: wait for both (a missing element must not count as "text there").
  const counts = await (
    await page.waitForFunction(() => {
      const text = document.querySelector("#rp-counts")?.textContent.trim() ?? "";
      return text !== "" ? text : null;
    })
  ).jsonValue();
  check(/未照合 [1-9]/.test(counts), `pending checks not counted: "${counts}"`);
  await page.screenshot({ path: join(artifacts, "report.png"), fullPage: true });
});

await scenario("a held update is shown to staff, and an admin is told when none is left to load", async () => {
  // A held update needs a region of 50,000 persons and staff at work: the
  // real status is amended in flight. The apply request is real, and the
  // node (which holds nothing) refuses it.
  const held = { version: 99, persons: 1850000, since: "2026-11-01T02:40:00Z",
                 apply_by: "2026-11-01T08:40:00Z", idle_minutes_needed: 10 };
  await amend("**/v1/status", (body) => {
    body.hub = { ...(body.hub || {}), failed_rounds: 0, held_update: held };
  });
  try {
    await logout();
    await login(env.AKARI_ADMIN);
    await page.reload();  // the status is read when the page loads (and every 30 s)
    await page.waitForSelector("#hub-state:not([hidden])");
    const bar = await page.textContent("#hub-state");
    check(bar.includes("1,850,000人分") && bar.includes("10分間") && bar.includes("2026-11-01 17:40"),
          `held update not shown in the top bar: "${bar}"`);
    await page.click("#go-admin");
    await page.waitForSelector("#a-held:not([hidden])");
    const text = await page.textContent("#a-held-text");
    check(text.includes("遅くとも"), `held update not shown to the admin: "${text}"`);
    await page.click("#a-apply");
    await page.waitForSelector("#message:not([hidden])");
    const message = await page.textContent("#message");
    check(message.includes("待機中の更新はありません"), `refusal not shown: "${message}"`);
    await page.screenshot({ path: join(artifacts, "held-update.png"), fullPage: true });
  } finally {
    await page.unroute("**/v1/status");
  }
});

await scenario("a nearly full disk is shown to everyone in the top bar", async () => {
  // A real nearly-full disk is tested in tests/node/disk_full_test.cc; here
  // the real /v1/status is amended in flight.
  await amend("**/v1/status", (body) => {
    body.disk = { free_bytes: 41000000, low: true };
  });
  try {
    await page.reload();
    await page.waitForSelector("#disk-state:not([hidden])");
    const bar = await page.textContent("#disk-state");
    check(bar.includes("41 MB") && bar.includes("管理者"), `low disk not shown in the top bar: "${bar}"`);
    await page.screenshot({ path: join(artifacts, "disk-low.png") });
  } finally {
    await page.unroute("**/v1/status");
  }
  await page.reload();
  await page.waitForSelector("#data-age:not(:empty)");
  check(await page.isHidden("#disk-state"), "the low-disk warning stayed after the disk had room again");
});

await scenario("a node that stops answering is shown, not a frozen data age", async () => {
  // The network between tablet and node goes down: the status poll fails.
  await page.waitForSelector("#data-age:not(:empty)");
  try {
    await context.setOffline(true);
    await page.waitForFunction(() => document.querySelector("#data-age").textContent.includes("応答がありません"));
    const age = await page.textContent("#data-age");
    check(age.includes("データ時点"), `the last data age not kept beside the warning: "${age}"`);
    check(await page.isVisible("#data-age.stale"), "an unreachable node not marked as stale");
  } finally {
    await context.setOffline(false);
  }
  await page.waitForFunction(() => !document.querySelector("#data-age").textContent.includes("応答がありません"));
});

await scenario("the admin page spells out why the hub link fails (no tooltip on a tablet)", async () => {
  const reason = "not enough free space on the disk holding /srv/akari for version 12 (full): it needs about 4.6 GB";
  await amend("**/v1/status", (body) => {
    body.hub = { rounds: 9, failed_rounds: 3, checks_uploaded: 0, data_version: 11,
                 last_success: "2026-11-01T01:00:00Z", last_error: reason, held_update: null };
  });
  try {
    await page.reload();
    await page.waitForSelector("#hub-state:not([hidden])");
    await page.click("#nav-home");
    await page.click("#go-admin");
    await page.waitForSelector("#a-link-error:not([hidden])");
    const state = await page.textContent("#a-link-state");
    const error = await page.textContent("#a-link-error");
    const success = await page.textContent("#a-link-success");
    check(state.includes("3回連続"), `failing rounds not shown: "${state}"`);
    check(error === reason, `the link's reason not shown in full: "${error}"`);
    check(success.includes("2026-11-01 10:00"), `last success not shown in JST: "${success}"`);
    check(/[0-9] MB$/.test(await page.textContent("#a-link-disk")), "free space not shown");
    await page.screenshot({ path: join(artifacts, "admin-link.png"), fullPage: true });
  } finally {
    await page.unroute("**/v1/status");
  }
});

await scenario("a record left on screen is cleared when the session ends, after a warning", async () => {
  // The node's idle limit is 15 minutes; its answers are amended in flight
  // to 6 s, so that the UI's countdown runs in seconds. The session itself
  // stays real: every request still carries its token.
  const shorten = async (route) => {
    const response = await route.fetch();
    const body = await response.json();
    if (response.status() === 200) body.idle_timeout_seconds = 6;
    await route.fulfill({ response, json: body });
  };
  await page.route("**/v1/login", shorten);
  await page.route("**/v1/session", shorten);
  try {
    await logout();
    await login(env.AKARI_DOCTOR);
    await searchAndOpenRecord("意識障害で搬送、所持品なし");
    // The warning comes first, in sight wherever the record is scrolled to.
    await page.waitForSelector("#session-warning:not([hidden])", { timeout: 10000 });
    check((await page.textContent("#session-warning-text")).includes("ログアウト"), "no warning text");
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    const box = await page.evaluate(() => {
      const r = document.querySelector("#session-warning").getBoundingClientRect();
      return { top: r.top, bottom: r.bottom, height: window.innerHeight };
    });
    check(box.top >= 0 && box.bottom <= box.height, `the warning is out of sight: ${JSON.stringify(box)}`);
    // "Continue" that cannot reach the node says so; the next one keeps the session going.
    await page.route("**/v1/session", (route) => route.abort(), { times: 1 });
    await page.click("#session-continue");
    await page.waitForSelector("#session-warning-error:not([hidden])");
    const error = await page.textContent("#session-warning-error");
    check(error.includes("通信できません"), `a failed "continue" not said: "${error}"`);
    await page.click("#session-continue");
    await page.waitForSelector("#session-warning", { state: "hidden" });
    check(await page.isVisible("#summary"), "the record went away although the session was kept");
    // Then nobody touches the tablet.
    await page.waitForSelector("#login-id", { timeout: 15000 });
    check((await page.locator("#summary").count()) === 0, "the record is still in the page");
    check((await page.textContent("#message")).includes("セッションが終了"), "no word that the session ended");
    check(await page.isHidden("#session-warning"), "the warning stayed after the session ended");
  } finally {
    await page.unroute("**/v1/login");
    await page.unroute("**/v1/session");
  }
});

await scenario("the admin page shows the mode as it is now when a change is refused as already made", async () => {
  await login(env.AKARI_ADMIN);
  await page.click("#go-admin");
  await page.waitForSelector("#a-state.on");
  // Another admin ends disaster mode from another tablet meanwhile.
  // (With this page's own session: another login would exceed the run's login budget.)
  const token = await page.evaluate(() => sessionStorage.getItem("akari.token"));
  const status = await sendAs(token, "PUT", "/v1/mode", { mode: "normal", reason: "訓練終了" });
  check(status === 200, `ending disaster mode answered ${status}`);
  // Ending is confirmed first (the end button appears where the declare button was).
  await page.click("#a-off");
  await page.waitForSelector("#a-off-confirm:not([hidden])");
  check(await page.isVisible("#a-state.on"), "disaster mode changed before the confirmation");
  await page.click("#a-off-yes");
  await page.waitForSelector("#a-state.off");
  check((await page.textContent("#message")).includes("すでにそのモード"), "the refusal is not shown");
  check(await page.isHidden("#mode-badge"), "the top bar still shows disaster mode");
  check(await page.isVisible("#a-on"), "the page does not offer to declare disaster mode again");
});

await scenario("no Content-Security-Policy violations or script errors", async () => {
  check(problems.length === 0, problems.join("; "));
});

await context.close();
rmSync(profile, { recursive: true, force: true });
const failed = results.filter((r) => !r.ok).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
