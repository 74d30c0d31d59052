/**
 * The composer's draft judged as a whole: sender, recipient, what to say about them, the
 * length counter, attachments, whether Send may be pressed, and the payload it would POST.
 * Pure: the composer view draws it, the send action posts it.
 */
import { filesIn, NO_MMS } from "./attachments.js";
import { judgeRecipient } from "./consent.js";
import { normalisePhone, plural } from "./format.js";
import { judgeLater, pickSender, senderFields } from "./schedule.js";
import { draftSignature, resolvedSend } from "./store.js";

export const OTHER = "other";

/** SMS-capable numbers of the account (the From choices). */
export const smsPhones = (phones) => phones.filter((phone) => phone.capabilities?.sms);

/** The To picker's choice, or null when the typed number is used (no chart, Other, not loaded). */
export function chartChoice(state) {
  const { thread, composer, config } = state;
  if (!config.patientId || !thread.loaded || composer.choice === OTHER || !composer.choice) return null;
  return composer.choice;
}

/**
 * Everything the composer shows and sends. `tools`: {count(text) -> segments, e164: RegExp,
 * limits, fmt: {phone, practiceLabel}}.
 */
export function describeDraft(state, tools) {
  const { composer, config, thread } = state;
  const senders = smsPhones(state.phones.list);
  const chosen = chartChoice(state);
  const typed = composer.toText;
  const number = chosen !== null ? chosen : normalisePhone(typed);
  const sender = pickSender(state, senders, number);
  const validNumber = tools.e164.test(number);
  const verdict = validNumber
    ? judgeRecipient(
        {
          hasPatient: Boolean(config.patientId),
          loaded: thread.loaded,
          firstName: thread.patient?.firstName,
          phones: thread.phones,
        },
        number,
        sender ? sender.phoneNumber : "",
        (value, short) => (short ? tools.fmt.practiceLabel(value, true) : tools.fmt.phone(value)),
      )
    : { refusal: "", notice: "" };
  const recipientLine = describeRecipient({ chosen, typed, number, validNumber, verdict, composer, tools });

  const counted = tools.count(composer.text);
  const max = tools.limits.bodyMaxChars;
  const files = filesIn(composer);
  const mediaProblem = files.length && sender && !sender.capabilities.mms ? NO_MMS : "";
  const hasContent = composer.text.trim() !== "" || files.length > 0;
  const later = sender?.service ? judgeLater(composer, config.zone, state.now, tools.limits) : null;

  const payload = {
    ...senderFields(sender),
    numberTo: number,
    text: composer.text,
  };
  if (files.length) payload.attachmentIds = files.map((file) => file.id);
  if (later?.sendAt) payload.sendAt = later.sendAt;
  if (config.isAdmin && composer.callback.trim()) payload.callbackUrl = composer.callback.trim();
  if (config.patientId) payload.patientId = String(config.patientId);

  const pending = composer.unknown;
  const blocked = Boolean(
    pending && !resolvedSend(thread, pending.key) && pending.signature === draftSignature(payload),
  );
  const valid =
    Boolean(sender) &&
    validNumber &&
    !verdict.refusal &&
    hasContent &&
    counted.chars <= max &&
    !mediaProblem &&
    !later?.problem;
  return {
    senders,
    sender,
    chosen,
    number,
    recipientLine,
    counted,
    counter: describeCounter(counted, max),
    mediaProblem,
    blocked,
    later,
    canSend: valid && !composer.sending && !composer.attaching && !blocked,
    payload,
  };
}

function describeRecipient({ chosen, typed, number, validNumber, verdict, composer, tools }) {
  const serverSaid = composer.fieldError && composer.fieldError.field === "numberTo" ? composer.fieldError : null;
  if (chosen === null && serverSaid) return { kind: "hint error", text: serverSaid.message, refused: false };
  if (chosen === null && !typed.trim()) {
    return { kind: "hint", text: "International format, e.g. +15551234567", refused: false };
  }
  if (!validNumber) {
    return {
      kind: "hint error",
      text: "Not a valid number: use + and the country code, e.g. +15551234567.",
      refused: false,
    };
  }
  if (verdict.refusal) return { kind: "hint error", text: verdict.refusal, refused: true };
  if (verdict.notice) return { kind: "hint warn", text: verdict.notice, refused: false };
  if (chosen === null) {
    const text = number === typed.trim() ? "✓ Valid number" : `✓ Will be sent to ${tools.fmt.phone(number)}`;
    return { kind: "hint ok", text, refused: false };
  }
  return { kind: "hint", text: "", refused: false };
}

function describeCounter(counted, max) {
  if (counted.chars > max) return { over: true, text: `Too long: ${counted.chars} of ${max} characters` };
  const split = counted.segments > 1 ? ` (${counted.perSegment} per segment)` : "";
  return {
    over: false,
    text: `${counted.chars}/${max} characters · ${counted.encoding} · ${plural(counted.segments, "segment")}${split}`,
  };
}
