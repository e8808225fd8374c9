import type { JSX } from 'preact';

/**
 * The page's first tab stop, shown when focused: it takes a keyboard user past what comes
 * first (the options page's history) to `target`, an element id, which takes the focus.
 */
export function SkipLink({ target, label }: { target: string; label: string }): JSX.Element {
  return (
    <a
      class="skip-link"
      href={`#${target}`}
      data-testid="skip-link"
      onClick={(e) => {
        const to = document.getElementById(target);
        if (to === null) return;
        e.preventDefault();
        to.focus();
        to.scrollIntoView();
      }}
    >
      {label}
    </a>
  );
}
