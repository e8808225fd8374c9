import { describe, expect, it, vi } from 'vitest';
import { sendMessage, type TrackerStatus } from '../messaging/protocol.js';
import { SyncSettingsForm } from './sync-settings-form.js';
import { renderView, viewTestHooks } from './ui-test-kit.js';

vi.mock('../messaging/protocol.js', () => ({ sendMessage: vi.fn() }));
vi.mock('./data-collection-permission.js', () => ({
  requestBrowsingActivityPermission: async () => true,
}));

viewTestHooks(() => undefined);

const SYNC: TrackerStatus['sync'] = {
  enabled: true,
  serverUrl: 'https://sync.example',
  registered: false,
  stopped: null,
  study: null,
  canLeave: false,
};

describe('sync settings form', () => {
  it('keeps Save focusable while the server is asked, and saves once however often it is pressed', async () => {
    let answer: (status: TrackerStatus) => void = () => undefined;
    vi.mocked(sendMessage).mockImplementation(
      (() => new Promise<TrackerStatus>((resolve) => (answer = resolve))) as never,
    );
    const view = renderView(<SyncSettingsForm sync={SYNC} onStatus={vi.fn()} />);
    const [save] = view.byTestId('sync-save');
    const form = view.root.querySelector('form') as HTMLFormElement;
    const submit = (): void => {
      const win = form.ownerDocument.defaultView as unknown as typeof globalThis;
      form.dispatchEvent(new win.Event('submit'));
    };
    submit();
    await vi.waitFor(() => expect(save?.getAttribute('aria-disabled')).toBe('true'));
    // A disabled button drops the keyboard focus to the page while a slow server is asked.
    expect(save?.hasAttribute('disabled')).toBe(false);
    view.click(save as HTMLElement);
    submit();
    expect(vi.mocked(sendMessage)).toHaveBeenCalledTimes(1);
    answer({ sync: { ...SYNC, registered: true } } as TrackerStatus);
    await vi.waitFor(() => expect(save?.hasAttribute('aria-disabled')).toBe(false));
  });
});
