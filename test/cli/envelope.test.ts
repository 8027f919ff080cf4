/**
 * A fleet's --json envelope is written in pieces (cli/support/run.ts writeEnvelope): what reaches
 * stdout must be the very text of the envelope in one piece, whatever the tenants hold.
 */
import { envelope, writeEnvelope } from '../../cli/support/run';

/** What stdout receives, with the binary's rule: a piece without a final newline gets one. */
function written(command: string, exitCode: number, payload: object): { text: string; pieces: number } {
  let text = '';
  let pieces = 0;
  const write = (t: string) => {
    text += t.endsWith('\n') ? t : `${t}\n`;
    pieces++;
  };
  writeEnvelope(write, command, exitCode, payload);
  return { text, pieces };
}

const tenant = (i: number) => ({
  tenant: `t${i}`,
  exitCode: i % 4,
  // Line and paragraph separators, quotes, a lone surrogate, nested arrays, an absent field.
  result: { stage: 'consent-pending', done: [`wrote "client"\u2028line`, 'para\u2029graph', '\ud800'], nested: { deep: [1, [2, {}]], empty: [] }, gone: undefined },
  ...(i % 3 ? { nextAction: `open https://admin.google.com/ac/owl?x=${i}&y=\n` } : {}),
});

describe('writeEnvelope', () => {
  test.each([1, 199, 200, 201, 1001])('%d tenants: the same text as the envelope in one piece, in pieces', (count) => {
    const payload = { tenants: Array.from({ length: count }, (_, i) => tenant(i)) };
    const { text, pieces } = written('rollout', 3, payload);
    expect(text).toBe(`${envelope('rollout', 3, payload)}\n`);
    expect(pieces).toBe(2 + Math.ceil(count / 200));
  });

  test.each([
    ['no tenants', { tenants: [] }],
    ['a single result', { result: { ok: 1 } }],
    ['an error', { error: { type: 'InputError', message: 'bad' } }],
  ])('%s: one piece, as before', (_, payload) => {
    const { text, pieces } = written('status', 2, payload);
    expect(text).toBe(`${envelope('status', 2, payload)}\n`);
    expect(pieces).toBe(1);
  });
});
