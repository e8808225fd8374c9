/** An import's result says "1 record" of one record imported (the UI language's plural rules). */
import { describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { renderView, viewTestHooks } from '../../components/ui-test-kit.js';
import type { ImportSummary } from '../../import/worker-protocol.js';
import { ImportResult } from './import-section.js';

viewTestHooks(() => undefined);

describe('the import result', () => {
  const resultOf = (imported: number, skipped: number): string => {
    const summary: ImportSummary = {
      source: 'time-tracker-4-browser',
      imported,
      skipped,
      firstSkipped: [],
      skippedByReason: {},
    };
    return renderView(<ImportResult summary={summary} />).byTestId('import-result')[0]
      ?.textContent as string;
  };

  it('picks the singular by the records imported, the count first', () => {
    vi.spyOn(fakeBrowser.i18n, 'getUILanguage').mockReturnValue('en-US');
    expect(resultOf(1, 0)).toBe('importDoneOne(1,Time Tracker (time-tracker-4-browser),0)');
    expect(resultOf(0, 1)).toBe('importDone(0,Time Tracker (time-tracker-4-browser),1)');
    expect(resultOf(120, 3)).toBe('importDone(120,Time Tracker (time-tracker-4-browser),3)');
    vi.spyOn(fakeBrowser.i18n, 'getUILanguage').mockReturnValue('fr');
    expect(resultOf(0, 1)).toBe('importDoneOne(0,Time Tracker (time-tracker-4-browser),1)');
  });
});
