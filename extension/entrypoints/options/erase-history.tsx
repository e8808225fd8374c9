import type { JSX } from 'preact';
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { whileBusy } from '../../components/busy.js';
import {
  eraseDoneServerText,
  eraseDoneText,
  eraseServerLaterText,
} from '../../components/count-messages.js';
import { t } from '../../components/i18n.js';
import { errorNote, type Note, NoteLine, note } from '../../components/note.js';
import { type EraseHistoryResult, sendMessage } from '../../messaging/protocol.js';
import { formatDay } from '../../stats/format-duration.js';

/** What the erase controls need from the page: the background call and the state around it. */
export interface EraseControls {
  busy: boolean;
  /**
   * The last erase's outcome, shown next to the control it came from (a site's: where its row
   * was); null while an erase runs.
   */
  message: { note: Note; kind: 'site' | 'range'; site?: string } | null;
  /** Whether the browser holds a server token: the erase reaches the server too (sync on or off). */
  registered: boolean;
  onEraseSite: (site: string) => void;
  onEraseRange: (fromDay: string, toDay: string) => void;
}

/** The note after an erase: here, and on the server (or why not yet). */
export function eraseResultNote(result: EraseHistoryResult): Note {
  const { server } = result;
  if (server === null) return note(eraseDoneText(result.localVisits));
  if ('error' in server) return errorNote(eraseServerLaterText(result.localVisits, server.error));
  return note(eraseDoneServerText(result.localVisits, server.deletedVisits));
}

/** The options page's erase controls, wired to the background; `afterErase` reloads the figures. */
export function useHistoryErase(
  registered: boolean,
  afterErase: () => Promise<void>,
): EraseControls {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<EraseControls['message']>(null);
  const erase = (request: { site?: string; fromDay?: string; toDay?: string }): void => {
    const kind = request.site === undefined ? 'range' : 'site';
    const site = request.site === undefined ? {} : { site: request.site };
    setBusy(true);
    // The last outcome goes: the line that will tell this one is empty until it comes.
    setMessage(null);
    void sendMessage('eraseHistory', request)
      .then(async (result) => {
        setMessage({ note: eraseResultNote(result), kind, ...site });
        await afterErase();
      })
      .catch((e: unknown) =>
        setMessage({ note: errorNote(e instanceof Error ? e.message : String(e)), kind, ...site }),
      )
      .finally(() => setBusy(false));
  };
  return {
    busy,
    message,
    registered,
    onEraseSite: (site) => erase({ site }),
    onEraseRange: (fromDay, toDay) => erase({ fromDay, toDay }),
  };
}

/**
 * A question with Erase and Cancel, shown in place before anything is erased. It takes the focus
 * when it appears (on Cancel, the harmless answer, so a stray Enter erases nothing), which also
 * scrolls it into view and has a screen reader read its question (the group's legend). Escape
 * answers Cancel. The caller's onYes and onNo put the focus somewhere that stays, since the
 * question and its buttons go away.
 */
export function ConfirmErase(props: {
  question: string;
  registered: boolean;
  busy: boolean;
  onYes: () => void;
  onNo: () => void;
}): JSX.Element {
  const group = useRef<HTMLFieldSetElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  // Before the paint: no frame shows the question without the focus in it.
  useLayoutEffect(() => {
    // The whole question in view, not only its button (the legend sits above it).
    group.current?.scrollIntoView?.({ block: 'nearest' });
    cancel.current?.focus({ preventScroll: true });
  }, [props.question]);
  return (
    <fieldset
      class="confirm"
      data-testid="erase-confirm"
      ref={group}
      onKeyDown={(e) => {
        if (e.key !== 'Escape') return;
        e.preventDefault();
        props.onNo();
      }}
    >
      <legend>
        {props.question}
        {props.registered ? ` ${t('eraseOnServerToo')}` : ''}
      </legend>
      <div class="row">
        <button
          type="button"
          class="danger"
          data-testid="erase-confirm-yes"
          {...whileBusy(props.busy, props.onYes)}
        >
          {t('eraseConfirmYes')}
        </button>
        <button type="button" data-testid="erase-confirm-no" ref={cancel} onClick={props.onNo}>
          {t('eraseConfirmNo')}
        </button>
      </div>
    </fieldset>
  );
}

/**
 * A site's erase outcome in a row of the sites' table, where the site's row was (the person
 * is there: the focus went on to the next site's Erase), so it is seen without scrolling to
 * the table's end. The status region is drawn empty as the erase starts and filled when the
 * outcome comes: a screen reader announces a change to a live region it already knows, not
 * always one that appears with its text.
 */
export function EraseResultRow(props: { columns: number; note: Note | null }): JSX.Element {
  const { note } = props;
  return (
    <tr class={`erase-result-row${note === null ? ' pending' : ''}`} data-testid="erase-result-row">
      <td colSpan={props.columns}>
        <div role="status" data-testid="erase-site-status">
          {note === null ? null : (
            <p
              class={note.error ? 'error' : 'notice'}
              data-testid="erase-site-message"
              data-error={note.error ? 'true' : undefined}
            >
              {note.text}
            </p>
          )}
        </div>
      </td>
    </tr>
  );
}

/** A site row's erase button; the question appears in a row of its own under the site's. */
export function EraseSiteButton(props: { site: string; onAsk: (site: string) => void }) {
  return (
    <button
      type="button"
      class="danger small"
      data-testid="erase-site"
      aria-label={t('eraseSiteLabel', props.site)}
      onClick={() => props.onAsk(props.site)}
    >
      {t('eraseSite')}
    </button>
  );
}

/** Erase a range of local days: first and last day (both included), then a confirmation. */
export function EraseRangeSection(props: { controls: EraseControls; today: string }): JSX.Element {
  const { controls } = props;
  const [from, setFrom] = useState(props.today);
  const [to, setTo] = useState(props.today);
  const [asking, setAsking] = useState(false);
  /** Each press of Erase these days: the question is drawn anew and takes the focus again. */
  const [asked, setAsked] = useState(0);
  const [invalid, setInvalid] = useState(false);
  const askButton = useRef<HTMLButtonElement>(null);
  const status = useRef<HTMLDivElement>(null);
  const valid = /^\d{4}-\d\d-\d\d$/.test(from) && /^\d{4}-\d\d-\d\d$/.test(to) && from <= to;
  return (
    <section aria-labelledby="erase-range-heading">
      <h2 id="erase-range-heading">{t('eraseRangeHeading')}</h2>
      <div class="row">
        <label class="field">
          <span>{t('eraseFrom')}</span>
          <input
            type="date"
            data-testid="erase-from"
            value={from}
            max={props.today}
            onInput={(e) => {
              setFrom(e.currentTarget.value);
              setAsking(false);
            }}
          />
        </label>
        <label class="field">
          <span>{t('eraseTo')}</span>
          <input
            type="date"
            data-testid="erase-to"
            value={to}
            onInput={(e) => {
              setTo(e.currentTarget.value);
              setAsking(false);
            }}
          />
        </label>
        <button
          type="button"
          class="danger"
          data-testid="erase-range"
          ref={askButton}
          {...whileBusy(controls.busy, () => {
            setInvalid(!valid);
            setAsking(valid);
            setAsked(asked + 1);
          })}
        >
          {t('eraseRange')}
        </button>
      </div>
      {invalid ? (
        <NoteLine note={errorNote(t('eraseRangeInvalid'))} testId="erase-range-invalid" />
      ) : null}
      {asking ? (
        <ConfirmErase
          key={asked}
          question={t('eraseRangeConfirm', formatDay(from), formatDay(to))}
          registered={controls.registered}
          busy={controls.busy}
          onYes={() => {
            // To the line that says what was erased (announced when it comes): the question
            // goes, and the outcome is what the person waits for.
            status.current?.focus();
            setAsking(false);
            controls.onEraseRange(from, to);
          }}
          onNo={() => {
            // Back to the button that asked: nothing changed, the person is where they were.
            askButton.current?.focus();
            setAsking(false);
          }}
        />
      ) : null}
      <div tabIndex={-1} ref={status} data-testid="erase-range-status">
        <NoteLine
          note={controls.message?.kind === 'range' ? controls.message.note : null}
          testId="erase-range-message"
        />
      </div>
    </section>
  );
}
