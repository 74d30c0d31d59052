/*
 * Phones tab: one card per number of the Twilio account (capabilities, status, webhooks) with a
 * form to set its inbound webhook, or to point it at this plugin's inbound URL.
 * Uses core.js through smsApp; app.js draws the cards whenever the phone list arrives. Same rules
 * as core.js: no Django markers, API values only as text.
 *
 * data-testid hooks:
 *   phones-state phones-refresh phone-list phone-card (data-sid) phone-capability
 *   phone-status phone-plugin-badge phone-inbound phone-status-callback
 *   phone-webhook-url phone-webhook-method phone-save phone-use-plugin phone-message
 */
(() => {
  "use strict";
  const { state, $, el, plural, api, errorText } = smsApp;

  function renderPhoneCards() {
    $("phones-state").className = "state";
    $("phones-state").textContent = state.phones.length
      ? `${plural(state.phones.length, "number")} on this Twilio account`
      : "This Twilio account has no phone numbers yet.";
    $("phone-list").replaceChildren(...state.phones.map((phone) => phoneCard(phone)));
  }

  function phoneCard(phone, notice) {
    const caps = phone.capabilities || {};
    const webhook = phone.inboundWebhook || {};
    const urlInput = el("input", { type: "url", id: `webhook-${phone.sid}`, value: webhook.url || "", placeholder: "https://…", "data-testid": "phone-webhook-url" });
    const methodSelect = el("select", { "data-testid": "phone-webhook-method", "aria-label": "Inbound webhook method" },
      ["POST", "GET"].map((method) => el("option", { value: method, selected: (webhook.method || "POST").toUpperCase() === method }, method)));
    const line = el("p", { className: notice ? "hint ok" : "hint", role: "status", "data-testid": "phone-message" }, notice || "");
    const card = el("article", { className: "card", "data-testid": "phone-card", "data-sid": phone.sid },
      el("div", { className: "card-head" },
        el("div", {}, el("h3", {}, phone.label || phone.phoneNumber),
          phone.label && phone.label !== phone.phoneNumber && el("p", { className: "number" }, phone.phoneNumber)),
        el("span", { className: "badge neutral", "data-testid": "phone-status" }, phone.status || "unknown")),
      el("p", { className: "chips" },
        [["sms", "SMS"], ["mms", "MMS"], ["voice", "Voice"], ["fax", "Fax"]].map(([key, name]) =>
          el("span", { className: caps[key] ? "chip on" : "chip off", "data-testid": "phone-capability", "data-capability": key,
            "aria-label": `${name} ${caps[key] ? "supported" : "not supported"}` }, name)),
        phone.usesPluginInbound && el("span", { className: "badge good", "data-testid": "phone-plugin-badge" }, "Uses this plugin")),
      el("dl", { className: "meta" },
        el("dt", {}, "Inbound"), el("dd", { "data-testid": "phone-inbound" }, webhook.url ? `${webhook.method || "POST"} ${webhook.url}` : "not set"),
        el("dt", {}, "Status callback"), el("dd", { "data-testid": "phone-status-callback" }, phone.statusCallback || "none")),
      el("form", { className: "webhook-form", onsubmit: (event) => {
        event.preventDefault();
        saveWebhook(phone, urlInput.value.trim(), methodSelect.value, card);
      } },
        el("label", { className: "field", for: `webhook-${phone.sid}` }, "Inbound webhook (URL and method)"),
        el("div", { className: "row" }, urlInput, methodSelect),
        el("div", { className: "row" },
          el("button", { type: "submit", className: "button primary", "data-testid": "phone-save" }, "Save"),
          state.pluginUrls.inbound && !phone.usesPluginInbound && el("button", { type: "button", className: "button secondary", "data-testid": "phone-use-plugin",
            onclick: () => saveWebhook(phone, state.pluginUrls.inbound, "POST", card) }, "Use this plugin's inbound URL")),
        line));
    return card;
  }

  async function saveWebhook(phone, url, method, card) {
    const line = card.querySelector('[data-testid="phone-message"]');
    const buttons = card.querySelectorAll("button");
    buttons.forEach((button) => { button.disabled = true; });
    line.className = "hint";
    line.textContent = "Saving…";
    try {
      const data = await api(`/inbound_webhook/${encodeURIComponent(phone.sid)}`, { method: "POST", body: { url, method } });
      const updated = data.phone || phone;
      state.phones = state.phones.map((item) => (item.sid === updated.sid ? updated : item));
      const fresh = phoneCard(updated, "Saved.");
      card.replaceWith(fresh);
      fresh.querySelector('[data-testid="phone-save"]').focus();
    } catch (error) {
      buttons.forEach((button) => { button.disabled = false; });
      line.className = "hint error";
      line.textContent = `Not saved: ${errorText(error)}`;
    }
  }

  Object.assign(smsApp, { renderPhoneCards });
})();
