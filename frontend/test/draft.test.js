import assert from "node:assert/strict";
import { test } from "node:test";
import { describeDraft, OTHER } from "../src/draft.js";
import { formatPhone } from "../src/format.js";
import { segmentCounter } from "../src/segments.js";
import { draftSignature, emptyThread } from "../src/store.js";
import { shared } from "./python.js";

const MAIN = { sid: "PN1", phoneNumber: "+15550100001", label: "Main line", capabilities: { sms: true, mms: true } };
const MOBILE = "+15550123456";
const tools = {
  count: segmentCounter(shared.segments),
  e164: new RegExp(shared.e164Pattern),
  limits: shared.limits,
  fmt: { phone: formatPhone, practiceLabel: (number, short) => (short ? "Main line" : number) },
};

function state({
  composer = {},
  phones = [{ number: MOBILE, use: "mobile", hasConsent: true }],
  isAdmin = false,
} = {}) {
  return {
    config: { patientId: "p1", isAdmin },
    phones: { list: [MAIN] },
    thread: { ...emptyThread(), loaded: true, patient: { firstName: "Maria" }, phones },
    composer: {
      fromSid: "PN1",
      choice: MOBILE,
      toText: "",
      text: "Hello",
      callback: "https://elsewhere.example/cb",
      sending: false,
      fieldError: null,
      unknown: null,
      ...composer,
    },
  };
}

test("a ready draft may be sent and posts the chart's number and patient", () => {
  const draft = describeDraft(state(), tools);
  assert.equal(draft.canSend, true);
  assert.deepEqual(draft.payload, {
    numberFrom: "+15550100001",
    numberFromSid: "PN1",
    numberTo: MOBILE,
    text: "Hello",
    patientId: "p1",
  });
  assert.equal(draft.counter.text, "5/1600 characters · GSM-7 · 1 segment");
});

test("only administrators send a status callback URL", () => {
  assert.equal(describeDraft(state(), tools).payload.callbackUrl, undefined);
  assert.equal(describeDraft(state({ isAdmin: true }), tools).payload.callbackUrl, "https://elsewhere.example/cb");
});

test("sending is off while a send is on its way, and for a draft that may have been sent", () => {
  assert.equal(describeDraft(state({ composer: { sending: true } }), tools).canSend, false);
  const payload = describeDraft(state(), tools).payload;
  const pending = { key: "k-123456", signature: draftSignature(payload) };
  const blocked = describeDraft(state({ composer: { unknown: pending } }), tools);
  assert.equal(blocked.blocked, true);
  assert.equal(blocked.canSend, false);
});

test("a typed number is checked, normalised and judged", () => {
  const typed = describeDraft(state({ composer: { choice: OTHER, toText: "(555) 017-7777" } }), tools);
  assert.equal(typed.number, "+15550177777");
  assert.match(typed.recipientLine.text, /not on this patient's chart/);
  const bad = describeDraft(state({ composer: { choice: OTHER, toText: "12" } }), tools);
  assert.equal(bad.canSend, false);
  assert.match(bad.recipientLine.text, /Not a valid number/);
});

test("the chart's opt-out refuses and too long stops the send", () => {
  const refused = describeDraft(state({ phones: [{ number: MOBILE, optedOut: true }] }), tools);
  assert.equal(refused.recipientLine.refused, true);
  assert.equal(refused.canSend, false);
  const long = describeDraft(state({ composer: { text: "a".repeat(1601) } }), tools);
  assert.deepEqual([long.counter.over, long.canSend], [true, false]);
});

test("attachments alone may be sent and post their ids; not from a number without MMS, nor while uploading", () => {
  const files = [{ id: "0123456789abcdef", name: "sheet.pdf", size: 4, contentType: "application/pdf" }];
  const attached = describeDraft(state({ composer: { text: "", files } }), tools);
  assert.equal(attached.canSend, true);
  assert.deepEqual(attached.payload.attachmentIds, ["0123456789abcdef"]);
  assert.equal(describeDraft(state({ composer: { text: "" } }), tools).canSend, false);
  assert.equal(describeDraft(state({ composer: { files, attaching: true } }), tools).canSend, false);
  const smsOnly = state({ composer: { files } });
  smsOnly.phones.list = [{ ...MAIN, capabilities: { sms: true, mms: false } }];
  const refused = describeDraft(smsOnly, tools);
  assert.match(refused.mediaProblem, /no MMS/);
  assert.equal(refused.canSend, false);
});
