import { useState } from 'preact/hooks';
import { api, message, setToken } from './api';
import type { Me } from './types';

/** The same bearer tokens as /v1 (`laas tokens create`, or LAAS_API_TOKEN); kept in this tab only. */
export function Login({ onSignedIn, error }: { onSignedIn: (me: Me) => void; error: string }) {
  const [value, setValue] = useState('');
  const [problem, setProblem] = useState(error);
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      const me = await api<Me>('/me', { token: value.trim() });
      setToken(value.trim());
      setValue('');
      onSignedIn(me);
    } catch (err) {
      setProblem(message(err));
    }
  };
  return (
    <form class="login" onSubmit={(e) => void submit(e)}>
      <h1>laas lab console</h1>
      <label>
        API token
        <input name="token" type="password" autocomplete="off" value={value} onInput={(e) => setValue(e.currentTarget.value)} required />
      </label>
      <button type="submit">Sign in</button>
      {problem && <p class="error">{problem}</p>}
      <p class="hint">A token from <code>laas tokens create</code>. It stays in this browser tab only.</p>
    </form>
  );
}
