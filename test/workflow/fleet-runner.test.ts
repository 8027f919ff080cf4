import { join } from 'node:path';
import { loadFleet } from '../../lib/config';
import { InputError, RemoteError, WaitingOnPersonError } from '../../lib/errors';
import { forEachTenant, requireSelection } from '../../lib/workflow/fleet-runner';
import { fleetExitCode } from '../../lib/workflow/stage-model';

const fleet = loadFleet(join(__dirname, '../../gwkit.yaml'));

describe('forEachTenant', () => {
  test('one tenant failing fails that tenant only, with its message and exit code', async () => {
    const outcomes = await forEachTenant(fleet.tenants, async (t) => {
      if (t.id === 'globex') throw new RemoteError('PBX for globex timed out');
      if (t.id === 'initech-lab') throw new WaitingOnPersonError('no client yet', 'run gwkit client guide');
      return t.projectId;
    });
    expect(outcomes).toEqual([
      { tenant: 'acme', exitCode: 0, result: 'pbxgw-acme' },
      { tenant: 'globex', exitCode: 1, error: 'PBX for globex timed out', nextAction: undefined },
      { tenant: 'initech-lab', exitCode: 3, error: 'no client yet', nextAction: 'run gwkit client guide' },
    ]);
  });

  test('runs at most `concurrency` tenants at once', async () => {
    let running = 0;
    let peak = 0;
    await forEachTenant(
      fleet.tenants,
      async () => {
        peak = Math.max(peak, ++running);
        await new Promise((r) => setTimeout(r, 20));
        running--;
      },
      { concurrency: 2 },
    );
    expect(peak).toBe(2);
  });
});

describe('fleetExitCode', () => {
  test.each([
    [[0, 0], 0],
    [[0, 3], 3],
    [[3, 2], 2],
    [[2, 1, 3], 1],
    [[], 0],
  ] as const)('%j → %i: failure beats bad input beats waiting', (codes, expected) => {
    expect(fleetExitCode(codes.map((exitCode) => ({ exitCode })))).toBe(expected);
  });
});

describe('requireSelection', () => {
  test('needs --tenant or --all, not both', () => {
    expect(requireSelection({ tenant: ['acme'] }, 'post-deploy')).toEqual(['acme']);
    expect(requireSelection({ all: true }, 'post-deploy')).toBe('all');
    expect(() => requireSelection({}, 'post-deploy')).toThrow(InputError);
    expect(() => requireSelection({}, 'post-deploy')).toThrow('post-deploy: name the tenants with --tenant ID (repeatable) or use --all');
    expect(() => requireSelection({ all: true, tenant: ['acme'] }, 'verify')).toThrow('verify: use either --tenant or --all, not both');
  });
});
