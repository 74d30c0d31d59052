/**
 * The Phones tab: one card per number of the Twilio account (capabilities, status, webhooks);
 * administrators also get the form that sets its inbound webhook.
 */
import { plural } from "../format.js";
import { delegate, html, perActions } from "../html.js";

const CAPABILITIES = [
  ["sms", "SMS"],
  ["mms", "MMS"],
  ["voice", "Voice"],
  ["fax", "Fax"],
];

const phoneHandlers = perActions((actions) => ({
  click: delegate({
    "refresh-phones": () => actions.loadPhones(true),
    "use-plugin-inbound": (element) => actions.pointAtPlugin(element.dataset.sid),
  }),
  input: delegate({
    "webhook-url": (element) => actions.editWebhook(element.dataset.sid, { url: element.value }),
  }),
  change: delegate({
    "webhook-method": (element) => actions.editWebhook(element.dataset.sid, { method: element.value }),
  }),
  submit: delegate({
    "save-webhook": (element, event) => {
      event.preventDefault();
      actions.saveWebhook(element.dataset.sid);
    },
  }),
}));

export function PhonesView({ state, actions, fmt }) {
  const handlers = phoneHandlers(actions);
  const { phones } = state;
  let stateKind = "state";
  let stateText = "";
  if (phones.status === "loading") {
    stateKind = "state loading";
    stateText = "Loading numbers…";
  } else if (phones.status === "error") {
    stateKind = "state error";
    stateText = `Could not load the Twilio numbers: ${phones.error}`;
  } else if (phones.status === "ready") {
    stateText = phones.list.length
      ? `${plural(phones.list.length, "number")} on this Twilio account`
      : "This Twilio account has no phone numbers yet.";
  }
  return html`<div onClick=${handlers.click} onInput=${handlers.input} onChange=${handlers.change} onSubmit=${handlers.submit}>
    <div class="toolbar">
      <p class=${stateKind} role="status" data-testid="phones-state">${stateText}</p>
      <button type="button" class="button secondary" data-action="refresh-phones" data-testid="phones-refresh">Refresh</button>
    </div>
    <div class="phones" data-testid="phone-list">
      ${
        phones.status === "ready" &&
        phones.list.map(
          (phone) =>
            html`<${PhoneCard} key=${phone.sid} phone=${phone} card=${state.phoneCards[phone.sid] || {}} state=${state} fmt=${fmt} />`,
        )
      }
    </div>
  </div>`;
}

function PhoneCard({ phone, card, state, fmt }) {
  const caps = phone.capabilities || {};
  const webhook = phone.inboundWebhook || {};
  const url = card.url ?? webhook.url ?? "";
  const method = card.method ?? (webhook.method || "POST").toUpperCase();
  const labelled = phone.label && phone.label !== phone.phoneNumber;
  const pluginInbound = state.phones.pluginUrls.inbound;
  const ready = state.ready?.[phone.phoneNumber];
  return html`<article class="card" data-testid="phone-card" data-sid=${phone.sid} data-number=${phone.phoneNumber}>
    <div class="card-head">
      <div>
        <h3>${labelled ? phone.label : fmt.phone(phone.phoneNumber)}</h3>
        ${labelled && html`<p class="number" title=${phone.phoneNumber}>${fmt.phone(phone.phoneNumber)}</p>`}
      </div>
      <span class="badge neutral" data-testid="phone-status">${phone.status || "unknown"}</span>
    </div>
    <p class="chips">
      ${CAPABILITIES.map(
        ([key, name]) =>
          html`<span key=${key} class=${caps[key] ? "chip on" : "chip off"} data-testid="phone-capability" data-capability=${key} aria-label=${`${name} ${caps[key] ? "supported" : "not supported"}`}>${name}</span>`,
      )}
      ${phone.usesPluginInbound && html`<span class="badge good" data-testid="phone-plugin-badge">Uses this plugin</span>`}
    </p>
    ${ready && html`<p class=${ready.warn ? "warning" : "hint"} data-testid="phone-readiness" data-verdict=${ready.verdict}>${ready.text}</p>`}
    <dl class="meta">
      <dt>Inbound</dt>
      <dd data-testid="phone-inbound">${webhook.url ? `${webhook.method || "POST"} ${webhook.url}` : "not set"}</dd>
      <dt>Status callback</dt>
      <dd data-testid="phone-status-callback">${phone.statusCallback || "none"}</dd>
    </dl>
    ${
      state.config.isAdmin &&
      html`<form class="webhook-form" data-action="save-webhook" data-sid=${phone.sid}>
      <label class="field" for=${`webhook-${phone.sid}`}>Inbound webhook (URL and method)</label>
      <div class="row">
        <input type="url" id=${`webhook-${phone.sid}`} value=${url} placeholder="https://…" data-action="webhook-url" data-sid=${phone.sid} data-testid="phone-webhook-url" disabled=${card.saving} />
        <select data-action="webhook-method" data-sid=${phone.sid} data-testid="phone-webhook-method" aria-label="Inbound webhook method" value=${method} disabled=${card.saving}>
          <option value="POST">POST</option>
          <option value="GET">GET</option>
        </select>
      </div>
      <div class="row">
        <button type="submit" class="button primary" data-testid="phone-save" disabled=${card.saving}>Save</button>
        ${pluginInbound && !phone.usesPluginInbound && html`<button type="button" class="button secondary" data-action="use-plugin-inbound" data-sid=${phone.sid} data-testid="phone-use-plugin" disabled=${card.saving}>Use this plugin's inbound URL</button>`}
      </div>
      <p class=${card.kind || "hint"} role="status" data-testid="phone-message">${card.message || ""}</p>
    </form>`
    }
  </article>`;
}
