import assert from "node:assert/strict";
import { test } from "node:test";
import { bestRecipient, judgeRecipient } from "../src/consent.js";

const MOBILE = "+15550123456";
const HOME = "+15550123400";
const MAIN = "+15550100001";
const chart = (phones) => ({ hasPatient: true, loaded: true, firstName: "Maria", phones });
const phone = (number, extra = {}) => ({ number, use: "mobile", hasConsent: true, optedOut: false, ...extra });
const label = (number, short) => (number === MAIN ? (short ? "Main line" : "Main line (555) 010-0001") : number);

test("a consenting number on the chart may be texted without a word", () => {
  assert.deepEqual(judgeRecipient(chart([phone(MOBILE)]), MOBILE, MAIN, label), { refusal: "", notice: "" });
});

test("the chart's opt-out refuses the send", () => {
  const verdict = judgeRecipient(chart([phone(MOBILE, { optedOut: true })]), MOBILE, MAIN, label);
  assert.match(verdict.refusal, /Maria's chart marks .* as opted out of texts/);
});

test("a STOP to this practice number refuses it and names the number, not another", () => {
  const stopped = chart([phone(MOBILE, { optedOutFrom: [MAIN] })]);
  assert.match(
    judgeRecipient(stopped, MOBILE, MAIN, label).refusal,
    /opted out of texts from Main line \(replied STOP\)/,
  );
  assert.equal(judgeRecipient(stopped, MOBILE, "+15550100002", label).refusal, "", "another From is allowed");
});

test("no consent is a notice (the clinician confirms), a number off the chart too", () => {
  assert.match(
    judgeRecipient(chart([phone(MOBILE, { hasConsent: false })]), MOBILE, MAIN, label).notice,
    /not consented/,
  );
  assert.match(
    judgeRecipient(chart([phone(MOBILE)]), "+15550177777", MAIN, label).notice,
    /not on this patient's chart/,
  );
});

test("without a patient or before the chart loads nothing is judged here", () => {
  const none = { refusal: "", notice: "" };
  assert.deepEqual(judgeRecipient({ ...chart([]), hasPatient: false }, MOBILE, MAIN), none);
  assert.deepEqual(
    judgeRecipient({ ...chart([phone(MOBILE, { optedOut: true })]), loaded: false }, MOBILE, MAIN),
    none,
  );
});

test("the To picker starts on the first usable mobile", () => {
  assert.equal(bestRecipient([phone(HOME, { use: "home" }), phone(MOBILE)]), MOBILE);
  assert.equal(bestRecipient([phone(MOBILE, { optedOut: true }), phone(HOME, { use: "home" })]), HOME);
  assert.equal(bestRecipient([phone(MOBILE, { optedOut: true })]), MOBILE);
  assert.equal(bestRecipient([]), null);
});
