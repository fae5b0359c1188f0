/** @jsxImportSource hono/jsx/dom */
import { useState } from 'hono/jsx/dom';
import { api, ApiError, errorMessage, unwrap } from '../lib/api';
import { setAuthFrom, takeFlash } from '../lib/auth';
import { useTitle } from '../lib/hooks';
import { navigate } from '../lib/nav';
import { paths } from '../lib/routes';
import { InlineError, Link } from '../components/ui';

export function AuthPage(props: { mode: 'login' | 'signup'; next: string | null }) {
  const signup = props.mode === 'signup';
  useTitle(signup ? 'Create account' : 'Log in');
  const [flash] = useState(() => takeFlash());
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ message: string; field?: string } | null>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    if (password.length < 8) {
      setError({ message: 'Password must be at least 8 characters.', field: 'password' });
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const body = { json: { email: email.trim(), password } };
      // Sign-up answers alike for new and taken emails (it reveals no accounts); logging in
      // with the same credentials is what tells whether the account is ours.
      if (signup) await unwrap(api.api.auth.signup.$post(body), { authRoute: true });
      const res = await unwrap(api.api.auth.login.$post(body), { authRoute: true }).catch((err: unknown) => {
        if (signup && err instanceof ApiError && err.status === 401) throw new ApiError(409, 'email_unavailable', 'This email cannot be used for a new account. If it is yours, log in instead.', 'email');
        throw err;
      });
      setAuthFrom(res);
      navigate(props.next ?? paths.projects(), { replace: true });
    } catch (err) {
      setError({ message: errorMessage(err), field: err instanceof ApiError ? err.field : undefined });
      setBusy(false);
    }
  };

  return (
    <main class="auth" id="main">
      <div class="auth-brand" aria-hidden="true">
        <span class="logo">✦</span> Spark
      </div>
      <form class="card auth-card" onSubmit={submit} noValidate aria-labelledby="auth-title" data-testid={`${props.mode}-form`}>
        <h1 id="auth-title">{signup ? 'Create your account' : 'Log in to Spark'}</h1>
        <p class="muted">Drive your Unity project from anywhere.</p>
        {flash ? (
          <p class="notice notice-warn" role="status" data-testid="auth-flash">
            {flash}
          </p>
        ) : null}
        <label for="auth-email">Email</label>
        <input
          id="auth-email"
          name="email"
          type="email"
          autocomplete="email"
          required
          value={email}
          aria-invalid={error?.field === 'email' ? 'true' : undefined}
          onInput={(e: Event) => setEmail((e.target as HTMLInputElement).value)}
        />
        <label for="auth-password">Password</label>
        <input
          id="auth-password"
          name="password"
          type="password"
          autocomplete={signup ? 'new-password' : 'current-password'}
          required
          minLength={8}
          value={password}
          aria-describedby="auth-password-hint"
          aria-invalid={error?.field === 'password' ? 'true' : undefined}
          onInput={(e: Event) => setPassword((e.target as HTMLInputElement).value)}
        />
        <p class="hint" id="auth-password-hint">
          At least 8 characters.
        </p>
        <InlineError message={error?.message} data-testid="auth-error" />
        <button type="submit" class="btn btn-primary btn-block" disabled={busy} data-testid="auth-submit">
          {busy ? (signup ? 'Creating account…' : 'Logging in…') : signup ? 'Create account' : 'Log in'}
        </button>
        <p class="auth-switch">
          {signup ? 'Already have an account? ' : 'New to Spark? '}
          <Link href={signup ? paths.login(props.next) : paths.signup(props.next)} data-testid="auth-switch">
            {signup ? 'Log in' : 'Create an account'}
          </Link>
        </p>
      </form>
    </main>
  );
}
