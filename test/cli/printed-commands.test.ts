/**
 * Every command gwkit prints or documents runs as typed, from the project folder after `npm ci`:
 * the stage model's next actions, teardown's guidance, the commands in gwkit's messages, the README's
 * shell blocks, the examples of every `--help`, and the run steps of the example CI pipeline.
 *
 * For each: the executable resolves (`npx --no-install`, so nothing is downloaded), a gwkit line
 * parses with gwkit's own yargs parser (no unknown command or option), and a CDK CLI line runs far
 * enough to show it starts: `synth` to the end, `deploy`/`diff`/`destroy` until Terraform would
 * need a provider or the backend's cloud credentials, neither of which exists here.
 *
 * Placeholders a person fills in are written `<like-this>` and are replaced with an example value.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsYaml from 'js-yaml';
import { buildCli, runGwkit } from '../../cli/gwkit';
import type { CliIo } from '../../cli/io';
import type { Cli } from '../../cli/support/run';
import { loadFleet } from '../../lib/config';
import { likelyCause, ms365NextAction } from '../../lib/ms365/workflow';
import { nextAction } from '../../lib/workflow/stage-model';
import { projectDeletionSteps } from '../../lib/workflow/teardown';

const ROOT = join(__dirname, '../..');
const fleet = loadFleet(join(ROOT, 'gwkit.yaml'));
const TENANT_IDS = fleet.tenants.map((t) => t.id);
const MS365_IDS = fleet.microsoft365Tenants.map((t) => t.id);
const CLIENT_ID = '1-x.apps.googleusercontent.com';
const CONSENT = `https://accounts.google.com/o/oauth2/v2/auth?client_id=${CLIENT_ID}`;

interface Printed {
  /** Where the command was found. */
  readonly source: string;
  /** The command line, placeholders and CI expressions filled in. */
  readonly line: string;
}

/** The commands in a text: what stands in backticks and starts with an executable (or env assignments). */
function backticked(text: string): string[] {
  // A bare `npx gwkit` in prose names the tool, not a command to run.
  return [...text.matchAll(/`([^`]+)`/g)]
    .map((m) => m[1]!)
    .filter((c) => /^([A-Z_]+=\S*\s+)*(npx|gwkit)\s/.test(c) && !/^npx \S+$/.test(c));
}

/** Fill in `<placeholders>` and `${{ expressions }}` with example values. */
function fillIn(line: string): string {
  return line
    .replace(/\$\{\{\s*matrix\.selection\s*\}\}/g, TENANT_IDS.join(','))
    .replace(/\$\{\{\s*matrix\.tenants\s*\}\}/g, TENANT_IDS.join(' '))
    .replace(/\$\{\{\s*matrix\.shard\s*\}\}/g, '1')
    .replace(/\$\{\{[^}]*\}\}/g, 'ci-value')
    .replace(/<(tenant|id)>/g, TENANT_IDS[0]!)
    .replace(/<[^>\s]+>/g, 'placeholder.json');
}

function helpIo(out: string[]): CliIo {
  return {
    stdout: (t) => out.push(t),
    stderr: (t) => out.push(t),
    env: { CI: 'true' },
    interactive: false,
    prompt: () => Promise.reject(new Error('no prompt')),
    readStdin: async () => '',
    openUrl: () => undefined,
  };
}

async function collect(): Promise<Printed[]> {
  const found: Printed[] = [];
  const add = (source: string, text: string) => {
    for (const line of backticked(text)) found.push({ source, line: fillIn(line) });
  };

  // The stage model's next actions and teardown's guidance, for every example tenant.
  for (const tenant of fleet.tenants) {
    // Each next action with example arguments; most take (tenant[, consent link]).
    const refused = { kind: 'refused', verdict: 'invalid_client', version: 2 };
    const argsOf: Record<string, unknown[][]> = {
      writeForReal: [[CLIENT_ID]],
      addRedirectUris: [[tenant, [CONSENT]]],
      addSecret: [[tenant, CLIENT_ID]],
      disableOldSecret: [[tenant, CLIENT_ID, '2026-01-01T00:00:00.000Z']],
      rotateForReal: [[3]],
      switchToGmail: [[tenant, 'SMTP']],
      secretRefused: [
        [tenant, CLIENT_ID, { ...refused, pbxHoldsStored: true }],
        [tenant, CLIENT_ID, { ...refused, pbxHoldsStored: false }],
      ],
    };
    for (const [name, make] of Object.entries(nextAction)) {
      for (const args of argsOf[name] ?? [[tenant, CONSENT]]) add(`nextAction.${name}`, (make as (...a: unknown[]) => string)(...args));
    }
    for (const step of projectDeletionSteps(tenant)) add('teardown', step);
  }
  // The same for the example Microsoft 365 tenants: their next actions and the likely causes of a failed proof.
  for (const tenant of fleet.microsoft365Tenants) {
    for (const [name, make] of Object.entries(ms365NextAction)) add(`ms365NextAction.${name}`, make(tenant));
    for (const said of ['AADSTS700027', 'AADSTS700016', 'Authorization_RequestDenied', 'MS365_NOT_CONFIGURED'])
      add('likelyCause', likelyCause(tenant, said));
  }

  // Every command in gwkit's own messages (lib/, cli/): gwkitCommand(`...`) calls and literal ones.
  for (const dir of ['lib', 'cli']) {
    for (const file of readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })) {
      // printed-commands.ts itself holds the templates, not commands.
      if (!file.endsWith('.ts') || file.includes('generated') || file.endsWith('printed-commands.ts')) continue;
      const source = readFileSync(join(ROOT, dir, file), 'utf8');
      const sample = (t: string) => t.replace(/\$\{[^}]*\}/g, TENANT_IDS[0]!);
      for (const m of source.matchAll(/gwkitCommand\(`([^`]*)`\)/g))
        found.push({ source: `${dir}/${file}`, line: fillIn(`npx gwkit ${sample(m[1]!)}`) });
      for (const m of source.matchAll(/\\`((?:npx|gwkit) [^`\\]*)\\`/g))
        found.push({ source: `${dir}/${file}`, line: fillIn(sample(m[1]!)) });
    }
  }

  // The README's shell blocks, and the run steps of its YAML blocks.
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  add('README.md', readme.replace(/```[\s\S]*?```/g, ''));
  for (const [, lang, body] of readme.matchAll(/```(sh|yaml)\n([\s\S]*?)```/g)) {
    const lines =
      lang === 'sh'
        ? body!.split('\n')
        : body!
            .split('\n')
            .filter((l) => /\brun:/.test(l))
            .map((l) => l.replace(/^.*\brun:\s*/, ''));
    for (const raw of lines) {
      const line = raw.replace(/\s+#.*$/, '').trim();
      if (line && !line.startsWith('#')) found.push({ source: 'README.md', line: fillIn(line) });
    }
  }

  // The examples of every --help.
  const helpOf = async (args: string[]) => {
    const out: string[] = [];
    await runGwkit([...args, '--help'], helpIo(out));
    return out.join('\n');
  };
  const top = await helpOf([]);
  const commands = [...top.matchAll(/^ {2}gwkit ([a-z-]+)/gm)].map((m) => m[1]!).filter((c) => c !== 'completion');
  for (const command of commands) {
    const help = await helpOf([command]);
    const subs = [...help.matchAll(new RegExp(`^ {2}gwkit ${command} ([a-z-]+)`, 'gm'))].map((m) => [command, m[1]!]);
    for (const args of subs.length ? subs : [[command]]) {
      const text = subs.length ? await helpOf(args) : help;
      // Two columns (example, description), wrapped: a line at indent 2 that does not start with
      // `gwkit` continues the example above it; deeper lines continue a description.
      const lines: string[] = [];
      for (const row of (text.split('Examples:')[1] ?? '').split('\n')) {
        const left = /^ {2}(\S.*?)(?: {2,}.*)?$/.exec(row)?.[1];
        if (!left) continue;
        if (left.startsWith('gwkit ')) lines.push(left);
        else if (lines.length) lines[lines.length - 1] += ` ${left}`;
      }
      for (const line of lines) found.push({ source: `gwkit ${args.join(' ')} --help`, line: fillIn(line) });
    }
  }

  // The example CI pipeline's run steps.
  const examples = join(ROOT, 'examples/github-actions');
  for (const file of readdirSync(examples).filter((f) => /\.ya?ml$/.test(f))) {
    const doc = jsYaml.load(readFileSync(join(examples, file), 'utf8')) as {
      jobs: Record<string, { steps: { run?: string; env?: Record<string, string> }[] }>;
    };
    for (const job of Object.values(doc.jobs)) {
      for (const step of job.steps) {
        // The step's env is the environment its commands run in: written before them, as a shell would see it.
        const env = Object.entries(step.env ?? {})
          .map(([k, v]) => `${k}=${v} `)
          .join('');
        for (const line of (step.run ?? '').replace(/\\\n/g, ' ').split('\n'))
          if (line.trim()) found.push({ source: file, line: fillIn(env + line.trim()) });
      }
    }
  }
  return found;
}

/** One command of a line: env assignments, then the words (shell operators split lines into commands). */
interface Invocation {
  readonly source: string;
  readonly env: Record<string, string>;
  readonly words: string[];
}

function invocations(printed: Printed[]): Invocation[] {
  const out: Invocation[] = [];
  for (const p of printed) {
    // $(...) is a command of its own; redirections and `|| test ...` are the shell's business.
    const substituted = [...p.line.matchAll(/\$\(([^)]*)\)/g)].map((m) => m[1]!);
    const parts = [...substituted, ...p.line.replace(/\$\(([^)]*)\)/g, 'output').split(/\s*(?:&&|\|\||;|\|)\s*/)];
    for (const part of parts) {
      const words = (part.replace(/\s*\d?>>?\s*\S+/g, '').match(/"[^"]*"|'[^']*'|\S+/g) ?? [])
        .map((w) => w.replace(/^["']|["']$/g, ''))
        .filter(Boolean);
      const env: Record<string, string> = {};
      while (words.length && /^[A-Z_]+=/.test(words[0]!)) {
        const [k, ...v] = words.shift()!.split('=');
        env[k!] = v.join('=');
      }
      if (words.length) out.push({ source: p.source, env, words });
    }
  }
  return out;
}

/** `npx [-y] [-p PKG] EXE ARGS`, or a help example's bare `gwkit ARGS`: the executable and its arguments. */
function npxTarget(words: string[]): { exe: string; args: string[]; pinnedPackage?: string } | undefined {
  if (words[0] === 'gwkit') return { exe: 'gwkit', args: words.slice(1) };
  if (words[0] !== 'npx') return undefined;
  let i = 1;
  let pinnedPackage: string | undefined;
  while (words[i]?.startsWith('-')) {
    if (words[i] === '-p' || words[i] === '--package') pinnedPackage = words[++i];
    i++;
  }
  return { exe: words[i]!, args: words.slice(i + 1), pinnedPackage };
}

class Parsed extends Error {}

/** Parse with gwkit's real yargs parser; stop before any handler runs. Resolves to the usage error, if any. */
async function usageErrorOf(args: string[]): Promise<string | undefined> {
  const out: string[] = [];
  const cli: Cli = { io: helpIo(out), exitCode: 0, sessions: [] };
  try {
    await buildCli(args, cli)
      .middleware(() => {
        throw new Parsed();
      }, false)
      .parseAsync(args);
    return `no handler reached for: gwkit ${args.join(' ')}`;
  } catch (error) {
    return error instanceof Parsed ? undefined : out.join(' ') || String(error);
  }
}

/** A scratch Terraform CLI config: no provider can be installed (as on these machines), so runs stop there quickly. */
const scratch = mkdtempSync(join(tmpdir(), 'gwkit-printed-'));
const tfrc = join(scratch, 'terraform.rc');
writeFileSync(tfrc, 'provider_installation {\n  filesystem_mirror {\n    path = "/nonexistent-gwkit-provider-mirror"\n  }\n}\n');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function runFromProject(words: string[], env: Record<string, string>, outdir: string) {
  const run = spawnSync(words[0]!, words.slice(1), {
    cwd: ROOT,
    env: {
      ...process.env,
      ...env,
      CDKTF_OUTPUT: outdir, // the synthesized JSON goes to a scratch folder, not the clone's cdktf.out
      TF_CLI_CONFIG_FILE: tfrc,
      CHECKPOINT_DISABLE: '1',
      TF_IN_AUTOMATION: '1',
      CI: 'true',
    },
    encoding: 'utf8',
    input: '',
    timeout: 90_000,
  });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

let all: Invocation[];
beforeAll(async () => {
  all = invocations(await collect());
});

test('the printed commands are collected from every source the issue names', () => {
  const sources = new Set(all.map((i) => i.source.replace(/ .*--help$/, ' --help')));
  for (const s of [
    'nextAction.deploy',
    'nextAction.createClient',
    'nextAction.prove',
    'nextAction.secretRefused',
    'teardown',
    'README.md',
    'gwkit-fleet.yml',
    'lib/workflow/rotate.ts',
    'nextAction.consentMissing',
  ]) {
    expect(sources).toContain(s);
  }
  expect([...sources].some((s) => s.endsWith('--help'))).toBe(true);
});

test("gwkit's messages name a command only in the form a person types (`npx gwkit ...`, in backticks)", () => {
  const bare: string[] = [];
  for (const dir of ['lib', 'cli']) {
    for (const file of readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })) {
      if (!file.endsWith('.ts') || file.includes('generated')) continue;
      readFileSync(join(ROOT, dir, file), 'utf8')
        .split('\n')
        .forEach((line, i) => {
          // Comments, help descriptions and the test mail's text speak of commands; they do not ask anyone to type one.
          if (/^\s*(\*|\/\/|\/\*)|describe\b|content:/.test(line)) return;
          if (/(?<!npx |[`/])\bgwkit (config|discover|client|post-deploy|status|verify|rollout|teardown|matrix)\b/.test(line))
            bare.push(`${dir}/${file}:${i + 1}: ${line.trim()}`);
        });
    }
  }
  expect(bare).toEqual([]);
});

test('every npx executable resolves from the project folder without a download', () => {
  const targets = all.map((i) => npxTarget(i.words)).filter((t) => t !== undefined);
  // Pinning another package (-p) would download it: the lockfile's CLI is the one to use.
  expect(targets.filter((t) => t.pinnedPackage)).toEqual([]);
  const exes = [...new Set(targets.map((t) => t.exe))].sort();
  expect(exes).toEqual(['cdktn', 'gwkit']);
  for (const exe of exes) {
    const run = runFromProject(['npx', '--no-install', exe, '--version'], {}, scratch);
    expect({ exe, status: run.status, output: run.status === 0 ? '' : run.output }).toEqual({ exe, status: 0, output: '' });
  }
});

test('every other executable is one the project provides or a README prerequisite', () => {
  const scripts = Object.keys(
    (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts,
  );
  for (const inv of all) {
    const [exe, sub, script] = inv.words;
    if (exe === 'npx' || exe === 'gwkit') continue;
    if (exe === 'npm') {
      if (sub === 'run')
        expect({ line: inv.words.join(' '), script: scripts.includes(script!) }).toEqual({ line: inv.words.join(' '), script: true });
      else expect(['ci', 'test']).toContain(sub);
      continue;
    }
    // Tools a person brings (README prerequisites), the shell's own builtins, and jq where GitHub's runners bring it (the example pipeline).
    const runnerTools = inv.source.endsWith('.yml') ? '|jq' : '';
    expect({ source: inv.source, exe }).toEqual({
      source: inv.source,
      exe: expect.stringMatching(new RegExp(`^(gcloud|terraform|cd|export|mkdir|echo|test|apt-get${runnerTools})$`)),
    });
  }
});

test("every gwkit command parses with gwkit's own parser", async () => {
  const lines = all.map((i) => ({ source: i.source, target: npxTarget(i.words) })).filter((x) => x.target?.exe === 'gwkit');
  expect(lines.length).toBeGreaterThan(30);
  const bad: string[] = [];
  for (const { source, target } of lines) {
    const problem = await usageErrorOf(target!.args);
    if (problem) bad.push(`${source}: gwkit ${target!.args.join(' ')}: ${problem}`);
  }
  expect(bad).toEqual([]);
});

describe('every CDK CLI command starts', () => {
  /** One run per distinct command shape (tenant ids folded), so a fleet of examples costs a few runs. */
  const shapes = () => {
    const byShape = new Map<string, Invocation>();
    for (const inv of all) {
      const target = npxTarget(inv.words);
      if (target?.exe !== 'cdktn') continue;
      // A Microsoft 365 stack (azuread) and a Google one start differently: one run per verb and
      // suite, the longest printed form of each (most options), so that every option is parsed.
      const suite = target.args.some((a) => MS365_IDS.includes(a)) ? 'microsoft-365' : 'google-workspace';
      const shape = `${suite} ${target.args[0]}`;
      const kept = byShape.get(shape);
      if (!kept || inv.words.length > kept.words.length) byShape.set(shape, inv);
    }
    return [...byShape.values()];
  };

  test('they use the verbs the CDK CLI has, with GWKIT_TENANTS naming the stacks they name', () => {
    const cdk = all.filter((i) => npxTarget(i.words)?.exe === 'cdktn');
    expect(cdk.length).toBeGreaterThan(5);
    for (const inv of cdk) {
      const { args } = npxTarget(inv.words)!;
      expect(['synth', 'diff', 'deploy', 'destroy', 'output']).toContain(args[0]);
      const stacks = args.slice(1).filter((a, i, list) => !a.startsWith('-') && !list[i - 1]?.startsWith('--'));
      if (stacks.length)
        expect({ line: inv.words.join(' '), selection: inv.env.GWKIT_TENANTS?.split(',').sort() }).toEqual({
          line: inv.words.join(' '),
          selection: [...stacks].sort(),
        });
    }
  });

  test('synth, as printed, writes one stack per tenant', () => {
    const outdir = join(scratch, 'synth');
    const run = runFromProject(['npx', 'cdktn', 'synth'], {}, outdir);
    expect(run.status).toBe(0);
    for (const id of [...TENANT_IDS, ...MS365_IDS, 'hcp-workspaces'])
      expect(existsSync(join(outdir, 'stacks', id, 'cdk.tf.json'))).toBe(true);
  });

  test('deploy, diff and destroy, as printed, get past synth to Terraform', () => {
    const shown: string[] = [];
    for (const [n, inv] of shapes().entries()) {
      const target = npxTarget(inv.words)!;
      if (target.args[0] === 'synth') continue;
      const run = runFromProject(inv.words, inv.env, join(scratch, `run-${n}`));
      const line = `${Object.entries(inv.env)
        .map(([k, v]) => `${k}=${v} `)
        .join('')}${inv.words.join(' ')}`;
      shown.push(line);
      // Not "could not determine executable", not node-pty, not an unknown option: the CLI ran the
      // app and handed the stacks to `terraform init`, which stops where a real run needs the
      // network (provider download) or cloud credentials (the gcs/HCP backends).
      expect({ line, output: run.output }).toEqual({
        line,
        output: expect.stringMatching(
          /Initializing (the backend|provider plugins)|could not find default credentials|Failed to query available provider packages|Error: Required token could not be found/,
        ),
      });
      expect(run.output).not.toMatch(/could not determine executable|Cannot find module|Unknown argument/);
    }
    expect(shown.some((l) => / deploy /.test(l))).toBe(true);
    expect(shown.some((l) => / destroy /.test(l))).toBe(true);
  });
});
