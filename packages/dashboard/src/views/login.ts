// Sign-in: username and password → the API sets the session cookie and hands back the CSRF token.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import type { ApiClient } from '../api/client.ts';
import { ApiError } from '../api/client.ts';
import type { Session } from '@phasewire/api';
import { errorText, fieldText } from './context.ts';

export function LoginView(props: { readonly api: ApiClient; readonly onSession: (session: Session) => void }) {
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const onSubmit = (event: SubmitEvent) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    const username = fieldText(data, 'username');
    const password = fieldText(data, 'password');
    setBusy(true);
    setError(undefined);
    props.api.login(username, password).then(props.onSession, (e: unknown) => {
      setBusy(false);
      if (e instanceof ApiError && e.status === 429) setError('Too many attempts: wait a minute and try again.');
      else if (e instanceof ApiError && e.status === 401) setError('Wrong username or password.');
      else setError(errorText(e));
    });
  };

  return html`
    <main class="login" id="main">
      <form class="card login-card" onSubmit=${onSubmit} aria-labelledby="login-title">
        <h1 id="login-title"><span class="brand">phasewire</span> sign in</h1>
        <label for="login-username">Username</label>
        <input id="login-username" name="username" autocomplete="username" required autofocus />
        <label for="login-password">Password</label>
        <input id="login-password" name="password" type="password" autocomplete="current-password" required />
        ${error === undefined ? null : html`<p class="error" role="alert">${error}</p>`}
        <button type="submit" class="primary" disabled=${busy}>${busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
    </main>`;
}
