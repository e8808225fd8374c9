/**
 * All my browsers on the options page: what linking shows, a code for another browser, entering
 * one, and the linked browsers with Unlink. Every call goes through the background.
 */
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { LinkCode, LinkState } from '#protocol';
import { whileBusy } from '../../components/busy.js';
import { deviceName } from '../../components/device-name.js';
import { t } from '../../components/i18n.js';
import { errorNote, type Note, NoteLine, note } from '../../components/note.js';
import { type SyncSetup, sendMessage } from '../../messaging/protocol.js';
import { formatDateTime } from '../../stats/format-duration.js';

/** The background rejects with "<API code>: <message>": the person reads a sentence for it. */
export function linkErrorText(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const code = message.split(':', 1)[0];
  if (code === 'invalid_link_code') return t('linkInvalidCode');
  if (code === 'rate_limited') return t('linkTooManyTries');
  if (code === 'network' || code === 'timeout') return t('linkServerAway');
  // The rest is worded already, in the person's language (sync/error-text.ts): without its code.
  return t('errorPrefix', message.replace(/^[a-z0-9_]+: /, ''));
}

function DeviceRow({
  device,
  busy,
  onUnlink,
}: {
  device: LinkState['devices'][number];
  busy: boolean;
  onUnlink: (id: string) => void;
}): JSX.Element {
  const name = deviceName(device);
  return (
    <li
      data-testid="linked-device"
      data-device-id={device.id}
      data-this-device={device.thisDevice ? 'true' : undefined}
    >
      <strong>{name}</strong>
      {device.thisDevice ? ` ${t('linkThisBrowser')}` : null}{' '}
      <span class="muted">
        {device.lastSyncAt === null
          ? t('linkNeverSynced')
          : t('linkLastSynced', formatDateTime(device.lastSyncAt))}
      </span>{' '}
      <button
        type="button"
        class="secondary"
        data-testid="unlink-device"
        aria-label={t('linkUnlinkNamed', name)}
        {...whileBusy(busy, () => onUnlink(device.id))}
      >
        {t('linkUnlink')}
      </button>
    </li>
  );
}

export function LinkSection({ sync }: { sync: SyncSetup }): JSX.Element | null {
  const [state, setState] = useState<LinkState | null>(null);
  const [code, setCode] = useState<LinkCode | null>(null);
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Note | null>(null);
  const on = sync.enabled && sync.registered;

  useEffect(() => {
    if (!on) return;
    let current = true;
    sendMessage('getLinkState').then(
      (read) => current && setState(read),
      (e: unknown) => current && setMessage(errorNote(linkErrorText(e))),
    );
    return () => {
      current = false;
    };
  }, [on]);

  if (!on) return null;

  async function run(action: () => Promise<void>): Promise<void> {
    setBusy(true);
    setMessage(null);
    try {
      await action();
    } catch (e) {
      setMessage(errorNote(linkErrorText(e)));
    } finally {
      setBusy(false);
    }
  }

  const linked = state !== null && state.personId !== null;
  return (
    <section data-testid="link-section" aria-labelledby="link-heading">
      <h2 id="link-heading">{t('linkHeading')}</h2>
      <p>{t('linkExplain')}</p>
      <p>
        <button
          type="button"
          data-testid="link-create"
          {...whileBusy(
            busy,
            () => void run(async () => setCode(await sendMessage('createLinkCode'))),
          )}
        >
          {t('linkCreate')}
        </button>
      </p>
      {code === null ? null : (
        <p>
          {t('linkCodeIntro')}{' '}
          <code class="link-code" data-testid="link-code" data-code={code.code}>
            {code.code}
          </code>{' '}
          <span class="muted">{t('linkCodeExpires', formatDateTime(code.expiresAt))}</span>
        </p>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (busy || typed.trim() === '') return;
          void run(async () => {
            setState(await sendMessage('linkWithCode', { code: typed.trim() }));
            setTyped('');
            setMessage(note(t('linkDone')));
          });
        }}
      >
        <label for="link-code-input">{t('linkEnterCode')}</label>{' '}
        <input
          id="link-code-input"
          data-testid="link-code-input"
          autocomplete="off"
          spellcheck={false}
          maxLength={64}
          value={typed}
          onInput={(e) => setTyped(e.currentTarget.value)}
        />{' '}
        <button type="submit" data-testid="link-submit" aria-disabled={busy ? 'true' : undefined}>
          {t('linkSubmit')}
        </button>
      </form>
      <NoteLine note={message} testId="link-note" />
      {state === null ? null : (
        <>
          <h3>{t(linked ? 'linkedBrowsers' : 'linkNotLinked')}</h3>
          <ul class="linked-devices">
            {(linked ? state.devices : []).map((device) => (
              <DeviceRow
                key={device.id}
                device={device}
                busy={busy}
                onUnlink={(id) =>
                  void run(async () => {
                    const mine = state.devices.find((d) => d.id === id)?.thisDevice === true;
                    const data = mine ? {} : { deviceId: id };
                    setState(await sendMessage('unlink', data));
                  })
                }
              />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
