/** Load-error helpers shared by the config suites. */
import { join } from 'node:path';
import { loadFleet } from '../../lib/config';
import { InputError } from '../../lib/errors';

/** Load `fixtures/<dir>/<name>` expecting an InputError; its problem lines, with the path below fixtures/ only. */
export function problemsOf(name: string, dir = ''): string[] {
  const fixtures = join(__dirname, 'fixtures', dir);
  try {
    loadFleet(join(fixtures, name));
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    const e = error as InputError;
    // Paths are shown relative to the working directory; keep the part below the fixture folder.
    const below = new RegExp(`[^\\s(]*fixtures/${dir ? `${dir}/` : ''}`, 'g');
    return (e.problems.length ? e.problems : [e.message]).map((p) => p.replace(below, ''));
  }
  throw new Error(`${name} loaded without error`);
}
