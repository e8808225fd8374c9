import type { JSX } from 'preact';

/** A labelled search box that reports each keystroke's text (the site and page lists' filters). */
export function SearchField(props: {
  label: string;
  testId: string;
  value: string;
  onQuery: (query: string) => void;
}): JSX.Element {
  return (
    <label class="field">
      <span>{props.label}</span>
      <input
        type="search"
        data-testid={props.testId}
        value={props.value}
        onInput={(e) => props.onQuery(e.currentTarget.value)}
      />
    </label>
  );
}
