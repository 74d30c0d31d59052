/**
 * Wall-clock times in a named time zone (IANA, e.g. the practice's) and the instants they name.
 * Intl says what a zone's clock reads at an instant; the way back tries the offsets in force a
 * day either side of the wanted time, so a time the clocks skip (spring forward) names no instant
 * and a time they repeat (fall back) names two. Pure: the browser's own zone never matters.
 */

const MINUTE_MS = 60_000;
export const DAY_MS = 1440 * MINUTE_MS;
const clocks = {};

/** `zone` when this browser knows it (Python's tzdata may be newer), else "UTC". */
export function knownZone(zone) {
  try {
    return (zone && new Intl.DateTimeFormat("en-US", { timeZone: zone }) && zone) || "UTC";
  } catch {
    return "UTC";
  }
}

/** What the clock in `zone` reads at `ms`: {year, month, day, hour, minute, second} (numbers). */
export function wallClock(ms, zone) {
  clocks[zone] ||= new Intl.DateTimeFormat("en-US", {
    ...{ year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric" },
    hourCycle: "h23",
    timeZone: zone,
  });
  const wall = {};
  for (const { type, value } of clocks[zone].formatToParts(ms)) wall[type] = Number(value);
  return wall;
}

const asUtc = (wall) => Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second || 0);

/** Minutes `zone` is ahead of UTC at `ms` (New York: -300 in winter, -240 in summer). */
export const offsetAt = (ms, zone) => Math.round((asUtc(wallClock(ms, zone)) - ms) / MINUTE_MS);

/**
 * The instants at which the clock in `zone` reads `wall` ({year, month, day, hour, minute}),
 * earliest first: one, none in a spring-forward gap, two in a fall-back overlap.
 */
export function instantsOf(wall, zone) {
  const naive = asUtc({ ...wall, second: 0 });
  const offsets = new Set([-DAY_MS, 0, DAY_MS].map((shift) => offsetAt(naive + shift, zone)));
  return [...offsets]
    .map((offset) => naive - offset * MINUTE_MS)
    .filter((ms) => offsetAt(ms, zone) * MINUTE_MS === naive - ms)
    .sort((a, b) => a - b);
}

/** The date input's value for `ms` in `zone`: "2025-12-04". */
export function dateIn(ms, zone) {
  const wall = wallClock(ms, zone);
  return [wall.year, wall.month, wall.day].map((part) => String(part).padStart(2, "0")).join("-");
}

/** "Thu 4 Dec, 9:00 AM EST" (`zone` "UTC": "Thu 4 Dec, 2:00 PM UTC"). */
export function readable(ms, zone) {
  const format = new Intl.DateTimeFormat("en-US", {
    ...{ weekday: "short", day: "numeric", month: "short", hour: "numeric", minute: "2-digit" },
    timeZone: zone,
    timeZoneName: "short",
  });
  const part = Object.fromEntries(format.formatToParts(ms).map(({ type, value }) => [type, value]));
  return `${part.weekday} ${part.day} ${part.month}, ${part.hour}:${part.minute} ${part.dayPeriod} ${part.timeZoneName}`;
}
