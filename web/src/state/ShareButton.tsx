import { useEffect, useState } from 'react';
import { t } from '../i18n';
import { shareableUrl } from './url';

/**
 * "Copy link": the page's URL already holds the view (camera, layers, time, language — see
 * viewState.ts), so sharing is copying it. Shows the outcome for a few seconds.
 */
export function ShareButton({ className }: { className?: string }) {
  const [outcome, setOutcome] = useState<'copied' | 'failed' | null>(null);
  useEffect(() => {
    if (!outcome) return;
    const timer = setTimeout(() => setOutcome(null), 3000);
    return () => clearTimeout(timer);
  }, [outcome]);

  const copy = () => {
    const url = shareableUrl();
    // The Clipboard API needs a secure context (https or localhost); elsewhere say so.
    if (!navigator.clipboard) {
      setOutcome('failed');
      return;
    }
    navigator.clipboard.writeText(url).then(
      () => setOutcome('copied'),
      () => setOutcome('failed'),
    );
  };

  const label =
    outcome === 'copied' ? t('share.copied') : outcome === 'failed' ? t('share.failed') : t('share.copy');
  return (
    <button
      type="button"
      className={`share-button ${className ?? ''}`}
      onClick={copy}
      title={label}
      aria-label={label}
      data-testid="share-link"
      data-outcome={outcome ?? undefined}
    >
      <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
        <path
          fill="none"
          stroke="currentColor"
          strokeWidth="2.2"
          strokeLinecap="round"
          d="M10 14a4.5 4.5 0 0 0 6.4 0l3-3a4.5 4.5 0 0 0-6.4-6.4l-1.2 1.2M14 10a4.5 4.5 0 0 0-6.4 0l-3 3a4.5 4.5 0 0 0 6.4 6.4l1.2-1.2"
        />
      </svg>
      {outcome && <span className="share-outcome">{label}</span>}
    </button>
  );
}
