export {
  decideRecording,
  gateReason,
  type RecordingContext,
  type RecordingDecision,
  type RecordingSettings,
  type SkipReason,
  siteReason,
} from './decide-recording.js';
export { fitUrl, redactPageUrl, redactTitle } from './redact-page.js';
export { isSiteEntry } from './site-entry.js';
export {
  matchesAnySite,
  matchesSite,
  normalizeHostname,
  registrableDomain,
  siteKey,
} from './site-match.js';
