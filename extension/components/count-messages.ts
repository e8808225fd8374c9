import { tCount } from './i18n.js';

/**
 * Result messages whose count can be 1, each with a singular message ("...One") that tCount
 * picks by the UI language's plural rules (1 in English, German and Spanish; 0 and 1 in French).
 * They live here, beside no view, because several of the options page's parts say them; the
 * popup's (the sync panel's) stays with its view, so the popup's bundle carries none of these. The
 * count is always the message's first substitution.
 */

/** After erasing visits in this browser only (sync off, or no server asked). */
export function eraseDoneText(localVisits: number): string {
  return tCount(localVisits, { one: 'eraseDoneOne', other: 'eraseDone' });
}

/**
 * After an erase the server took too. The singular follows this browser's count, the sentence's
 * subject; the server's count stands alone ("…, 5 on the server") and reads right at any count.
 */
export function eraseDoneServerText(localVisits: number, serverVisits: number): string {
  return tCount(localVisits, { one: 'eraseDoneServerOne', other: 'eraseDoneServer' }, serverVisits);
}

/** After an erase in this browser that the server did not take yet (`reason` says why). */
export function eraseServerLaterText(localVisits: number, reason: string): string {
  return tCount(localVisits, { one: 'eraseServerLaterOne', other: 'eraseServerLater' }, reason);
}

/** After "Erase my data on the server". */
export function eraseServerDoneText(deletedVisits: number): string {
  return tCount(deletedVisits, { one: 'eraseServerDoneOne', other: 'eraseServerDone' });
}

/** After leaving the study (the server erased `deletedVisits`). */
export function leaveStudyDoneText(deletedVisits: number): string {
  return tCount(deletedVisits, { one: 'leaveStudyDoneOne', other: 'leaveStudyDone' });
}

/** After "Send them too": the earlier visits queued. */
export function syncEarlierQueuedText(queued: number): string {
  return tCount(queued, { one: 'syncEarlierQueuedOne', other: 'syncEarlierQueued' });
}

/**
 * An import's result. The singular follows the records imported; the records left out come
 * after a form that reads right at any count ("; 3 left out", "; écartés : 1").
 */
export function importDoneText(imported: number, source: string, skipped: number): string {
  return tCount(imported, { one: 'importDoneOne', other: 'importDone' }, source, skipped);
}
