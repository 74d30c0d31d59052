import assert from "node:assert/strict";
import { test } from "node:test";
import { callingCode, describeChar, formatPhone, normalisePhone, plural, relativeTime } from "../src/format.js";

test("NANP numbers read as a clinician writes them; others in international spacing", () => {
  assert.equal(formatPhone("+15550123456"), "(555) 012-3456");
  assert.equal(formatPhone("+15550123456", "44"), "+1 (555) 012-3456");
  assert.equal(formatPhone("+442079460958"), "+44 207 946 0958");
  assert.equal(formatPhone("+353861234567"), "+353 861 234 567");
  assert.equal(formatPhone("not a number"), "not a number");
  assert.equal(callingCode("+4915112345678"), "49");
  assert.equal(callingCode("+79161234567"), "7");
});

test("typed numbers become E.164 when they can", () => {
  assert.equal(normalisePhone("(555) 017-7777"), "+15550177777");
  assert.equal(normalisePhone("1 555 017 7777"), "+15550177777");
  assert.equal(normalisePhone("+44 20 7946 0958"), "+442079460958");
  assert.equal(normalisePhone("call me"), "call me");
});

test("times are relative to now", () => {
  const now = new Date(2026, 11, 3, 14, 30);
  const at = (...parts) => new Date(...parts).toISOString();
  assert.equal(relativeTime(at(2026, 11, 3, 14, 29, 40), now, "en-US"), "just now");
  assert.equal(relativeTime(at(2026, 11, 3, 14, 28), now, "en-US"), "2 min ago");
  assert.equal(relativeTime(at(2026, 11, 3, 9, 5), now, "en-US"), "Today 09:05");
  assert.equal(relativeTime(at(2026, 11, 2, 14, 5), now, "en-US"), "Yesterday 14:05");
  assert.equal(relativeTime(at(2026, 10, 26, 8, 0), now, "en-US"), "Nov 26, 08:00");
  assert.equal(relativeTime(at(2025, 10, 26, 8, 0), now, "en-US"), "Nov 26, 2025");
  assert.equal(relativeTime("", now), "");
  assert.equal(relativeTime("garbage", now), "garbage");
});

test("small words", () => {
  assert.equal(plural(1, "segment"), "1 segment");
  assert.equal(plural(2, "segment"), "2 segments");
  assert.equal(describeChar("“"), "The character “ (U+201C)");
  assert.equal(describeChar("\u00a0"), "An invisible character (U+00A0)");
});
