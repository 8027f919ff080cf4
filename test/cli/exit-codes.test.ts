/** The exit codes, their words and the contract text: decided once (lib/exit-codes.ts). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode, exitWord, fleetExitCode, oldNodeText } from '../../lib/exit-codes';

test('each code has one word; the terminal (table, progress lines) shows all but ok in capitals, reports in lower case', () => {
  const codes = [ExitCode.Ok, ExitCode.Failed, ExitCode.BadInput, ExitCode.WaitingOnPerson];
  expect(codes.map((c) => exitWord(c, 'terminal'))).toEqual(['ok', 'FAILED', 'BAD INPUT', 'WAITING']);
  expect(codes.map((c) => exitWord(c, 'report'))).toEqual(['ok', 'failed', 'bad input', 'waiting']);
  expect(exitWord(130, 'terminal')).toBe('130');
});

test('a fleet run: failure beats bad input beats waiting beats done', () => {
  expect(fleetExitCode([{ exitCode: 3 }, { exitCode: 2 }, { exitCode: 1 }])).toBe(1);
  expect(fleetExitCode([{ exitCode: 3 }, { exitCode: 2 }])).toBe(2);
  expect(fleetExitCode([{ exitCode: 0 }, { exitCode: 3 }])).toBe(3);
  expect(fleetExitCode([])).toBe(0);
});

test('the module bin.ts loads before the Node.js check stays loadable on old Node: no imports, no ?? or ?.', () => {
  const built = readFileSync(join(__dirname, '../../dist/lib/exit-codes.js'), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
  expect(built).not.toMatch(/require\(|\?\?|\?\./);
  expect(readFileSync(join(__dirname, '../../dist/cli/bin.js'), 'utf8')).toMatch(/require\("\.\.\/lib\/exit-codes"\)/);
  expect(oldNodeText('v18.20.0')).toMatch(/^gwkit needs Node\.js 22 or later \(this is v18\.20\.0\)/);
});

test('progress lines and the result table spell a waiting tenant alike (they said "waiting" and "WAITING")', async () => {
  const { progressView } = await import('../../cli/support/progress');
  const lines: string[] = [];
  const io = { stderr: (t: string) => lines.push(t), interactive: false } as unknown as import('../../cli/io').CliIo;
  const view = await progressView(io, 'status', 2);
  view.finished('acme', ExitCode.WaitingOnPerson);
  view.finished('globex', ExitCode.Failed);
  expect(lines).toEqual(['gwkit status: [1/2] acme: WAITING', 'gwkit status: [2/2] globex: FAILED']);
});

test('a report does not call a tenant whose PBX was not checked "not yet": its health is unknown', async () => {
  const { buildReport } = await import('../../lib/report/fleet-report');
  const doc = buildReport('status', {
    exitCode: 0,
    tenants: [
      { tenant: 'acme', exitCode: 0, result: { stage: 'client-registered', unchecked: ['PBX: no PBX password'] } },
      { tenant: 'globex', exitCode: 0, result: { stage: 'client-registered' } },
    ],
  });
  expect(doc.tenants.map((t) => [t.tenant, t.stage, t.health])).toEqual([
    ['acme', 'client-registered', 'unknown'],
    ['globex', 'client-registered', 'not yet'],
  ]);
});
