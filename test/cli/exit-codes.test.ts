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
