/**
 * Keyboard focus for views drawn by renderView: linkedom has no focus, so element.focus() is
 * recorded here and document.activeElement answers as a browser does, including <body> once the
 * focused element leaves the document (the focus loss these tests catch).
 */
import type { Rendered } from './ui-test-kit.js';

export interface Focus {
  /** The focused element: <body> when none is, or when it was removed from the document. */
  active(): Element | null;
  /**
   * Sends a keydown of `key` to `el`. Send it to the element whose handler should see it:
   * linkedom calls the handlers of a bubbling event's ancestors with the wrong `this`, which
   * Preact's handlers need.
   */
  key(el: Element, key: string): void;
}

/** Makes focus() and document.activeElement work in the document `view` is drawn in. */
export function trackFocus(view: Rendered): Focus {
  const doc = view.root.ownerDocument;
  const win = doc.defaultView as Window & typeof globalThis;
  let focused: Element | null = null;
  const proto = Object.getPrototypeOf(Object.getPrototypeOf(doc.createElement('button')));
  Object.defineProperty(proto, 'focus', {
    configurable: true,
    value(this: Element) {
      focused = this;
    },
  });
  const active = (): Element | null =>
    focused !== null && doc.contains(focused) ? focused : doc.body;
  Object.defineProperty(doc, 'activeElement', { configurable: true, get: active });
  return {
    active,
    key: (el, key) => {
      const event = new win.Event('keydown', { bubbles: true, cancelable: true });
      Object.defineProperty(event, 'key', { value: key });
      el.dispatchEvent(event);
    },
  };
}
