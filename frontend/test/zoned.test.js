import assert from "node:assert/strict";
import { test } from "node:test";
import { dateIn, instantsOf, knownZone, offsetAt, readable } from "../src/zoned.js";
import { runPython } from "./python.js";

const NY = "America/New_York";
const wall = (text) => {
  const [date, time] = text.split(" ");
  const [year, month, day] = date.split("-").map(Number);
  const [hour, minute] = time.split(":").map(Number);
  return { year, month, day, hour, minute };
};
const iso = (list) => list.map((ms) => new Date(ms).toISOString());

test("a winter and a summer time in New York name one instant each", () => {
  assert.deepEqual(iso(instantsOf(wall("2025-12-04 09:00"), NY)), ["2025-12-04T14:00:00.000Z"]);
  assert.deepEqual(iso(instantsOf(wall("2026-07-01 09:00"), NY)), ["2026-07-01T13:00:00.000Z"]);
  assert.equal(offsetAt(Date.parse("2025-12-04T14:00:00Z"), NY), -300);
  assert.equal(offsetAt(Date.parse("2026-07-01T13:00:00Z"), NY), -240);
});

test("a time skipped when the clocks go forward names no instant; either side of it, one", () => {
  assert.deepEqual(instantsOf(wall("2026-03-08 02:30"), NY), []);
  assert.deepEqual(iso(instantsOf(wall("2026-03-08 01:59"), NY)), ["2026-03-08T06:59:00.000Z"]);
  assert.deepEqual(iso(instantsOf(wall("2026-03-08 03:00"), NY)), ["2026-03-08T07:00:00.000Z"]);
});

test("a time repeated when the clocks go back names two instants, the first (EDT) first", () => {
  const both = instantsOf(wall("2026-11-01 01:30"), NY);

  assert.deepEqual(iso(both), ["2026-11-01T05:30:00.000Z", "2026-11-01T06:30:00.000Z"]);
  assert.deepEqual(
    both.map((ms) => offsetAt(ms, NY)),
    [-240, -300],
  );
  assert.deepEqual(
    both.map((ms) => readable(ms, NY)),
    ["Sun 1 Nov, 1:30 AM EDT", "Sun 1 Nov, 1:30 AM EST"],
  );
  assert.deepEqual(iso(instantsOf(wall("2026-11-01 02:00"), NY)), ["2026-11-01T07:00:00.000Z"]);
});

test("half-hour shifts and offsets: Lord Howe Island's DST, India's +05:30", () => {
  const lordHowe = "Australia/Lord_Howe";
  assert.deepEqual(instantsOf(wall("2025-10-05 02:15"), lordHowe), []);
  assert.equal(instantsOf(wall("2026-04-05 01:45"), lordHowe).length, 2);
  const [kolkata] = instantsOf(wall("2025-12-04 09:00"), "Asia/Kolkata");
  assert.equal(offsetAt(kolkata, "Asia/Kolkata"), 330);
  assert.equal(new Date(kolkata).toISOString(), "2025-12-04T03:30:00.000Z");
});

test("the date input's value and the words shown, in the zone and in UTC", () => {
  const ms = Date.parse("2025-12-04T14:00:00Z");

  assert.equal(dateIn(ms, NY), "2025-12-04");
  assert.equal(dateIn(Date.parse("2025-12-05T02:30:00Z"), NY), "2025-12-04"); // 9:30 PM the day before
  assert.equal(readable(ms, NY), "Thu 4 Dec, 9:00 AM EST");
  assert.equal(readable(ms, "UTC"), "Thu 4 Dec, 2:00 PM UTC");
});

test("every half hour of the days the clocks change, the instants agree with Python's zoneinfo", () => {
  const zones = [NY, "Europe/London", "Australia/Lord_Howe"];
  const days = { [NY]: ["2026-03-08", "2026-11-01"], "Europe/London": ["2026-03-29", "2026-10-25"] };
  days["Australia/Lord_Howe"] = ["2025-10-05", "2026-04-05"];
  const cases = zones.flatMap((zone) =>
    days[zone].flatMap((day) =>
      Array.from({ length: 48 }, (_, half) => [
        zone,
        `${day} ${String(half >> 1).padStart(2, "0")}:${half % 2 ? 30 : "00"}`,
      ]),
    ),
  );
  const python = runPython(
    [
      "import json, sys",
      "from datetime import datetime, UTC",
      "from zoneinfo import ZoneInfo",
      "out = []",
      "for zone, text in json.load(sys.stdin):",
      "    naive = datetime.fromisoformat(text)",
      "    found = {datetime(*naive.timetuple()[:6], tzinfo=ZoneInfo(zone), fold=fold).astimezone(UTC) for fold in (0, 1)}",
      "    real = sorted(t for t in found if t.astimezone(ZoneInfo(zone)).replace(tzinfo=None) == naive)",
      "    out.append([t.strftime('%Y-%m-%dT%H:%M:%S.000Z') for t in real])",
      "print(json.dumps(out))",
    ].join("\n"),
    JSON.stringify(cases),
  );

  assert.deepEqual(
    cases.map(([zone, text]) => iso(instantsOf(wall(text), zone))),
    python,
  );
  assert.ok(python.some((list) => list.length === 0) && python.some((list) => list.length === 2));
});

test("a zone this browser does not know, or none, falls back to UTC", () => {
  assert.equal(knownZone("America/Chicago"), "America/Chicago");
  assert.equal(knownZone("Mars/Olympus_Mons"), "UTC");
  assert.equal(knownZone(undefined), "UTC");
});
