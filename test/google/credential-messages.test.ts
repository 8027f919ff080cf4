/** Google credential and network failures worded for the person who must fix them. */
import { InputError, RemoteError } from '../../lib/errors';
import { googleRemoteError, noCredentialsError } from '../../lib/google';

test('no Application Default Credentials anywhere: bad input, with the commands that fix it', () => {
  const e = googleRemoteError(
    'reading project p',
    new Error(
      'Could not load the default credentials. Browse to https://cloud.google.com/docs/authentication/getting-started for more information.',
    ),
  );
  expect(e).toBeInstanceOf(InputError);
  expect(e.message).toMatch(
    /^no Google credentials found \(Application Default Credentials\); run `gcloud auth application-default login`.*GOOGLE_APPLICATION_CREDENTIALS/,
  );
  expect(noCredentialsError(new Error('something else'))).toBeUndefined();
});

test('Google unreachable: a remote failure that says to check the network, retryable', () => {
  const cause = Object.assign(new Error('getaddrinfo ENOTFOUND secretmanager.googleapis.com'), { code: 'ENOTFOUND' });
  const e = googleRemoteError(
    'reading secret projects/p/secrets/s',
    Object.assign(new Error('request to https://secretmanager.googleapis.com failed'), { cause }),
  );
  expect(e).toBeInstanceOf(RemoteError);
  expect(e.message).toMatch(/Google could not be reached: check the network, DNS or proxy \(HTTPS_PROXY\)/);
  expect((e as RemoteError).retryable).toBe(true);
});
