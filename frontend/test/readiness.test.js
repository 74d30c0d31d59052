import assert from "node:assert/strict";
import { test } from "node:test";
import { byNumber, sendWarning } from "../src/readiness.js";

const BLOCKED = { phoneNumber: "+15550100002", verdict: "blocked", warn: true, text: "US texts will be blocked." };
const READY = { phoneNumber: "+15550100001", verdict: "ready", warn: false, text: "Ready for US texting." };

test("verdicts are indexed by practice number", () => {
  assert.deepEqual(Object.keys(byNumber([READY, BLOCKED])), ["+15550100001", "+15550100002"]);
  assert.deepEqual(byNumber(undefined), {});
});

test("the Send tab warns only from a number that is not ready, to a US number", () => {
  const ready = byNumber([READY, BLOCKED]);
  assert.equal(sendWarning(ready, BLOCKED.phoneNumber, "+15550123456"), "US texts will be blocked.");
  assert.equal(sendWarning(ready, BLOCKED.phoneNumber, "+447700900123"), "");
  assert.equal(sendWarning(ready, READY.phoneNumber, "+15550123456"), "");
  assert.equal(sendWarning({}, BLOCKED.phoneNumber, "+15550123456"), "");
  assert.equal(sendWarning(undefined, BLOCKED.phoneNumber, ""), "");
});
