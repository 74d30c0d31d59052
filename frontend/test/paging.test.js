import assert from "node:assert/strict";
import { test } from "node:test";
import { createApi } from "../src/api.js";
import {
  applyEarlierAnswer,
  applyMessageEvent,
  applyThreadAnswer,
  emptyThread,
  olderKnown,
  sentBubble,
  statusRules,
} from "../src/store.js";
import { shared } from "./python.js";

const rules = statusRules(shared);
const at = (minute) => `2026-12-01T10:${String(minute).padStart(2, "0")}:00+00:00`;
const text = (n, extra = {}) => ({
  sid: `SM${n}`,
  status: "delivered",
  direction: "outbound",
  created: at(n),
  ...extra,
});
const sids = (thread) => thread.messages.map((message) => message.sid);
const range = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => text(from + i));

function opened(messages, earlierCursor) {
  return applyThreadAnswer(rules, emptyThread(), { messages, earlierCursor }).thread;
}

test("the first page brings its earlier cursor; an earlier page goes on top with the next one", () => {
  const first = opened(range(10, 12), "c10");
  assert.equal(first.earlier, "c10");

  const loading = { ...first, loadingEarlier: true };
  const both = applyEarlierAnswer(loading, { messages: range(7, 9), earlierCursor: "c7" });

  assert.deepEqual(sids(both), ["SM7", "SM8", "SM9", "SM10", "SM11", "SM12"]);
  assert.equal(both.earlier, "c7");
  assert.equal(both.loadingEarlier, false);
  assert.equal(applyEarlierAnswer(both, { messages: range(5, 6), earlierCursor: null }).earlier, null);
});

test("an earlier page never doubles a message the thread holds (a live status stays)", () => {
  const first = opened([text(10, { status: "read" }), text(11)], "c10");

  const both = applyEarlierAnswer(first, { messages: [text(9), text(10)], earlierCursor: null });

  assert.deepEqual(sids(both), ["SM9", "SM10", "SM11"]);
  assert.equal(both.messages[1].status, "read");
});

test("re-reading the first page keeps the earlier pages already read and their cursor", () => {
  const first = opened(range(10, 12), "c10");
  const both = applyEarlierAnswer(first, { messages: range(7, 9), earlierCursor: "c7" });

  // A new text pushed SM10 off the first page: it stays, and so does the oldest cursor.
  const again = applyThreadAnswer(rules, both, { messages: range(11, 13), earlierCursor: "c11" }).thread;

  assert.deepEqual(sids(again), ["SM7", "SM8", "SM9", "SM10", "SM11", "SM12", "SM13"]);
  assert.equal(again.earlier, "c7");
});

test("without earlier pages, a re-read takes the first page's cursor", () => {
  const first = opened(range(10, 12), "c10");

  const again = applyThreadAnswer(rules, first, { messages: range(10, 12), earlierCursor: "c10b" }).thread;

  assert.deepEqual(sids(again), ["SM10", "SM11", "SM12"]);
  assert.equal(again.earlier, "c10b");
});

test("a bubble only this page knows is newer than the first page and is not kept as older", () => {
  const first = opened(range(10, 11), null);
  const bubble = sentBubble({ message: { sid: "SM99", status: "queued" }, clientRequestId: "k-1234567" }, "hi");
  const withBubble = applyMessageEvent(rules, first, { ...bubble, created: at(30) }).thread;

  assert.deepEqual(olderKnown(withBubble.messages, range(10, 11)), []);
  const again = applyThreadAnswer(rules, withBubble, { messages: range(10, 11), earlierCursor: null }).thread;
  assert.deepEqual(sids(again), ["SM10", "SM11", "SM99"]);
});

test("an empty first page keeps nothing as older", () => {
  assert.deepEqual(olderKnown(range(1, 3), []), []);
});

test("the thread routes carry the cursor as a query parameter", async () => {
  const calls = [];
  const api = createApi({
    fetch: async (url) => {
      calls.push(url);
      return { ok: true, status: 200, statusText: "", text: async () => "{}" };
    },
  });
  await api.thread("p1", { cursor: "17.4" });
  await api.thread("p1", { markRead: false, cursor: "17.4" });
  await api.thread("p1");
  await api.numberThread("number:+15550177777", "17.4");
  assert.deepEqual(calls, [
    "/plugin-io/api/twilio_sms_mms/patients/p1/thread?cursor=17.4",
    "/plugin-io/api/twilio_sms_mms/patients/p1/thread?markRead=0&cursor=17.4",
    "/plugin-io/api/twilio_sms_mms/patients/p1/thread",
    "/plugin-io/api/twilio_sms_mms/inbox/conversations/number%3A%2B15550177777/thread?cursor=17.4",
  ]);
});
