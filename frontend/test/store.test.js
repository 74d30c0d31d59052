import assert from "node:assert/strict";
import { test } from "node:test";
import {
  applyDeleted,
  applyMessageEvent,
  applyStatusEvent,
  applyThreadAnswer,
  createStore,
  draftSignature,
  emptyThread,
  inboundArrived,
  logMessages,
  mergeMessage,
  resolvedSend,
  screenChanged,
  sentBubble,
  statusRules,
} from "../src/store.js";
import { shared } from "./python.js";

const rules = statusRules(shared);
const message = (sid, status, extra = {}) => ({
  sid,
  status,
  direction: "outbound",
  body: `body ${sid}`,
  created: "2026-12-01T10:00:00+00:00",
  ...extra,
});

test("a status only moves forward, as constants/statuses.py says", () => {
  assert.ok(rules.advances("queued", "sent"));
  assert.ok(rules.advances("accepted", "queued"));
  assert.ok(rules.advances("unknown", "queued"));
  assert.ok(rules.advances("delivered", "read"));
  assert.ok(!rules.advances("delivered", "sent"));
  assert.ok(!rules.advances("failed", "delivered"), "a final status stays");
  assert.ok(!rules.advances("sent", "sent"));
  assert.ok(rules.isFinal("undelivered") && !rules.isFinal("sent"));
});

test("merging keeps the more advanced status with its error code", () => {
  const known = message("SM1", "failed", { errorCode: 30003, errorExplanation: "unreachable", sentBy: "Ana" });
  const merged = mergeMessage(rules, known, message("SM1", "sent", { errorCode: null, sentBy: null }));
  assert.equal(merged.status, "failed");
  assert.equal(merged.errorCode, 30003);
  assert.equal(merged.sentBy, "Ana");
  assert.equal(mergeMessage(rules, message("SM1", "sent"), message("SM1", "delivered")).status, "delivered");
});

test("a deleted message stays deleted, body and media gone, whatever arrives later", () => {
  const thread = { ...emptyThread(), loaded: true, messages: [message("SM1", "delivered", { mediaCount: 2 })] };
  const deleted = applyDeleted(thread, "SM1");
  assert.deepEqual(
    [deleted.messages[0].deleted, deleted.messages[0].body, deleted.messages[0].mediaCount],
    [true, "", 0],
  );
  const again = applyMessageEvent(rules, deleted, message("SM1", "delivered")).thread;
  assert.equal(again.messages[0].body, "");
  assert.equal(applyDeleted(thread, "SM9"), thread, "an unknown sid changes nothing");
});

test("the thread answer is merged oldest first and only new inbound texts count as arrived", () => {
  const first = applyThreadAnswer(rules, emptyThread(), {
    patient: { firstName: "Maria" },
    phones: [{ number: "+15550123456" }],
    messages: [message("SM2", "sent", { created: "2026-12-01T11:00:00Z" }), message("SM1", "delivered")],
    quickReplies: [{ name: "Hi", text: "Hello" }, { name: "broken" }],
  });
  assert.deepEqual(first.arrived, [], "the first load is not an arrival");
  assert.deepEqual(
    first.thread.messages.map((item) => item.sid),
    ["SM1", "SM2"],
  );
  assert.equal(first.thread.quickReplies.length, 1);
  const inbound = message("SM3", "received", { direction: "inbound", created: "2026-12-01T12:00:00Z" });
  const second = applyThreadAnswer(rules, first.thread, {
    messages: [message("SM1", "delivered"), message("SM2", "queued"), inbound],
  });
  assert.deepEqual(second.arrived, ["SM3"]);
  assert.equal(second.thread.messages[1].status, "sent", "an older answer does not move a status back");
});

test("a bubble from a send answer survives a thread answer that does not have it yet", () => {
  const thread = { ...emptyThread(), loaded: true };
  const answer = { message: { sid: "SM7", status: "queued", from: "+15550100001", to: "+15550123456" } };
  const withBubble = applyMessageEvent(rules, thread, sentBubble({ ...answer, clientRequestId: "key-0001" }, "hi"));
  const reloaded = applyThreadAnswer(rules, withBubble.thread, { messages: [] }).thread;
  assert.deepEqual(
    reloaded.messages.map((item) => item.sid),
    ["SM7"],
  );
  const arrived = applyThreadAnswer(rules, reloaded, { messages: [message("SM7", "delivered")] }).thread;
  assert.equal(arrived.messages.length, 1);
  assert.equal(arrived.messages[0].localOnly, false);
});

test("an unknown send is replaced by its resolution, matched by clientRequestId", () => {
  const thread = { ...emptyThread(), loaded: true };
  const unknown = sentBubble(
    {
      message: { sid: null, status: "unknown", from: "+15550100001", to: "+15550123456" },
      clientRequestId: "draft-1234",
      notice: "may have been sent",
    },
    "Your results are in",
  );
  const pending = applyMessageEvent(rules, thread, unknown).thread;
  assert.equal(resolvedSend(pending, "draft-1234"), null);
  const resolved = applyMessageEvent(rules, pending, {
    ...message("SM5", "sent"),
    clientRequestId: "draft-1234",
  });
  assert.equal(resolved.isNew, false);
  assert.equal(resolved.thread.messages.length, 1);
  assert.equal(resolved.thread.messages[0].sid, "SM5");
  assert.equal(resolvedSend(resolved.thread, "draft-1234").status, "sent");
});

test("status events apply to known messages and ask for a reload otherwise", () => {
  const thread = { ...emptyThread(), loaded: true, messages: [message("SM1", "sent")] };
  const known = applyStatusEvent(rules, thread, { sid: "SM1", status: "undelivered", errorCode: 30003 });
  assert.equal(known.known, true);
  assert.equal(known.thread.messages[0].errorCode, 30003);
  assert.equal(applyStatusEvent(rules, thread, { sid: "SM9", status: "sent" }).known, false);
});

test("texts arriving off screen are fresh and unseen until the thread shows", () => {
  const thread = { ...emptyThread(), loaded: true };
  assert.deepEqual(inboundArrived(thread, ["SM1"], true), { thread, read: true });
  const off = inboundArrived(thread, ["SM1"], false);
  assert.equal(off.read, false);
  assert.deepEqual([off.thread.fresh, off.thread.unseen], [["SM1"], true]);
  const shown = screenChanged(off.thread, true);
  assert.equal(shown.read, true);
  assert.deepEqual([shown.thread.fresh, shown.thread.unseen], [["SM1"], false]);
  const away = screenChanged(shown.thread, false);
  assert.deepEqual(away.thread.fresh, [], "seen: the New divider goes when the clinician looks away");
});

test("the idempotency signature ignores the key and the consent confirmation", () => {
  const payload = { numberTo: "+15550123456", text: "hi", mediaUrl: [], clientRequestId: "a" };
  assert.equal(draftSignature(payload), draftSignature({ ...payload, clientRequestId: "b", confirmNoConsent: true }));
  assert.notEqual(draftSignature(payload), draftSignature({ ...payload, text: "hi!" }));
});

test("the Log lists a message once, newest first", () => {
  const pages = [
    { sid: "SM1", sent: "2026-12-01T10:00:00Z" },
    { sid: "SM2", sent: "2026-12-02T10:00:00Z" },
    { sid: "SM1", sent: "2026-12-01T10:00:00Z" },
  ];
  assert.deepEqual(
    logMessages(pages).map((item) => item.sid),
    ["SM2", "SM1"],
  );
});

test("the store notifies on change only", () => {
  const store = createStore({ count: 0 });
  const seen = [];
  store.subscribe((state) => seen.push(state.count));
  store.update((state) => ({ count: state.count + 1 }));
  store.update((state) => state);
  assert.deepEqual(seen, [1]);
});
