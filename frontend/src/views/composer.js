/**
 * The Send tab's composer: From, the To picker (the chart's numbers with their consent and
 * opt-out badges, or another number), quick replies, the message with its segment counter,
 * attachments, the status callback (administrators), Send, and what became of the send.
 */
import { OTHER } from "../draft.js";
import { describeChar, plural } from "../format.js";
import { delegate, html, perActions } from "../html.js";
import { sendWarning } from "../readiness.js";
import { zoneAndUtc } from "../schedule.js";
import { AttachmentsView, fileHandlers } from "./attachments.js";
import { Phone, StatusBadge } from "./common.js";
import { SendLater, ServiceOptions } from "./schedule.js";

const composerHandlers = perActions((actions) => ({
  click: delegate({ "quick-reply": (element) => actions.applyQuickReply(Number(element.dataset.index)) }),
  input: delegate({ edit: (element) => actions.editDraft(element.name, element.value) }),
  change: delegate({
    "choose-sender": (element) => actions.editDraft("fromSid", element.value),
    "choose-recipient": (element) => actions.chooseRecipient(element.value),
  }),
  submit: delegate({
    send: (_element, event) => {
      event.preventDefault();
      actions.send();
    },
  }),
  blur: delegate({ edit: (element) => element.name === "toText" && actions.normaliseRecipient() }),
}));

export function ComposerView({ state, actions, fmt, draft, rules }) {
  const { composer, config, thread } = state;
  const handlers = composerHandlers(actions);
  const files = fileHandlers(actions);
  const phonesFailed = state.phones.status === "error";
  const picker = Boolean(config.patientId);
  const showOther = !picker || composer.choice === OTHER;
  const invalid = (field) => (composer.fieldError && composer.fieldError.field === field ? "true" : undefined);
  return html`<form
    id="send-form"
    novalidate
    data-action="send"
    onClick=${handlers.click}
    onInput=${handlers.input}
    onChange=${handlers.change}
    onSubmit=${handlers.submit}
    onFocusOut=${handlers.blur}
    onDragOver=${files.over}
    onDrop=${files.drop}
    onPaste=${files.paste}
  >
    <label class="field" for="send-from">From</label>
    <select id="send-from" name="fromSid" data-action="choose-sender" data-testid="send-from" disabled=${phonesFailed || draft.senders.length === 0} aria-invalid=${invalid("numberFrom") || invalid("numberFromSid")} value=${draft.sender ? draft.sender.sid : ""}>
      ${
        phonesFailed
          ? html`<option value="">Numbers unavailable</option>`
          : draft.senders.length === 0
            ? html`<option value="">${state.phones.status === "ready" ? "No SMS-capable numbers" : "Loading numbers…"}</option>`
            : draft.senders.map(
                (phone) =>
                  html`<option key=${phone.sid} value=${phone.sid} data-number=${phone.phoneNumber}>${fmt.phoneLabel(phone)}</option>`,
              )
      }
      ${!phonesFailed && draft.senders.length > 0 && html`<${ServiceOptions} services=${state.services} />`}
    </select>

    ${picker && thread.loaded && html`<${RecipientPicker} state=${state} fmt=${fmt} />`}
    <div hidden=${!showOther}>
      <label class="field" for="send-to">${picker ? "Number (international format)" : "To"}</label>
      <input id="send-to" name="toText" type="tel" inputmode="tel" autocomplete="off" placeholder="+15551234567" aria-describedby="send-to-message" data-action="edit" data-testid="send-to" value=${composer.toText} aria-invalid=${invalid("numberTo")} />
    </div>
    <p id="send-to-message" class=${draft.recipientLine.kind} role="status" data-testid="send-to-message" data-refused=${String(draft.recipientLine.refused)} hidden=${!draft.recipientLine.text}>${draft.recipientLine.text}</p>
    <p class="warning" role="status" data-testid="send-readiness">${sendWarning(state.ready, draft.sender?.phoneNumber, draft.number)}</p>

    ${
      thread.quickReplies.length > 0 &&
      html`<div class="quick-replies" data-testid="quick-replies">
      <span class="field inline">Quick replies</span>
      ${thread.quickReplies.map((reply, index) => html`<button key=${reply.name} type="button" class="button chip-button" data-action="quick-reply" data-index=${index} data-testid="quick-reply" title=${reply.text}>${reply.name}</button>`)}
    </div>`
    }
    <label class="field" for="send-text">Message</label>
    <textarea id="send-text" name="text" rows="3" aria-describedby="send-counter send-encoding-warning" data-action="edit" data-testid="send-text" value=${composer.text} aria-invalid=${invalid("text")}></textarea>
    <p id="send-counter" class=${draft.counter.over ? "hint counter error" : "hint counter"} aria-live="polite" data-testid="send-counter">${draft.counter.text}</p>
    <p id="send-encoding-warning" class="warning" data-testid="send-encoding-warning" hidden=${draft.counted.forcingChar === null}>
      ${draft.counted.forcingChar !== null && `${describeChar(draft.counted.forcingChar)} switches this message to UCS-2: ${state.shared.segments.ucs2Single} characters per segment instead of ${state.shared.segments.gsm7Single}.`}
    </p>

    ${draft.sender && html`<${AttachmentsView} composer=${composer} actions=${actions} shared=${state.shared} mms=${draft.sender.capabilities.mms} to=${draft.number} />`}

    ${
      config.isAdmin &&
      html`<details class="advanced" open=${Boolean(invalid("callbackUrl"))}>
      <summary>Advanced</summary>
      <label class="field" for="send-callback">Status callback URL</label>
      <input id="send-callback" name="callback" type="url" autocomplete="off" data-action="edit" data-testid="send-callback" value=${composer.callback} aria-invalid=${invalid("callbackUrl")} />
    </details>`
    }

    <${SendLater} state=${state} draft=${draft} actions=${actions} />
    <button type="submit" id="send-button" class="button primary wide" data-testid="send-button" disabled=${!draft.canSend}>${composer.sending ? "Sending…" : draft.later ? "Schedule" : "Send"}</button>
    <div id="send-result" role="status" data-testid="send-result">
      <${SendResult} state=${state} fmt=${fmt} draft=${draft} rules=${rules} />
    </div>
  </form>`;
}

function RecipientPicker({ state, fmt }) {
  const { thread, composer } = state;
  const choice = (value, title, badges, blocked) => {
    const id = `send-to-choice-${value.replace(/\W/g, "")}`;
    return html`<label key=${value} class=${`choice${blocked ? " blocked" : ""}`} for=${id} data-testid="send-to-option" data-number=${value}>
      <input type="radio" name="send-to-choice" id=${id} value=${value} checked=${composer.choice === value} data-action="choose-recipient" data-testid="send-to-choice" />
      <span class="choice-number">${title}</span>
      ${badges.map(([kind, text, tone, hint]) => html`<span class=${`badge ${tone}`} data-testid="send-to-badge" data-badge=${kind} title=${hint}>${text}</span>`)}
    </label>`;
  };
  return html`<fieldset class="choices" data-testid="send-to-choices">
    <legend class="field">To</legend>
    ${thread.phones.map((phone) =>
      choice(
        phone.number,
        html`<${Phone} number=${phone.number} fmt=${fmt} />`,
        phoneBadges(phone, fmt),
        phone.optedOut,
      ),
    )}
    ${choice(OTHER, "Other number", [], false)}
  </fieldset>`;
}

function phoneBadges(phone, fmt) {
  const badges = [["use", phone.use || "phone", "neutral"]];
  if (phone.optedOut) badges.push(["opted-out", "opted out", "bad"]);
  for (const practice of phone.optedOutFrom || []) {
    badges.push(["opted-out-from", `opted out of ${fmt.practiceLabel(practice, true)}`, "bad", practice]);
  }
  if (!phone.hasConsent) badges.push(["no-consent", "no consent", "warn"]);
  if (phone.shared)
    badges.push(["shared", "shared number", "neutral", "This number is on more than one patient's chart"]);
  return badges;
}

function SendResult({ state, fmt, draft, rules }) {
  const result = state.composer.result;
  if (!result) return null;
  if (result.kind === "sending") return html`<p class="state loading">Sending…</p>`;
  if (result.kind === "error") return html`<p class="error-box" data-testid="send-error">${result.text}</p>`;
  if (result.kind === "not-sent") return html`<p class="hint" data-testid="send-error">Not sent.</p>`;
  if (result.kind === "unknown") {
    return html`<div class="warn-box" data-testid="send-unknown">
      <p>${result.notice}</p>
      ${draft.blocked && html`<p class="muted">This draft cannot be sent again until we know whether it went out; it is checked with Twilio when the conversation refreshes.</p>`}
    </div>`;
  }
  const known = state.thread.messages.find((message) => message.sid && message.sid === result.sid);
  const status = known?.status || result.status;
  const final = rules.isFinal(status);
  const failed = ["failed", "undelivered"].includes(status);
  let note = result.note || "Watching for delivery…";
  if (final && !result.note) note = failed ? "Not delivered: see the message above." : "Final status.";
  return html`<div class="ok-box">
    <p>${result.sendAt ? "Scheduled to" : "Sent to"} <${Phone} number=${result.to} fmt=${fmt} /> · <span data-testid="send-status"><${StatusBadge} status=${status} /></span></p>
    ${result.sendAt && html`<p data-testid="send-scheduled">Scheduled for ${zoneAndUtc(Date.parse(result.sendAt), state.config.zone)}.</p>`}
    <p class="muted">
      Message ID <code data-testid="send-sid">${result.sid || "—"}</code>
      ${result.segments ? ` · ${plural(result.segments, "segment")}` : ""}${result.encoding ? ` · ${result.encoding}` : ""}
    </p>
    <p class=${failed || result.noteIsError ? "error-box" : "muted"} data-testid="send-poll">${note}</p>
  </div>`;
}
