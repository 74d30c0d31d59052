import assert from "node:assert/strict";
import { test } from "node:test";
import { ApiError } from "../src/api.js";
import { describeDraft } from "../src/draft.js";
import { formatPhone } from "../src/format.js";
import { judgeLater, scheduleActions, usableServices, windowOf } from "../src/schedule.js";
import { segmentCounter } from "../src/segments.js";
import { createStore, emptyThread } from "../src/store.js";
import { shared } from "./python.js";

const NY = "America/New_York";
const NOW = Date.parse("2025-12-03T12:00:00Z"); // 7:00 AM in New York
const MINUTE = 60_000;
const { scheduleMinAheadMinutes: LEAST, scheduleMaxAheadDays: MOST } = shared.limits;
const MAIN = { sid: "PN1", phoneNumber: "+15550100001", capabilities: { sms: true, mms: false } };
const DESK = { sid: "PN2", phoneNumber: "+15550100002", capabilities: { sms: true, mms: true } };
const SERVICE = {
  sid: "MG1",
  name: "Clinic Reminders",
  stickySender: true,
  numbers: [DESK.phoneNumber, MAIN.phoneNumber],
};
const MOBILE = "+15550123456";
const tools = {
  count: segmentCounter(shared.segments),
  e164: new RegExp(shared.e164Pattern),
  limits: shared.limits,
  fmt: { phone: formatPhone, practiceLabel: (number) => number },
};
const later = (laterDate, laterTime) => ({ later: true, laterDate, laterTime });
const judge = (date, time, now = NOW) => judgeLater(later(date, time), NY, now, shared.limits);

function state(composer = {}, chartPhone = {}) {
  return {
    config: { patientId: "p1", isAdmin: false, zone: NY },
    now: NOW,
    phones: { list: [MAIN, DESK] },
    services: [SERVICE],
    thread: { ...emptyThread(), loaded: true, phones: [{ number: MOBILE, hasConsent: true, ...chartPhone }] },
    composer: { fromSid: "MG1", choice: MOBILE, toText: "", text: "See you", media: "", callback: "", ...composer },
  };
}

test("a time in the practice's zone becomes sendAt with its offset, shown in the zone and in UTC", () => {
  const judged = judge("2025-12-04", "09:00");

  assert.equal(judged.problem, "");
  assert.equal(judged.sendAt, "2025-12-04T14:00:00.000Z");
  assert.equal(judged.line, "Sends Thu 4 Dec, 9:00 AM EST (Thu 4 Dec, 2:00 PM UTC).");
  assert.equal(judgeLater({ later: false }, NY, NOW, shared.limits), null);
});

test("the window is Python's: at least the minimum ahead, at most the maximum", () => {
  const at = (ms) => new Date(ms - 5 * 60 * MINUTE).toISOString().slice(0, 16).split("T"); // EST wall clock
  const [soonDate, soonTime] = at(NOW + (LEAST - 1) * MINUTE);
  const [edgeDate, edgeTime] = at(NOW + LEAST * MINUTE);
  const [farDate, farTime] = at(NOW + MOST * 1440 * MINUTE + MINUTE);

  assert.match(judge(soonDate, soonTime).problem, new RegExp(`at least ${LEAST} minutes`));
  assert.equal(judge(edgeDate, edgeTime).problem, "");
  assert.match(judge(farDate, farTime).problem, new RegExp(`at most ${MOST} days`));
  assert.deepEqual(windowOf(NOW, shared.limits), [NOW + LEAST * MINUTE, NOW + MOST * 1440 * MINUTE]);
  assert.equal(judge("", "09:00").problem, "Pick a date and a time.");
});

test("a time the clocks skip is refused; a repeated one is its first, and the line says so", () => {
  const spring = Date.parse("2026-03-01T12:00:00Z");
  const autumn = Date.parse("2026-10-25T12:00:00Z");

  assert.match(judge("2026-03-08", "02:30", spring).problem, /clocks go forward that night: 02:30 does not exist/);
  const repeated = judge("2026-11-01", "01:30", autumn);
  assert.equal(repeated.sendAt, "2026-11-01T05:30:00.000Z");
  assert.match(repeated.line, /1:30 AM EDT .*5:30 AM UTC.*clocks go back that night/);
});

test("a Messaging Service as From posts its sid, lets Twilio pick the number, and may schedule", () => {
  const now = describeDraft(state(), tools);
  assert.deepEqual(
    [now.payload.messagingServiceSid, now.payload.numberFrom, now.payload.sendAt, now.canSend],
    ["MG1", undefined, undefined, true],
  );
  assert.equal(now.sender.capabilities.mms, true); // one of its numbers takes MMS

  const scheduled = describeDraft(state(later("2025-12-04", "09:00")), tools);
  assert.equal(scheduled.payload.sendAt, "2025-12-04T14:00:00.000Z");
  const tooSoon = describeDraft(state(later("2025-12-03", "07:05")), tools);
  assert.equal(tooSoon.canSend, false);
});

test("Send later is ignored from a single number; a STOP to any number of the service refuses", () => {
  const plain = describeDraft(state({ fromSid: "PN1", ...later("2025-12-03", "07:05") }), tools);
  assert.deepEqual(
    [plain.later, plain.payload.sendAt, plain.payload.numberFrom, plain.canSend],
    [null, undefined, MAIN.phoneNumber, true],
  );

  const stopped = describeDraft(state({}, { optedOutFrom: [MAIN.phoneNumber] }), tools);
  assert.equal(stopped.canSend, false);
  assert.match(stopped.recipientLine.text, /opted out of texts from \+15550100001/);
});

test("only services holding a number are offered", () => {
  assert.deepEqual(usableServices([SERVICE, { sid: "MG2", numbers: [] }]), [SERVICE]);
  assert.deepEqual(usableServices(undefined), []);
});

test("Cancel posts once and re-reads the text; a refusal is kept in words", async () => {
  const store = createStore({ config: { zone: NY }, composer: {}, now: NOW });
  const update = (key, change) => store.update((all) => ({ ...all, [key]: change(all[key]) }));
  const merge = (key, change) => update(key, (value) => ({ ...value, ...change }));
  const reread = [];
  let answer = () => ({ sid: "SM1", status: "canceled" });
  const posted = [];
  const api = { cancelMessage: async (sid) => posted.push(sid) && answer() };
  const actions = scheduleActions({ store, api, merge, patch: update, reread: (sid) => reread.push(sid) });

  const pending = actions.cancelScheduled("SM1");
  assert.deepEqual(store.get().cancels.SM1, { busy: true });
  await pending;
  assert.deepEqual([posted, reread, store.get().cancels.SM1], [["SM1"], ["SM1"], { error: "" }]);

  answer = () => {
    throw new ApiError("Only a text that is still scheduled can be canceled.", { status: 409, twilioCode: 30409 });
  };
  await actions.cancelScheduled("SM2");
  assert.equal(store.get().cancels.SM2.error, "Only a text that is still scheduled can be canceled.");
  assert.deepEqual(reread, ["SM1", "SM2"]);

  actions.toggleLater(true);
  assert.deepEqual(store.get().composer, { later: true, laterDate: "2025-12-04", laterTime: "09:00" });
});
