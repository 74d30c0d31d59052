/**
 * Wall-clock times in a named time zone (IANA, e.g. the practice's) and the instants they name.
 * Intl says what a zone's clock reads at an instant; the way back tries the offsets in force a
 * day either side of the wanted time, so a time the clocks skip (spring forward) names no instant
 * and a time they repeat (fall back) names two. Pure: the browser's own zone never matters.
 */

const MINUTE_MS = 60_000;
export const DAY_MS = 1440 * MINUTE_MS;
const clocks = new Map();

/** What the clock in `zone` reads at `ms`: {year, month, day, hour, minute, second} (numbers). */
export function wallClock(ms, zone) {
  if (!clocks.has(zone)) {
    const numeric = { year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric" };
    clocks.set(
      zone,
      new Intl.DateTimeFormat("en-US", { ...numeric, second: "numeric", hourCycle: "h23", timeZone: zone }),
    );
  }
  const wall = {};
  for (const { type, value } of clocks.get(zone).formatToParts(ms)) wall[type] = Number(value);
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

const two = (number) => String(number).padStart(2, "0");

/** "2025-12-04" and "09:00": the date and time inputs' values for `ms` in `zone`. */
export function inputValues(ms, zone) {
  const wall = wallClock(ms, zone);
  return { date: `${wall.year}-${two(wall.month)}-${two(wall.day)}`, time: `${two(wall.hour)}:${two(wall.minute)}` };
}

/** `ms` as ISO 8601 with `zone`'s offset then: "2025-12-04T09:00:00-05:00". */
export function isoWithOffset(ms, zone) {
  const offset = offsetAt(ms, zone);
  const { date, time } = inputValues(ms, zone);
  const size = Math.abs(offset);
  return `${date}T${time}:00${offset < 0 ? "-" : "+"}${two(Math.floor(size / 60))}:${two(size % 60)}`;
}

/** "Thu 4 Dec, 9:00 AM EST" (`zone` "UTC": "Thu 4 Dec, 2:00 PM UTC"). */
export function readable(ms, zone) {
  const format = new Intl.DateTimeFormat("en-US", {
    weekday: "short",
    day: "numeric",
    month: "short",
    hour: "numeric",
    minute: "2-digit",
    timeZone: zone,
    timeZoneName: "short",
  });
  const part = Object.fromEntries(format.formatToParts(ms).map(({ type, value }) => [type, value]));
  return `${part.weekday} ${part.day} ${part.month}, ${part.hour}:${part.minute} ${part.dayPeriod} ${part.timeZoneName}`;
}
