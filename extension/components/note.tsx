import type { JSX } from 'preact';

/** A line answering an action: what happened, or what went wrong. */
export interface Note {
  text: string;
  error: boolean;
}

export function note(text: string): Note {
  return { text, error: false };
}

export function errorNote(text: string): Note {
  return { text, error: true };
}

/** The note under a control: an error looks like one and is announced at once; the rest politely. */
export function NoteLine({
  note,
  testId,
}: {
  note: Note | null;
  testId?: string;
}): JSX.Element | null {
  if (note === null) return null;
  return note.error ? (
    <p class="error" role="alert" data-testid={testId} data-error="true">
      {note.text}
    </p>
  ) : (
    <p class="notice" role="status" data-testid={testId}>
      {note.text}
    </p>
  );
}
