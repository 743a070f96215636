/** The account in the top bar, or the sign-in screen while nobody is signed in. */
import { useAuthorization } from './api.js';
import { byId } from './render.js';
import { openSession } from './session.js';

/**
 * Signs requests in when the API takes sign-in; false while nobody is signed in, when the
 * page shows only its sign-in screen.
 */
export async function signIn() {
  const session = await openSession();
  if (session.kind === 'open') return true;
  if (session.kind === 'signed-out') {
    byId('main').hidden = true;
    byId('sync').hidden = true;
    byId('signed-out').hidden = false;
    byId('signed-out-reason').textContent = session.reason;
    byId('sign-in').addEventListener('click', () => void session.signIn());
    return false;
  }
  useAuthorization({ header: session.authorization, refused: session.renew });
  byId('signed-in-as').textContent = session.user;
  byId('account').hidden = false;
  byId('sign-out').addEventListener('click', () => void session.signOut());
  return true;
}
