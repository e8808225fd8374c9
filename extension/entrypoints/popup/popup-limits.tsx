import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { t } from '../../components/i18n.js';
import { type LimitFigure, sendMessage } from '../../messaging/protocol.js';
import { formatDuration } from '../../stats/format-duration.js';

/** As often as the popup's other figures move. */
const REFRESH_MS = 1000;

/** Progress toward each daily limit that counts the current site (none: nothing shown). */
export function LimitsProgress({ limits }: { limits: readonly LimitFigure[] }): JSX.Element | null {
  const here = limits.filter((limit) => limit.appliesToCurrentSite);
  if (here.length === 0) return null;
  return (
    <section aria-labelledby="limits-here-heading" data-testid="popup-limits">
      <h2 id="limits-here-heading">{t('popupLimitsHeading')}</h2>
      <ul class="popup-limits">
        {here.map((limit) => {
          const used = t(
            'limitUsedOf',
            formatDuration(limit.usedMs),
            formatDuration(limit.limitMs),
          );
          return (
            <li
              key={limit.target}
              data-testid="popup-limit"
              data-target={limit.target}
              data-used-ms={limit.usedMs}
              data-limit-ms={limit.limitMs}
            >
              <span>{limit.target}</span>
              <progress
                max={limit.limitMs}
                value={Math.min(limit.usedMs, limit.limitMs)}
                aria-label={`${limit.target}: ${used}`}
              />
              <span class="muted">{used}</span>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

/** The limits of the current site, read from the background while the popup is open. */
export function PopupLimits(): JSX.Element | null {
  const [limits, setLimits] = useState<LimitFigure[]>([]);
  useEffect(() => {
    const read = (): void => {
      Promise.resolve(sendMessage('getLimits')).then(
        (reply) => setLimits(Array.isArray(reply?.limits) ? reply.limits : []),
        () => undefined,
      );
    };
    read();
    const timer = setInterval(read, REFRESH_MS);
    return () => clearInterval(timer);
  }, []);
  return <LimitsProgress limits={limits} />;
}
