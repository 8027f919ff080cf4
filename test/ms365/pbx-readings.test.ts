/**
 * A Microsoft 365 tenant through the CLI under every reading of PortSIP's spec the emulator can be
 * switched into for /ms365 (emulators/pbx/README.md): POST /ms365 that merges or replaces the whole
 * object, the certificate served as PEM or DER, errors answered in 2xx bodies. For each: rollout
 * records the facts, the emulated deploy and a second rollout reach verified with one write, a rerun
 * writes nothing, a certificate renewal completes, a missing consent and a PBX fault are told apart,
 * and the PBX saw no request that violates its spec.
 */
import { startSandbox, type Sandbox, type SandboxOptions } from '../../emulators/sandbox';
import { runExpect } from '../cli/helpers';

const READINGS: [string, SandboxOptions['pbxBehaviour']][] = [
  ['the emulator defaults (POST merges, PEM certificate)', {}],
  ['POST /ms365 replaces the whole object', { ms365Post: 'replace' }],
  ['the certificate is served as DER bytes', { ms365CertificateFormat: 'der' }],
  ['errors come in 2xx answers', { errorsOn2xx: true }],
  ['all of them at once', { ms365Post: 'replace', ms365CertificateFormat: 'der', errorsOn2xx: true }],
];

describe.each(READINGS)('%s', (_name, behaviour) => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ microsoft365: true, pbxBehaviour: behaviour });
  });
  afterAll(async () => {
    await sb?.close();
  });
  const writes = () => sb.pbx.state.requests.filter((r) => r.method === 'POST' && r.path === '/api/ms365').length;
  const result = async (args: string[], code: number) => (await runExpect(sb, [...args, '--json'], code)).json;

  test('planned → discovered → verified with one write; a rerun writes nothing; a renewal completes', async () => {
    expect((await result(['rollout', '--tenant', 'contoso'], 3)).tenants[0].result).toMatchObject({ from: 'planned', stage: 'discovered' });
    const outputs = sb.deployMs365();
    expect((await result(['rollout', '--tenant', 'contoso', '--outputs-file', outputs], 0)).tenants[0].result).toMatchObject({
      stage: 'verified',
      users: 12,
    });
    expect(writes()).toBe(1);
    expect((await result(['post-deploy', '--tenant', 'contoso', '--outputs-file', outputs], 0)).tenants[0].result.written).toEqual([]);
    expect((await result(['status', '--tenant', 'contoso'], 0)).tenants[0].result.stage).toBe('verified');
    expect(writes()).toBe(1);

    expect((await result(['client', 'rotate', '--tenant', 'contoso', '--new-certificate'], 3)).result.step).toBe('deploy');
    sb.deployMs365();
    expect((await result(['client', 'rotate', '--tenant', 'contoso'], 3)).result.step).toBe('retire-old');
    expect((await result(['client', 'rotate', '--tenant', 'contoso'], 0)).result.step).toBe('done');
    // The options written survive the renewal (a replacing POST was never sent by it).
    expect((await result(['post-deploy', '--tenant', 'contoso', '--outputs-file', outputs], 0)).tenants[0].result.written).toEqual([]);
    expect(sb.pbx.state.violations).toEqual([]);
  });

  test('a missing consent is the integration failing (exit 1, the cause named); a PBX fault is a fault', async () => {
    const directory = sb.microsoft!.directories.get(sb.microsoft365Tenants.contoso!.directoryId)!;
    const consent = directory.assignments.splice(0);
    try {
      const broken = await result(['verify', '--tenant', 'contoso'], 1);
      expect(broken.tenants[0].result).toMatchObject({
        stage: 'pbx-configured',
        failure: expect.stringMatching(/Authorization_RequestDenied/),
      });
      expect(broken.tenants[0].nextAction).toMatch(/lacks consent to read users/);
    } finally {
      directory.assignments.push(...consent);
    }
    sb.pbx.failNext('GET', '/ms365/users', 503, 3);
    const fault = await result(['status', '--tenant', 'contoso'], 1);
    expect(fault.tenants[0].result).toBeUndefined();
    expect(fault.tenants[0].error).toMatch(/GET \/ms365\/users failed \(HTTP 503\)/);
    expect((await result(['status', '--tenant', 'contoso'], 0)).tenants[0].result.stage).toBe('verified');
  });
});
