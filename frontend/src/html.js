/**
 * The view layer's two tools: `html`, tagged templates that build Preact elements (text is
 * escaped by construction; there is no way to insert markup), and `delegate`, one listener
 * per view that dispatches on the `data-action` of the element an event came from.
 */
import htm from "htm";
import { h } from "preact";

export const html = htm.bind(h);

/** A listener for a view's root: calls handlers[action](element, event) for `[data-action]`. */
export function delegate(handlers) {
  return (event) => {
    const start = event.target?.closest ? event.target : null;
    const element = start ? start.closest("[data-action]") : null;
    if (!element || !event.currentTarget.contains(element)) return;
    const handler = handlers[element.dataset.action];
    if (handler) handler(element, event);
  };
}

/** `make(actions)` once per actions object: a view's listeners are made once, not per render. */
export function perActions(make) {
  const made = new WeakMap();
  return (actions) => {
    if (!made.has(actions)) made.set(actions, make(actions));
    return made.get(actions);
  };
}

/** A ref that focuses its element when the element is first drawn. */
export const focusOnMount = (node) => node?.focus();
