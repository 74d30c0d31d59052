/**
 * Scheduling in the views: the From picker's Messaging Services, Send later (date and time in
 * the practice's zone; when it goes, in that zone and in UTC), and a scheduled text's time and
 * Cancel in the thread and the Log (or why it was canceled).
 */
import { delegate, html, perActions } from "../html.js";
import { windowOf } from "../schedule.js";
import { dateIn, readable } from "../zoned.js";

/** The From picker's Messaging Services. */
export const ServiceOptions = ({ services }) =>
  services?.length > 0 &&
  html`<optgroup label="Messaging Services: Twilio picks the number (sticky sender)">
    ${services.map((item) => html`<option key=${item.sid} value=${item.sid} data-service=${item.sid}>${item.name}</option>`)}
  </optgroup>`;

const laterHandlers = perActions((actions) => ({
  change: delegate({ later: (input) => actions.toggleLater(input.checked) }),
  input: delegate({ when: (input) => actions.editLater(input.name, input.value) }),
}));

/** Send later, offered only with a Messaging Service as From (and why, otherwise). */
export function SendLater({ state, draft, actions }) {
  const { composer, config } = state;
  const later = draft.later;
  const handlers = laterHandlers(actions);
  const [min, max] = windowOf(state.now, state.shared.limits).map((ms) => dateIn(ms, config.zone));
  return html`<div class="later" onChange=${handlers.change} onInput=${handlers.input}>
    <label class="choice"><input type="checkbox" data-action="later" data-testid="send-later" checked=${Boolean(later)} disabled=${!draft.sender?.service} /> Send later</label>
    ${!draft.sender?.service && html`<p class="hint" data-testid="send-later-why">Send later needs a Messaging Service as From: Twilio would send from a single number at once.</p>`}
    ${
      later &&
      html`<div class="row">
      <input type="date" name="laterDate" aria-label="Date" data-action="when" data-testid="send-later-date" value=${composer.laterDate} min=${min} max=${max} />
      <input type="time" name="laterTime" aria-label="Time" data-action="when" data-testid="send-later-time" value=${composer.laterTime} />
      <span class="muted">${config.zone}</span>
    </div>
    <p class=${later.problem ? "hint error" : "hint"} role="status" data-testid="send-later-when">${later.problem || later.line}</p>`
    }
  </div>`;
}

const noteHandlers = perActions((actions) =>
  delegate({ "cancel-scheduled": (button) => actions.cancelScheduled(button.dataset.sid) }),
);

/** Why the plugin canceled a scheduled text (`canceledBy`; a clinician's cancel needs no reason). */
const CANCELED_BECAUSE = {
  stop: " because the patient replied STOP",
  chart: " because the chart marks the number opted out",
};

/** A scheduled text's time and Cancel (thread bubble, Log detail), or why it was canceled. */
export function ScheduleNote({ message, state, actions }) {
  const { status, sendAt, canceledBy, sid } = message;
  const when = sendAt && readable(Date.parse(sendAt), state.config.zone);
  const cancel = state.cancels?.[sid] || {};
  if (status === "canceled") {
    const why = CANCELED_BECAUSE[canceledBy] || "";
    return html`<p class="bubble-error" data-testid="schedule-canceled" data-by=${canceledBy || ""}>Canceled${why}: not sent${when ? ` (it was scheduled for ${when})` : ""}.</p>`;
  }
  return (
    sendAt &&
    html`<div class="schedule" onClick=${noteHandlers(actions)}>
    <span data-testid="schedule-time">Scheduled for ${when}</span>
    ${status === "scheduled" && html`<button type="button" class="button link" data-action="cancel-scheduled" data-sid=${sid} data-testid="schedule-cancel" disabled=${cancel.busy}>Cancel</button>`}
    <p class="hint error" role="status" data-testid="schedule-error" hidden=${!cancel.error}>${cancel.error}</p>
  </div>`
  );
}
