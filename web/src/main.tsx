/** @jsxImportSource hono/jsx/dom */
import { render } from 'hono/jsx/dom';
import { App } from './app';
import { toastError } from './lib/toast';

// Anything that escapes a handler still reaches the person, not only the console.
addEventListener('error', (e) => {
  if (e.error) toastError(`Something went wrong: ${(e.error as Error).message ?? e.message}`);
});
addEventListener('unhandledrejection', (e: PromiseRejectionEvent) => {
  const reason = e.reason as { handled?: boolean; message?: string } | undefined;
  if (reason?.handled) return;
  toastError(`Something went wrong: ${reason?.message ?? String(e.reason)}`);
});

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<App />, root);
}
