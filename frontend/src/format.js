/**
 * Display formatting: phone numbers, times, sizes, counts. Pure functions, no DOM.
 */

// Country calling codes of one and two digits (ITU E.164); every other code has three.
const ONE_DIGIT_CODES = new Set(["1", "7"]);
const TWO_DIGIT_CODES = new Set(
  (
    "20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 " +
    "60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98"
  ).split(" "),
);

/** The calling code of an E.164 number ("1", "44", "353"), or "" when it is not E.164. */
export function callingCode(e164) {
  const digits = /^\+(\d{7,15})$/.exec(String(e164 || ""));
  if (!digits) return "";
  const all = digits[1];
  if (ONE_DIGIT_CODES.has(all.slice(0, 1))) return all.slice(0, 1);
  if (TWO_DIGIT_CODES.has(all.slice(0, 2))) return all.slice(0, 2);
  return all.slice(0, 3);
}

/**
 * A number as a clinician reads it. NANP numbers in national format "(555) 012-3456" when
 * the practice is in NANP too; any other number "+44 207 946 0958". Not E.164: unchanged.
 */
export function formatPhone(e164, practiceCode = "1") {
  const text = String(e164 ?? "");
  const code = callingCode(text);
  if (!code) return text;
  const national = text.slice(1 + code.length);
  if (code === "1" && national.length === 10) {
    const local = `(${national.slice(0, 3)}) ${national.slice(3, 6)}-${national.slice(6)}`;
    return practiceCode === "1" ? local : `+1 ${local}`;
  }
  return `+${code} ${groupDigits(national)}`;
}

/** "2079460958" -> "207 946 0958": threes, the last group four digits when that fits. */
function groupDigits(digits) {
  const groups = [];
  let rest = digits;
  while (rest.length > 4) {
    groups.push(rest.slice(0, 3));
    rest = rest.slice(3);
  }
  if (rest) groups.push(rest);
  return groups.join(" ");
}

/** "(555) 012-3456", "555.012.3456" or "+44 20 7946 0958" typed by a clinician, as E.164 if it can be. */
export function normalisePhone(raw) {
  const typed = String(raw ?? "").trim();
  if (!/^[\d\s().+-]+$/.test(typed)) return typed;
  const digits = typed.replace(/\D/g, "");
  if (typed.startsWith("+")) return `+${digits}`;
  if (digits.length === 10) return `+1${digits}`;
  if (digits.length === 11 && digits.startsWith("1")) return `+${digits}`;
  return typed;
}

export function plural(count, word) {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

export function formatSize(bytes) {
  if (typeof bytes !== "number") return "";
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

const MINUTE = 60_000;
const clock = (date, locale) =>
  date.toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
const startOfDay = (date) => new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();

/**
 * "just now", "2 min ago", "Today 14:05", "Yesterday 14:05", "Mon 14:05", "Nov 26, 14:05",
 * "Nov 26, 2025". `now` is a Date; `locale` is for tests (the page uses the browser's).
 */
export function relativeTime(iso, now = new Date(), locale = undefined) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  const ago = now.getTime() - date.getTime();
  if (ago >= 0 && ago < 45_000) return "just now";
  if (ago >= 0 && ago < 60 * MINUTE) return `${Math.max(1, Math.round(ago / MINUTE))} min ago`;
  const days = Math.round((startOfDay(now) - startOfDay(date)) / (24 * 60 * MINUTE));
  if (days === 0) return `Today ${clock(date, locale)}`;
  if (days === 1) return `Yesterday ${clock(date, locale)}`;
  if (days > 1 && days < 7) {
    return `${date.toLocaleDateString(locale, { weekday: "short" })} ${clock(date, locale)}`;
  }
  if (date.getFullYear() === now.getFullYear()) {
    return `${date.toLocaleDateString(locale, { month: "short", day: "numeric" })}, ${clock(date, locale)}`;
  }
  return date.toLocaleDateString(locale, { month: "short", day: "numeric", year: "numeric" });
}

/** The full date and time, for a title or the message detail. */
export function fullTime(iso, locale = undefined) {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return date.toLocaleString(locale, { dateStyle: "full", timeStyle: "medium", hourCycle: "h23" });
}

/** "The character “ (U+201C)" or "An invisible character (U+00A0)". */
export function describeChar(ch) {
  const code = ch.codePointAt(0).toString(16).toUpperCase().padStart(4, "0");
  return /\s/.test(ch) ? `An invisible character (U+${code})` : `The character ${ch} (U+${code})`;
}
