/**
 * The Log tab: one practice number's history at Twilio (sent from / received at), a message's
 * detail with its media and (for administrators, final statuses only) delete, and the texts
 * from numbers on no chart.
 */
import { fullTime, plural } from "../format.js";
import { delegate, focusOnMount, html, perActions } from "../html.js";
import { logMessages, logTime } from "../store.js";
import { readable } from "../zoned.js";
import { MediaList, Phone, StatusBadge, Time } from "./common.js";
import { ScheduleNote } from "./schedule.js";

const logHandlers = perActions((actions) => ({
  click: delegate({
    "open-message": (element) => actions.openMessage(element.dataset.sid),
    "close-detail": () => actions.closeDetail(true),
    "load-more": () => actions.loadLog(true),
    "show-unmatched": () => actions.showUnmatched(),
    "hide-unmatched": () => actions.hideUnmatched(),
    "delete-message": (element) => actions.deleteMessage(element.dataset.sid),
  }),
  change: delegate({
    "log-number": (element) => actions.chooseLog({ number: element.value }),
    "log-direction": (element) => actions.chooseLog({ direction: element.value }),
  }),
}));

export function LogView({ state, actions, fmt, rules }) {
  const { log } = state;
  const handlers = logHandlers(actions);
  const phones = state.phones.list;
  const unavailable = state.phones.status === "error";
  return html`<div class="log-view" onClick=${handlers.click} onChange=${handlers.change}>
    <div class="pickers" hidden=${log.view === "unmatched"}>
      <label class="field">Number
        <select data-action="log-number" data-testid="log-number" disabled=${phones.length === 0} value=${log.number}>
          ${
            unavailable
              ? html`<option value="">Numbers unavailable</option>`
              : phones.map(
                  (phone) =>
                    html`<option key=${phone.sid} value=${phone.phoneNumber} data-number=${phone.phoneNumber}>${fmt.phoneLabel(phone)}</option>`,
                )
          }
        </select>
      </label>
      <label class="field">Direction
        <select data-action="log-direction" data-testid="log-direction" value=${log.direction}>
          <option value="from">Sent from this number</option>
          <option value="to">Received at this number</option>
        </select>
      </label>
    </div>
    <div class="log-tools" hidden=${log.view === "unmatched"}>
      <button type="button" class="button link" data-action="show-unmatched" data-testid="log-unmatched">Unmatched texts</button>
    </div>
    ${log.view === "unmatched" && html`<${Unmatched} state=${state} fmt=${fmt} />`}
    <div hidden=${log.view !== "list"}>
      <p class=${`state ${log.stateKind}`} role="status" data-testid="log-state">${log.stateText}</p>
      <ul class="messages" data-testid="message-list">
        ${logMessages(log.pages).map((message) => html`<${LogItem} key=${message.sid} message=${message} direction=${log.shownDirection} state=${state} fmt=${fmt} />`)}
      </ul>
      <button type="button" class="button secondary wide" data-action="load-more" data-testid="log-load-more" hidden=${!log.nextPage || log.stateKind === "loading"} disabled=${log.stateKind === "loading"}>Load more</button>
    </div>
    ${log.view === "detail" && html`<${Detail} state=${state} fmt=${fmt} rules=${rules} isOwnUrl=${actions.isOwnUrl} actions=${actions} />`}
  </div>`;
}

function LogItem({ message, direction, state, fmt }) {
  const counterpart = direction === "from" ? message.to : message.from;
  return html`<li>
    <button type="button" class="message" data-action="open-message" data-testid="message-item" data-sid=${message.sid}>
      <span class="message-top">
        <span class="counterpart">${direction === "from" ? "To " : "From "}<${Phone} number=${counterpart} fmt=${fmt} /></span>
        <${Time} iso=${logTime(message)} now=${state.now} />
      </span>
      <span class="preview">${message.bodyPreview || "(no text)"}</span>
      <span class="message-meta">
        <${StatusBadge} status=${message.status} />
        ${message.mediaCount > 0 && html`<span class="chip" data-testid="media-count">${plural(message.mediaCount, "attachment")}</span>`}
        ${message.status === "scheduled" && message.sendAt && html`<span class="chip" data-testid="log-scheduled">for ${readable(Date.parse(message.sendAt), state.config.zone)}</span>`}
      </span>
    </button>
  </li>`;
}

function Detail({ state, fmt, rules, isOwnUrl, actions }) {
  const detail = state.log.detail;
  const backButton = html`<button ref=${focusOnMount} type="button" class="button link" data-action="close-detail" data-testid="detail-back">← Back to messages</button>`;
  if (detail.status !== "ready") {
    return html`<div class="detail" data-testid="message-detail">
      ${backButton}
      ${
        detail.status === "loading"
          ? html`<p class="state loading">Loading message…</p>`
          : html`<p class="error-box" data-testid="detail-message">Could not open the message: ${detail.error}</p>`
      }
    </div>`;
  }
  const message = detail.message;
  const failed = ["failed", "undelivered"].includes(message.status) || Boolean(message.errorCode);
  const rows = [
    ["From", html`<${Phone} number=${message.from} fmt=${fmt} />`],
    ["To", html`<${Phone} number=${message.to} fmt=${fmt} />`],
    ["Direction", message.direction],
    ["Status", message.status],
    ["Sent", fullTime(message.sent)],
    ["Created", fullTime(message.created)],
    ["Segments", message.segments],
    ["Price", message.price ? `${message.price} ${message.priceUnit || ""}`.trim() : "—"],
  ];
  const canDelete = state.config.isAdmin && rules.isFinal(message.status);
  return html`<div class="detail" data-testid="message-detail">
    <div class="detail-head">${backButton}<${StatusBadge} status=${message.status} /></div>
    ${
      failed &&
      html`<div class="error-box" data-testid="detail-error">
      <strong>${message.errorCode ? `Error ${message.errorCode}` : "Not delivered"}${message.errorMessage ? `: ${message.errorMessage}` : ""}</strong>
      ${message.errorExplanation && html`<p>${message.errorExplanation}</p>`}
    </div>`
    }
    <p class="body" data-testid="detail-body">${message.body || "(no text)"}</p>
    <${ScheduleNote} message=${message} state=${state} actions=${actions} />
    <dl class="meta" data-testid="detail-meta">
      ${rows.map(([name, value]) => [html`<dt key=${`t${name}`}>${name}</dt>`, html`<dd key=${`d${name}`}>${value ?? "—"}</dd>`])}
    </dl>
    <${MediaList} media=${detail.media} isOwnUrl=${isOwnUrl} className="media" testid="detail-media" />
    <p class=${detail.deleteError ? "detail-message error-box" : "detail-message"} role="status" data-testid="detail-message">${detail.deleting ? "Deleting…" : detail.deleteError}</p>
    ${
      canDelete
        ? html`<button type="button" class="button danger" data-action="delete-message" data-sid=${message.sid} data-testid="detail-delete" disabled=${detail.deleting}>Delete message</button>`
        : state.config.isAdmin && html`<p class="hint">A message can be deleted once its status is final.</p>`
    }
  </div>`;
}

function Unmatched({ state, fmt }) {
  const unmatched = state.log.unmatched;
  let kind = "state loading";
  let text = "Loading unmatched texts…";
  if (unmatched.status === "error") {
    kind = "state error";
    text = `Could not load unmatched texts: ${unmatched.error}`;
  } else if (unmatched.status === "ready") {
    kind = unmatched.messages.length ? "state" : "state empty";
    text = unmatched.messages.length ? plural(unmatched.messages.length, "text") : "No texts from unknown numbers.";
  }
  return html`<div data-testid="unmatched-view">
    <button ref=${focusOnMount} type="button" class="button link" data-action="hide-unmatched" data-testid="unmatched-back">← Back to messages</button>
    <p class="hint">Texts from numbers that are on no patient's chart.</p>
    <p class=${kind} role="status" data-testid="unmatched-state">${text}</p>
    <ul class="messages" data-testid="unmatched-list">
      ${unmatched.messages.map(
        (
          message,
        ) => html`<li key=${message.sid} class="message unmatched" data-testid="unmatched-item" data-sid=${message.sid}>
          <span class="message-top">
            <span class="counterpart">From <${Phone} number=${message.patientNumber} fmt=${fmt} /></span>
            <${Time} iso=${message.created} now=${state.now} />
          </span>
          <span class="unmatched-to muted">to ${fmt.practiceLabel(message.practiceNumber)}</span>
          <span class="unmatched-body">${message.body || "(no text)"}</span>
          ${message.mediaCount > 0 && html`<span class="chip">${plural(message.mediaCount, "attachment")}</span>`}
        </li>`,
      )}
    </ul>
  </div>`;
}
