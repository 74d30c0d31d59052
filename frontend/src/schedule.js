/**
 * Send later and Messaging Services (issue 10). Twilio schedules a text only through a
 * Messaging Service (from a single number it would send at once), within the window Python
 * hands over in `shared.limits`; the clinician picks a wall-clock time in the practice's zone.
 * A Messaging Service as From lets Twilio pick the number. The server checks it all again.
 */
import { DAY_MS, dateIn, instantsOf, readable } from "./zoned.js";

const MINUTE_MS = 60_000;

/** The account's Messaging Services that hold a number (GET /phone_readiness `services`). */
export const usableServices = (services) => (services || []).filter((item) => item.numbers?.length);

/**
 * The From choice (`composer.fromSid`): a practice number, or a Messaging Service shaped like one,
 * whose `phoneNumber` is the number the checks use (one `to` opted out of, else its first).
 */
export function pickSender(state, senders, to) {
  const sid = state.composer.fromSid;
  const service = (state.services || []).find((item) => item.sid === sid);
  if (!service) return senders.find((phone) => phone.sid === sid) || null;
  const stopped = state.thread.phones.find((phone) => phone.number === to)?.optedOutFrom || [];
  return {
    sid,
    service,
    phoneNumber: service.numbers.find((number) => stopped.includes(number)) || service.numbers[0],
    capabilities: {
      sms: true,
      mms: senders.some((phone) => service.numbers.includes(phone.phoneNumber) && phone.capabilities.mms),
    },
  };
}

/** The payload's sender fields: a service sid (Twilio picks the number) or the number. */
export const senderFields = (sender) =>
  sender?.service
    ? { messagingServiceSid: sender.sid }
    : { numberFrom: sender?.phoneNumber || "", numberFromSid: sender?.sid || "" };

/** "Thu 4 Dec, 9:00 AM EST (Thu 4 Dec, 2:00 PM UTC)". */
export const zoneAndUtc = (ms, zone) => `${readable(ms, zone)} (${readable(ms, "UTC")})`;

/** The window as instants: [earliest, latest] from `now`. */
export const windowOf = (now, limits) => [
  now + limits.scheduleMinAheadMinutes * MINUTE_MS,
  now + limits.scheduleMaxAheadDays * DAY_MS,
];

/**
 * Send later judged, or null when it is off: {sendAt (UTC ISO), ms, line, problem}. `problem`
 * stops the send; `line` says when it goes, in the zone and in UTC.
 */
export function judgeLater(composer, zone, now, limits) {
  if (!composer.later) return null;
  const [year, month, day] = String(composer.laterDate).split("-").map(Number);
  const [hour, minute] = String(composer.laterTime).split(":").map(Number);
  const found = day >= 0 && minute >= 0 ? instantsOf({ year, month, day, hour, minute }, zone) : null;
  const [first, last] = windowOf(now, limits);
  const ms = found?.[0];
  const problem = !found
    ? "Pick a date and a time."
    : !found.length
      ? `The clocks go forward that night: ${composer.laterTime} does not exist.`
      : ms < first
        ? `Pick a time at least ${limits.scheduleMinAheadMinutes} minutes from now.`
        : ms > last
          ? `Pick a time at most ${limits.scheduleMaxAheadDays} days from now.`
          : "";
  if (problem) return { problem };
  const twice = found.length > 1 ? " The clocks go back that night: the first of the two." : "";
  return { sendAt: new Date(ms).toISOString(), ms, line: `Sends ${zoneAndUtc(ms, zone)}.${twice}`, problem };
}

/**
 * The scheduling actions: Send later on/off and its time, and Cancel of a scheduled text (thread
 * or Log). `reread(sid)` re-reads what shows the text (the thread, the Log's detail) afterwards.
 */
export function scheduleActions({ store, api, merge, patch, reread }) {
  return {
    toggleLater(later) {
      const { composer, config, now } = store.get();
      const laterDate = composer.laterDate || dateIn(now + DAY_MS, config.zone); // tomorrow, 9:00
      merge("composer", { later, laterDate, laterTime: composer.laterTime || "09:00" });
    },
    editLater(name, value) {
      merge("composer", { [name]: value });
    },
    async cancelScheduled(sid) {
      patch("cancels", (all) => ({ ...all, [sid]: { busy: true } }));
      let error = "";
      try {
        await api.cancelMessage(sid);
      } catch (refusal) {
        error = refusal.message;
      }
      patch("cancels", (all) => ({ ...all, [sid]: { error } }));
      reread(sid);
    },
  };
}
