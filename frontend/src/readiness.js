/**
 * US texting readiness (A2P 10DLC) of the practice numbers, as GET /phone_readiness judged it.
 * The verdict words come from the server; this only indexes them and says when to warn.
 */

/** {phoneNumber: verdict} from the route's `readiness` list. */
export const byNumber = (list) => Object.fromEntries((list || []).map((item) => [item.phoneNumber, item]));

/** The Send tab's warning before texting a US number from a number that is not ready, or "". */
export const sendWarning = (ready, from, to) => {
  const verdict = ready?.[from];
  return verdict?.warn && to?.startsWith("+1") ? verdict.text : "";
};
