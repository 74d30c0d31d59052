/**
 * What the composer must say about a recipient before a send, from the chart's phones.
 * Pure: the server checks again (any chart, STOP records) and its refusal wins.
 */

/**
 * `{refusal, notice}`: a refusal stops the send, a notice is shown but allows it.
 * chart: {hasPatient, loaded, firstName, phones: [ChartPhone]}; number: E.164 or "";
 * sender: the From number or ""; label(number): how a practice number is named.
 */
export function judgeRecipient(chart, number, sender, label = String) {
  const none = { refusal: "", notice: "" };
  if (!chart.hasPatient || !number || !chart.loaded) return none;
  const phone = chart.phones.find((item) => item.number === number);
  const name = chart.firstName || "the patient";
  if (!phone) return { refusal: "", notice: `${label(number)} is not on this patient's chart.` };
  if (phone.optedOut) {
    return {
      refusal: `${name}'s chart marks ${label(number)} as opted out of texts. Sending is off for this number.`,
      notice: "",
    };
  }
  if (sender && (phone.optedOutFrom || []).includes(sender)) {
    return {
      refusal:
        `${label(number)} opted out of texts from ${label(sender, true)} (replied STOP). ` +
        "Choose another From number; the patient can text START to opt back in.",
      notice: "",
    };
  }
  if (!phone.hasConsent) {
    return {
      refusal: "",
      notice: `${name} has not consented to texts at this number: you will be asked to confirm.`,
    };
  }
  return none;
}

/** The chart number the To picker starts on: the first usable mobile, else any usable, else the first. */
export function bestRecipient(phones) {
  const usable = phones.filter((phone) => !phone.optedOut);
  const pick = usable.find((phone) => phone.use === "mobile") || usable[0] || phones[0];
  return pick ? pick.number : null;
}
