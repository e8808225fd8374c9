import type { SessionState } from './tracker-state.js';

/** A gap of this long or longer without activity ends a session. */
export const SESSION_GAP_MS = 30 * 60_000;

/**
 * Records activity at `at`. A gap of SESSION_GAP_MS or more since the last
 * activity ends the session; the next visit to start opens a new one.
 */
export function noteActivity(session: SessionState, at: number): void {
  const last = session.lastActivityAt;
  if (last === null || at - last >= SESSION_GAP_MS) session.id = null;
  if (last === null || at > last) session.lastActivityAt = at;
}

/** Records activity throughout [from, until]: a gap is measured up to `from` only. */
export function noteActivitySpan(session: SessionState, from: number, until: number): void {
  noteActivity(session, from);
  if (session.lastActivityAt === null || until > session.lastActivityAt) {
    session.lastActivityAt = until;
  }
}

/** The session a visit starting at `at` belongs to, opening one if needed. */
export function sessionForVisitAt(session: SessionState, at: number, newId: () => string): string {
  noteActivity(session, at);
  session.id ??= newId();
  return session.id;
}
