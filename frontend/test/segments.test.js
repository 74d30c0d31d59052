import assert from "node:assert/strict";
import { test } from "node:test";
import { segmentCounter } from "../src/segments.js";
import { pythonSegments, shared } from "./python.js";

const count = segmentCounter(shared.segments);
const a = (n) => "a".repeat(n);

test("Twilio's own examples split as Twilio does", () => {
  const cases = [
    ["", "GSM-7", 0],
    [a(160), "GSM-7", 1],
    [a(161), "GSM-7", 2],
    ["€".repeat(80), "GSM-7", 1],
    ["€".repeat(81), "GSM-7", 2],
    // An extension character is never split across two segments.
    [`${a(152)}€${a(152)}`, "GSM-7", 3],
    // Nor is a surrogate pair.
    [`${a(66)}😀${a(66)}`, "UCS-2", 3],
    ["“thanks”", "UCS-2", 1],
    [a(70).replace("a", "é"), "GSM-7", 1],
    [`ü${a(69)}`, "GSM-7", 1],
    [`ğ${a(69)}`, "UCS-2", 1],
    [`ğ${a(70)}`, "UCS-2", 2],
  ];
  for (const [body, encoding, segments] of cases) {
    const counted = count(body);
    assert.equal(counted.encoding, encoding, body);
    assert.equal(counted.segments, segments, `${body.length} chars: ${body.slice(0, 20)}…`);
  }
});

test("the first character outside GSM-7 is named and the count is in characters", () => {
  const counted = count("Hi “Maria”");
  assert.equal(counted.forcingChar, "“");
  assert.equal(counted.chars, 10);
  assert.equal(count("😀").chars, 1);
  assert.equal(count("😀").units, 2);
  assert.equal(count(a(200)).perSegment, 153);
  assert.equal(count(a(20)).perSegment, 160);
});

test("the counter agrees with services/segments.py on a seeded sweep of bodies", () => {
  const alphabet = ["a", "Z", " ", "\n", "€", "^", "{", "|", "é", "Ç", "“", "😀", "ğ", "\u00a0", "~"];
  let seed = 20260;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed;
  };
  const bodies = [];
  for (let index = 0; index < 400; index += 1) {
    const length = next() % 500;
    const gsmOnly = next() % 2 === 0;
    const pool = gsmOnly ? alphabet.slice(0, 11).filter((ch) => ch !== "“") : alphabet;
    let body = "";
    for (let position = 0; position < length; position += 1) body += pool[next() % pool.length];
    bodies.push(body);
  }
  const expected = pythonSegments(bodies);
  bodies.forEach((body, index) => {
    const counted = count(body);
    const actual = { encoding: counted.encoding, units: counted.units, segments: counted.segments };
    assert.deepEqual(actual, expected[index], `body ${index} (${body.length} chars)`);
  });
});
