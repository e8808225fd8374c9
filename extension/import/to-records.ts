/**
 * A parsed file made into what Tracksphere stores, at the person's current settings: hosts
 * checked as the tracker checks them, URLs and titles redacted at their privacy level, paused
 * sites and sites outside the allowlist left out, as they would have been if recorded here.
 */
import { v5 as uuidv5 } from 'uuid';
import { LIMITS } from '#protocol';
import type { DayOf } from '../db/day.js';
import type { ImportedDay, ImportedVisit } from '../db/import-history.js';
import type { StoredVisit } from '../db/schema.js';
import {
  decideRecording,
  normalizeHostname,
  type RecordingSettings,
  redactTitle,
  siteReason,
} from '../privacy/index.js';
import { dayFiguresProblem, IMPORT_BOUNDS, visitTimesProblem } from './bounds.js';
import type {
  ImportSource,
  ParsedFile,
  ParsedVisit,
  SkippedRecord,
  SkipReasonCode,
} from './types.js';

/** The namespace of imported visits' ids (UUID v5): the same event always gets the same id. */
const IMPORT_NAMESPACE = '6f1d3c2e-9a4b-4c8e-8f57-2b9d0e1a7c44';
/** A session is a run of visits with gaps under 30 minutes (DESIGN.md). */
const SESSION_GAP_MS = 30 * 60_000;
const WIRE_DOMAIN = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)$/;

export interface ImportSettings {
  /** Consent and the pause of everything are not asked: importing is the person's own act. */
  recording: RecordingSettings;
  dayOf: DayOf;
  /** The moment dates are checked against (import/bounds.ts); Date.now() when absent. */
  nowMs?: number;
}

export interface ImportRecords {
  source: ImportSource;
  days: ImportedDay[];
  visits: ImportedVisit[];
  skipped: SkippedRecord[];
}

/**
 * A day source's host as a stored domain, or null. A name without a dot is not taken for a
 * host (time-tracker-4-browser's CSV merged by category has "Social" in that column), except
 * localhost and IP literals.
 */
export function dayHost(host: string): string | null {
  // A scheme other than http(s) ("file:///...", "about:blank"); "localhost:8080" is a port.
  if (/^[a-z][a-z0-9+.-]*:(?!\d)/i.test(host) && !/^https?:\/\//i.test(host)) return null;
  const domain = normalizeHostname(host);
  if (domain === null || domain.length > LIMITS.maxDomainLength) return null;
  if (!WIRE_DOMAIN.test(domain)) return null;
  return domain.includes('.') || domain === 'localhost' || domain.startsWith('[') ? domain : null;
}

/** Paused sites and sites outside the allowlist stay out, as the tracker leaves them out. */
function siteSkip(domain: string, settings: ImportSettings): SkipReasonCode | null {
  return siteReason(domain, settings.recording) as 'site_paused' | 'not_in_allowlist' | null;
}

function toDays(
  parsed: ParsedFile,
  settings: ImportSettings,
  skipped: SkippedRecord[],
): ImportedDay[] {
  const nowMs = settings.nowMs ?? Date.now();
  const byKey = new Map<string, ImportedDay>();
  for (const d of parsed.days) {
    const problem = dayFiguresProblem(d.day, d.activeMs, d.visits, nowMs);
    if (problem !== null) {
      skipped.push({ record: d.record, reason: problem });
      continue;
    }
    const domain = dayHost(d.host);
    if (domain === null) {
      skipped.push({ record: d.record, reason: /^file:/i.test(d.host) ? 'not_web' : 'bad_host' });
      continue;
    }
    const reason = siteSkip(domain, settings);
    if (reason !== null) {
      skipped.push({ record: d.record, reason });
      continue;
    }
    const key = `${d.day}\u0000${domain}`;
    const sum = byKey.get(key) ?? { day: d.day, domain, activeMs: 0, visits: 0, records: [] };
    sum.activeMs += d.activeMs;
    sum.visits += d.visits;
    sum.records.push(d.record);
    byKey.set(key, sum);
  }
  // Records of one site and day add up: together they hold no more than a day either.
  const days: ImportedDay[] = [];
  for (const sum of byKey.values()) {
    if (sum.activeMs <= IMPORT_BOUNDS.maxDayMs && sum.visits <= IMPORT_BOUNDS.maxDayVisits) {
      days.push(sum);
    } else {
      for (const record of sum.records) skipped.push({ record, reason: 'bad_time' });
    }
  }
  return days;
}

function storedVisit(
  v: ParsedVisit,
  source: ImportSource,
  settings: ImportSettings,
): ImportedVisit | SkippedRecord {
  const { level } = settings.recording;
  let domain: string;
  let url: string | null = null;
  if (v.url !== null) {
    const decision = decideRecording(v.url, {
      ...settings.recording,
      consent: true,
      pausedAll: false,
      incognito: v.incognito === true,
    });
    if (!decision.record) {
      const reason = decision.reason === 'unsupported_host' ? 'bad_host' : decision.reason;
      return { record: v.record, reason: reason as SkippedRecord['reason'] };
    }
    domain = decision.domain;
    url = decision.url;
  } else {
    if (v.host === null) return { record: v.record, reason: 'bad_host' };
    domain = v.host;
    const reason = siteSkip(domain, settings);
    if (reason !== null) return { record: v.record, reason };
  }
  const made: ImportedVisit = {
    record: v.record,
    // The domain, not the URL, goes into the id: an id may be sent, and a hash of the full
    // address could be matched against guessed addresses at a level that keeps less.
    id: v.id ?? uuidv5(`${source}\n${v.startedMs}\n${domain}`, IMPORT_NAMESPACE),
    type: 'visit',
    url,
    domain,
    title: redactTitle(v.title, level),
    startedAt: v.startedAt ?? new Date(v.startedMs).toISOString(),
    endedAt: v.endedAt ?? new Date(v.endedMs).toISOString(),
    activeMs: v.activeMs,
    sessionId: v.sessionId ?? '',
    transition: (v.transition ?? null) as StoredVisit['transition'],
    startedMs: v.startedMs,
    // Imported visits are never sent unless the person asks; one the server has stays sent.
    syncState: v.sentMs === undefined ? 'local' : 'sent',
  };
  if (v.sentMs !== undefined) made.sentAt = v.sentMs;
  return made;
}

/** Sessions for visits that came without one: runs with gaps under 30 minutes. */
function assignSessions(visits: StoredVisit[], source: ImportSource): void {
  const open = visits.filter((v) => v.sessionId === '').sort((a, b) => a.startedMs - b.startedMs);
  let sessionId = '';
  let lastEnd = Number.NEGATIVE_INFINITY;
  for (const v of open) {
    if (v.startedMs - lastEnd >= SESSION_GAP_MS) {
      sessionId = uuidv5(`${source} session\n${v.startedMs}`, IMPORT_NAMESPACE);
    }
    v.sessionId = sessionId;
    lastEnd = Math.max(lastEnd, Date.parse(v.endedAt));
  }
}

/** Everything the file holds that may be stored here, and what may not with its reason. */
export function toImportRecords(parsed: ParsedFile, settings: ImportSettings): ImportRecords {
  const skipped = [...parsed.skipped];
  const days = toDays(parsed, settings, skipped);
  const visits: ImportedVisit[] = [];
  const ids = new Set<string>();
  const nowMs = settings.nowMs ?? Date.now();
  for (const v of parsed.visits) {
    const problem = visitTimesProblem(v, nowMs);
    if (problem !== null) {
      skipped.push({ record: v.record, reason: problem });
      continue;
    }
    const made = storedVisit(v, parsed.source, settings);
    if (!('type' in made)) skipped.push(made);
    else if (ids.has(made.id)) skipped.push({ record: v.record, reason: 'already_imported' });
    else {
      ids.add(made.id);
      visits.push(made);
    }
  }
  assignSessions(visits, parsed.source);
  return { source: parsed.source, days, visits, skipped };
}
