/**
 * The segment counter: how Twilio encodes a body and how many segments it bills. The tables and
 * sizes come from the page's `shared.segments` (services/segments.py holds the same rule):
 * GSM-7 counts septets (an extension character takes two), one character outside GSM-7 makes the
 * body UCS-2 (UTF-16 code units, a surrogate pair takes two), and no character is ever split
 * across two segments.
 */

/** A counter for the given tables: `count(text)` -> {encoding, chars, units, segments, perSegment, forcingChar}. */
export function segmentCounter(tables) {
  const basic = new Set(tables.gsm7Basic);
  const extension = new Set(tables.gsm7Extension);
  return function count(text) {
    const characters = [...String(text ?? "")];
    const forcingChar = characters.find((ch) => !basic.has(ch) && !extension.has(ch)) ?? null;
    const gsm = forcingChar === null;
    const sizes = gsm
      ? characters.map((ch) => (extension.has(ch) ? 2 : 1))
      : characters.map((ch) => (ch.codePointAt(0) > 0xffff ? 2 : 1));
    const single = gsm ? tables.gsm7Single : tables.ucs2Single;
    const multi = gsm ? tables.gsm7Multi : tables.ucs2Multi;
    const units = sizes.reduce((sum, size) => sum + size, 0);
    const segments = units === 0 ? 0 : units <= single ? 1 : splitCount(sizes, multi);
    return {
      encoding: gsm ? "GSM-7" : "UCS-2",
      chars: characters.length,
      units,
      segments,
      perSegment: segments > 1 ? multi : single,
      forcingChar,
    };
  };
}

/** Segments needed when no character (of 1 or 2 units) may straddle two segments. */
function splitCount(sizes, capacity) {
  let segments = 1;
  let used = 0;
  for (const size of sizes) {
    if (used + size > capacity) {
      segments += 1;
      used = 0;
    }
    used += size;
  }
  return segments;
}
