import { type FormEvent, useEffect, useId, useState } from 'react';
import { type MessageId, t } from '../i18n';

/**
 * Log in / log out in a mode's title bar (docs/security.md). Asks `GET /api/auth/me` who is
 * signed in; the form posts to `POST /api/auth/login`, which sets an HttpOnly session cookie
 * (this code never sees it). A successful login or logout reloads the page, so the layer list,
 * scenarios and the live `/ws` connection are fetched again with the new role.
 */

interface Me {
  user: { name: string; role: 'public' | 'planner' | 'operator' | 'admin' } | null;
  oidc: boolean;
}

const ROLE_LABEL: Record<NonNullable<Me['user']>['role'], MessageId> = {
  public: 'auth.role.public',
  planner: 'auth.role.planner',
  operator: 'auth.role.operator',
  admin: 'auth.role.admin',
};

export function LoginButton({ className }: { className?: string }) {
  const [me, setMe] = useState<Me | null>(null);
  const [open, setOpen] = useState(false);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const formId = useId();

  useEffect(() => {
    fetch('/api/auth/me', { credentials: 'same-origin' })
      .then((r) => (r.ok ? (r.json() as Promise<Me>) : null))
      .then((m) => setMe(m))
      .catch(() => setMe(null));
  }, []);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    setBusy(true);
    setError('');
    try {
      const res = await fetch('/api/auth/login', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: data.get('name'), password: data.get('password') }),
      });
      if (res.ok) {
        location.reload();
        return;
      }
      setError(
        res.status === 401
          ? t('auth.failed')
          : res.status === 429
            ? t('auth.tooMany')
            : t('auth.error', { message: String(res.status) }),
      );
    } catch (e) {
      setError(t('auth.error', { message: (e as Error).message }));
    } finally {
      setBusy(false);
    }
  };

  const logout = async () => {
    await fetch('/api/auth/logout', { method: 'POST', credentials: 'same-origin' }).catch(() => {});
    location.reload();
  };

  const user = me?.user ?? null;
  const label = user
    ? t('auth.signedIn', { name: user.name, role: t(ROLE_LABEL[user.role]) })
    : t('auth.login');
  return (
    <div className={`auth-box ${className ?? ''}`}>
      <button
        type="button"
        className={`auth-icon${user ? ' signed-in' : ''}`}
        aria-expanded={open}
        aria-controls={formId}
        title={label}
        aria-label={label}
        onClick={() => setOpen((o) => !o)}
        data-testid={user ? 'auth-user' : 'login-open'}
        data-role={user?.role}
      >
        <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
          <circle cx="12" cy="8" r="4" fill="none" stroke="currentColor" strokeWidth="2.2" />
          <path
            d="M4 21c0-4.4 3.6-7 8-7s8 2.6 8 7"
            fill="none"
            stroke="currentColor"
            strokeWidth="2.2"
            strokeLinecap="round"
          />
        </svg>
      </button>
      {open && user && (
        <div id={formId} className="panel auth-menu" data-testid="auth-menu">
          <p className="auth-who">
            <span className="auth-name">{user.name}</span>
            <span className="auth-role">{t(ROLE_LABEL[user.role])}</span>
          </p>
          <button
            type="button"
            className="auth-button primary"
            onClick={() => void logout()}
            data-testid="logout"
          >
            {t('auth.logout')}
          </button>
        </div>
      )}
      {open && !user && (
        <form
          id={formId}
          className="panel auth-form"
          onSubmit={(e) => void submit(e)}
          data-testid="login-form"
        >
          <label>
            {t('auth.name')}
            <input name="name" autoComplete="username" required maxLength={64} />
          </label>
          <label>
            {t('auth.password')}
            <input
              name="password"
              type="password"
              autoComplete="current-password"
              required
              maxLength={1024}
            />
          </label>
          {error && (
            <p className="auth-error" role="alert">
              {error}
            </p>
          )}
          <div className="auth-actions">
            <button type="button" className="auth-button" onClick={() => setOpen(false)}>
              {t('auth.cancel')}
            </button>
            <button type="submit" className="auth-button primary" disabled={busy} data-testid="login-submit">
              {t('auth.submit')}
            </button>
          </div>
          {me?.oidc && (
            <a className="auth-oidc" href="/api/auth/oidc/login">
              {t('auth.oidc')}
            </a>
          )}
        </form>
      )}
    </div>
  );
}
