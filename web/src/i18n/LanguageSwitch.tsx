import { useEffect, useSyncExternalStore } from 'react';
import { getLang, LANGS, type Lang, onLangChange, setLang, t } from './index';

/**
 * The active language as React state: a component that calls it re-renders on a switch. Modes
 * are wrapped in `I18nRoot` (main.tsx), so every component under them re-renders anyway:
 * make text at render, not inside `useMemo`/state (memoise the numbers, format them at render),
 * and call this where something outside React must follow the language.
 */
export function useLang(): Lang {
  return useSyncExternalStore(onLangChange, getLang, getLang);
}

/** Re-renders its children whenever the language switches (wraps every mode). */
export function I18nRoot({ children }: { children: () => React.ReactNode }) {
  useLang();
  return <>{children()}</>;
}

/** Each language's name in itself: the switch reads the same whatever the UI language. */
const NATIVE_NAME: Readonly<Record<Lang, string>> = { vi: 'Tiếng Việt', en: 'English' };

/**
 * VI | EN switch for a mode's title bar (touch targets ≥ 48 px, see app.css). Switching
 * re-renders the UI and the scene's strings without reloading, and is remembered.
 */
export function LanguageSwitch({ className }: { className?: string }) {
  const lang = useLang();
  return (
    // biome-ignore lint/a11y/useSemanticElements: a group of toggle buttons, not a form fieldset
    <div
      className={`lang-switch ${className ?? ''}`}
      role="group"
      aria-label={t('lang.switch')}
      data-testid="lang-switch"
    >
      {LANGS.map((l) => (
        <button
          key={l}
          type="button"
          lang={l}
          aria-pressed={l === lang}
          title={NATIVE_NAME[l]}
          aria-label={NATIVE_NAME[l]}
          data-lang={l}
          onClick={() => setLang(l)}
        >
          {l.toUpperCase()}
        </button>
      ))}
    </div>
  );
}

/** Keep `document.title` in the active language: call with `t(…)` text from a mode's root. */
export function useDocumentTitle(title: string): void {
  useEffect(() => {
    document.title = title;
  }, [title]);
}
