import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { sendMessage, type TrackerStatus } from '../messaging/protocol.js';
import { whileBusy } from './busy.js';
import { requestBrowsingActivityPermission } from './data-collection-permission.js';
import { t } from './i18n.js';
import { errorNote, type Note, NoteLine, note } from './note.js';

export interface SyncSettingsFormProps {
  sync: TrackerStatus['sync'];
  onStatus: (status: TrackerStatus) => void;
}

function errorText(error: unknown): Note {
  return errorNote(t('errorPrefix', error instanceof Error ? error.message : String(error)));
}

/**
 * Turning sync on: server URL, optional enrollment key, save. Shared by the
 * welcome and options pages. On Firefox the data-collection permission is
 * asked first, in the click itself (a user gesture is required).
 */
export function SyncSettingsForm({ sync, onStatus }: SyncSettingsFormProps): JSX.Element {
  const [enabled, setEnabled] = useState(sync.enabled);
  const [serverUrl, setServerUrl] = useState(sync.serverUrl ?? '');
  const [enrollmentKey, setEnrollmentKey] = useState('');
  const [message, setMessage] = useState<Note | null>(null);
  const [busy, setBusy] = useState(false);

  async function save(): Promise<void> {
    setMessage(null);
    if (!enabled) {
      setBusy(true);
      try {
        onStatus(await sendMessage('disableSync'));
        setMessage(note(t('syncDisabledDone')));
      } catch (error) {
        setMessage(errorText(error));
      } finally {
        setBusy(false);
      }
      return;
    }
    // Before any await: Firefox only grants the prompt inside the user gesture.
    const permission = requestBrowsingActivityPermission();
    setBusy(true);
    try {
      if (!(await permission)) {
        setMessage(errorNote(t('syncPermissionDenied')));
        return;
      }
      const key = enrollmentKey.trim();
      const status = await sendMessage('enableSync', {
        serverUrl: serverUrl.trim(),
        ...(key === '' ? {} : { enrollmentKey: key }),
      });
      onStatus(status);
      setMessage(note(t('syncEnabledAs', status.sync.serverUrl ?? '')));
    } catch (error) {
      setMessage(errorText(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      class="sync-form"
      onSubmit={(e) => {
        e.preventDefault();
        // Enter in a field submits too: one save at a time.
        if (!busy) void save();
      }}
    >
      <label class="check">
        <input
          type="checkbox"
          data-testid="sync-enable"
          checked={enabled}
          onChange={(e) => setEnabled(e.currentTarget.checked)}
        />
        <span>{t('syncEnableLabel')}</span>
      </label>
      <label class="field">
        <span>{t('serverUrlLabel')}</span>
        <input
          type="url"
          data-testid="server-url"
          placeholder="https://tracksphere.example.org"
          value={serverUrl}
          disabled={!enabled}
          required={enabled}
          onInput={(e) => setServerUrl(e.currentTarget.value)}
        />
      </label>
      <label class="field">
        <span>{t('enrollmentKeyLabel')}</span>
        <input
          type="password"
          autocomplete="off"
          data-testid="enrollment-key"
          value={enrollmentKey}
          disabled={!enabled}
          onInput={(e) => setEnrollmentKey(e.currentTarget.value)}
        />
      </label>
      {/* Focusable while saving (whileBusy): registering with a slow or unreachable server takes
          seconds, and a disabled button would drop the keyboard focus to the page meanwhile. */}
      <button type="submit" data-testid="sync-save" {...whileBusy(busy, () => undefined)}>
        {t('syncSave')}
      </button>
      <NoteLine note={message} />
    </form>
  );
}
