/**
 * A worker killed between two events comes back to the state saved with the last one: the
 * visits it finished were written in the same transaction, so the saved state never holds a
 * visit that is already recorded. Saving the state less often (visits recorded alone between
 * saves) broke both cases below: an erased visit came back when the saved state still had it
 * open, and time on the page shown after a restart went to a visit already recorded, and was
 * dropped with it.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { eraseLocalData } from '../db/erase.js';
import { consentItem } from '../settings/index.js';
import { CHECKPOINT_ALARM } from './alarms.js';
import {
  browserWithOneTab,
  committed,
  createHarness,
  type Harness,
  MIN,
  SEC,
} from './background-test-kit.js';

describe('a worker killed between two events', () => {
  let h: Harness;

  beforeEach(async () => {
    fakeBrowser.reset();
    await consentItem.setValue(true);
    h = createHarness();
  });

  it('does not bring back a visit erased before it was killed', async () => {
    await browserWithOneTab(h);
    await h.on.onNavigationCommitted(committed(1, 'https://secret.example/a'));
    h.clock.advance(30 * SEC);
    await h.on.onAlarm({ name: CHECKPOINT_ALARM });
    h.clock.advance(2 * SEC);
    await h.on.onNavigationCommitted(committed(1, 'https://example.com/b'));
    expect((await h.visits()).map((v) => v.url)).toEqual(['https://secret.example/a']);
    h.clock.advance(2 * SEC);
    await eraseLocalData(h.db);
    expect(await h.visits()).toEqual([]);
    // The browser closes 3 s later, and starts again a minute after.
    h.restart();
    h.clock.advance(60 * SEC);
    await h.on.onStartup();
    await h.tracker.drained();
    expect((await h.visits()).map((v) => v.url)).not.toContain('https://secret.example/a');
  });

  it('counts the time on the page shown after the restart', async () => {
    await browserWithOneTab(h);
    await h.on.onNavigationCommitted(committed(1, 'https://example.com/a'));
    h.clock.advance(30 * SEC);
    await h.on.onAlarm({ name: CHECKPOINT_ALARM });
    h.clock.advance(2 * SEC);
    await h.on.onNavigationCommitted(committed(1, 'https://example.com/c'));
    h.restart();
    h.clock.advance(1 * SEC);
    await h.on.onWorkerStart();
    // 20 minutes on /c, kept going by the checkpoints, then the next page.
    for (let i = 0; i < 20; i++) {
      h.clock.advance(1 * MIN);
      await h.on.onAlarm({ name: CHECKPOINT_ALARM });
    }
    await h.on.onNavigationCommitted(committed(1, 'https://example.com/d'));
    await h.tracker.drained();
    const visits = await h.visits();
    const total = visits.reduce((sum, v) => sum + v.activeMs, 0);
    // Only the second the worker was down may be lost.
    expect(total).toBeGreaterThanOrEqual(32 * SEC + 20 * MIN - 1 * SEC);
  });
});
