import { useRef, useState } from 'preact/hooks';

/**
 * One tab stop for many figures (a chart's bars, the heatmap's cells, the timeline's blocks):
 * which one takes the focus (`current`, `initial` until one is chosen), and the keys that move it
 * (`after`, from where it is) and focus the one moved to (`focusAt`). Keys held down repeat faster
 * than renders, so each moves on from the last one chosen, not the one last rendered.
 */
export function useRovingFocus<K>(
  initial: K,
  after: (key: string, current: K) => K | null,
  focusAt: (at: K) => void,
): { current: K; setCurrent: (at: K) => void; onKeyDown: (e: KeyboardEvent) => void } {
  const [current, setState] = useState(initial);
  const latest = useRef(initial);
  const setCurrent = (at: K): void => {
    latest.current = at;
    setState(at);
  };
  const onKeyDown = (e: KeyboardEvent): void => {
    const next = after(e.key, latest.current);
    if (next === null) return;
    e.preventDefault();
    setCurrent(next);
    focusAt(next);
  };
  return { current, setCurrent, onKeyDown };
}
