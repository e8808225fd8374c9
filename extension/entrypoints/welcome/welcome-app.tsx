import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { PrivacyLevel } from '../../../protocol/redact.js';
import { t } from '../../components/i18n.js';
import { sendMessage, type TrackerStatus } from '../../messaging/protocol.js';
import { WelcomeView } from './welcome-view.js';

/** Onboarding: every choice is written by the background at once (consent takes effect immediately). */
export function WelcomeApp(): JSX.Element {
  const [status, setStatus] = useState<TrackerStatus | null>(null);
  const [answered, setAnswered] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    sendMessage('getStatus').then(setStatus, (e: unknown) => setError(String(e)));
  }, []);

  async function act(run: () => Promise<TrackerStatus>): Promise<void> {
    setBusy(true);
    try {
      setStatus(await run());
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  if (error !== null) return <p class="error">{t('errorPrefix', error)}</p>;
  if (status === null) return <p class="muted">{t('loading')}</p>;
  return (
    <WelcomeView
      status={status}
      answered={answered}
      busy={busy}
      onConsent={(consent) => {
        setAnswered(true);
        void act(() => sendMessage('setConsent', { consent }));
      }}
      onLevel={(level: PrivacyLevel) => void act(() => sendMessage('setPrivacyLevel', { level }))}
      onStatus={setStatus}
    />
  );
}
