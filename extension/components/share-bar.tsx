import type { JSX } from 'preact';

/** A horizontal bar filled to `share` (0..1); decorative, the row's text holds the figures. */
export function ShareBar({ share }: { share: number }): JSX.Element {
  const percent = Math.round(Math.min(1, Math.max(0, share)) * 1000) / 10;
  return (
    <svg class="share-bar" viewBox="0 0 100 6" preserveAspectRatio="none" aria-hidden="true">
      <rect class="share-track" x={0} y={0} width={100} height={6} rx={3} />
      <rect class="share-fill" x={0} y={0} width={percent} height={6} rx={3} />
    </svg>
  );
}
