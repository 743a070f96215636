/**
 * Prints an access token for a local user, signed with local mode's persisted keys, so
 * it works whether or not local mode is running:
 *   npm run --silent token -- alice            (tasks/read tasks/write)
 *   npm run --silent token -- alice --admin    (also tasks/admin)
 *   npm run --silent token -- --machine        (the machine client's, as by client credentials)
 * PORT, DATA_DIR, LOCAL_ISSUER and LOCAL_ADMINS mean what they mean to `npm start`.
 */
import { createLocalIdentity } from '../infra/local/identity/provider.ts';
import { identitySettingsFromEnvironment } from '../infra/local/identity/settings.ts';

const args = process.argv.slice(2);
const admin = args.includes('--admin');
const machine = args.includes('--machine');
const names = args.filter((arg) => arg !== '--admin' && arg !== '--machine');

if (machine ? names.length > 0 || admin : names.length !== 1 || names[0]?.startsWith('-')) {
  console.error('Usage: npm run --silent token -- <user name> [--admin] | --machine');
  process.exit(2);
}

try {
  const identity = await createLocalIdentity(identitySettingsFromEnvironment(process.env));
  const token = machine
    ? await identity.issueMachineToken()
    : await identity.issueToken(names[0] ?? '', { admin });
  console.log(token);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
