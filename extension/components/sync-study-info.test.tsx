import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SyncStatus } from '../db/sync-status.js';
import type { SyncSetup } from '../messaging/protocol.js';
import { SyncStatusPanel } from './sync-status-panel.js';
import { formatStudyDate, StudySection } from './sync-study-info.js';
import { fakeI18n, renderView } from './ui-test-kit.js';

const ENDS = '2026-03-31T00:00:00.000Z';
const SYNC: SyncSetup = {
  enabled: true,
  serverUrl: 'https://tracksphere.example.org',
  registered: true,
  stopped: null,
  study: { cohort: 'spring-2026', studyEndsAt: ENDS, studyEnded: false },
  canLeave: true,
};
const STATUS: SyncStatus = {
  lastSuccessAt: null,
  lastAttemptAt: null,
  pendingCount: 0,
  lastError: { code: 'study_ended', message: 'server words', at: 0 },
  blocked: true,
  nextAttemptAt: null,
};
const ended: SyncSetup = {
  ...SYNC,
  enabled: false,
  stopped: { code: 'study_ended', message: 'The study "spring-2026" ended.', at: 0 },
};

beforeEach(() => fakeI18n());
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

const panel = (config: SyncSetup) => (
  <SyncStatusPanel
    config={config}
    status={STATUS}
    busy={false}
    message={null}
    onSyncNow={vi.fn()}
  />
);

describe('the sync block when the server stopped this browser', () => {
  it('says the study ended, naming the cohort and the date in the browser locale', () => {
    const view = renderView(panel(ended));
    const line = view.byTestId('sync-stopped')[0];
    expect(line?.getAttribute('data-reason')).toBe('study_ended');
    expect(line?.textContent).toContain(`syncStudyEnded(spring-2026,${formatStudyDate(ENDS)})`);
    expect(line?.textContent).toContain('syncStoppedLocal()');
    // Not the generic "set up sync again" line or the raw error on top.
    expect(view.root.textContent).not.toContain('syncBlocked');
    expect(view.root.textContent).not.toContain('server words');
  });

  it("falls back to the server's message when the study was never read", () => {
    const view = renderView(panel({ ...ended, study: null }));
    expect(view.byTestId('sync-stopped')[0]?.textContent).toContain(
      'syncStoppedByServer(The study "spring-2026" ended.)',
    );
  });

  it('says the administrator removed this browser on device_revoked', () => {
    const revoked: SyncSetup = {
      ...ended,
      stopped: { code: 'device_revoked', message: 'x', at: 0 },
    };
    const view = renderView(panel(revoked));
    expect(view.byTestId('sync-stopped')[0]?.textContent).toContain('syncDeviceRevoked()');
  });

  it('shows nothing of the kind while sync runs', () => {
    expect(renderView(panel(SYNC)).byTestId('sync-stopped')).toEqual([]);
  });
});

describe('the study section of the options page', () => {
  it('shows the cohort and the study end (ISO in data-ends-at, the locale date in the text)', () => {
    const view = renderView(
      <StudySection sync={SYNC} busy={false} message={null} onLeave={vi.fn()} />,
    );
    const info = view.byTestId('study-info')[0];
    expect(info?.getAttribute('data-cohort')).toBe('spring-2026');
    expect(info?.getAttribute('data-ends-at')).toBe(ENDS);
    expect(info?.textContent).toBe(`studyInfoEnds(spring-2026,${formatStudyDate(ENDS)})`);
  });

  it('says the study ended once the server says so, and no end without one', () => {
    const past = { ...SYNC, study: { cohort: 'spring-2026', studyEndsAt: ENDS, studyEnded: true } };
    let view = renderView(
      <StudySection sync={past} busy={false} message={null} onLeave={vi.fn()} />,
    );
    expect(view.byTestId('study-info')[0]?.textContent).toContain('studyInfoEnded(');
    const open = { ...SYNC, study: { cohort: 'c', studyEndsAt: null, studyEnded: false } };
    view = renderView(<StudySection sync={open} busy={false} message={null} onLeave={vi.fn()} />);
    expect(view.byTestId('study-info')[0]?.hasAttribute('data-ends-at')).toBe(false);
    expect(view.byTestId('study-info')[0]?.textContent).toBe('studyInfoNoEnd(c)');
  });

  it('offers "Leave the study", says local data stays, and calls onLeave', () => {
    const onLeave = vi.fn();
    const view = renderView(
      <StudySection sync={SYNC} busy={false} message={null} onLeave={onLeave} />,
    );
    expect(view.root.textContent).toContain('leaveStudyExplain()');
    view.click(view.byTestId('leave-study')[0] as HTMLElement);
    expect(onLeave).toHaveBeenCalledOnce();
  });

  it('is not shown for a browser that was never registered', () => {
    const none = { ...SYNC, registered: false, study: null, canLeave: false };
    const view = renderView(
      <StudySection sync={none} busy={false} message={null} onLeave={vi.fn()} />,
    );
    expect(view.byTestId('study-section')).toEqual([]);
  });
});

describe('formatStudyDate', () => {
  it('formats through Intl in the given locale', () => {
    expect(formatStudyDate(ENDS)).toBe(
      new Intl.DateTimeFormat(undefined, { dateStyle: 'long' }).format(new Date(ENDS)),
    );
  });
});
