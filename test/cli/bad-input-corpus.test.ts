/**
 * Every mistake a user can make: a corpus of bad inputs (usage, config, files, credentials,
 * client files), each run through the CLI in-process against the sandbox. For each one:
 * - the exit code (2 for bad input unless said otherwise) and a message that says where and what;
 * - nothing changed: the PBX emulator, the Google and Microsoft emulators and the files on disk
 *   (the Microsoft 365 tenant's PBX facts among them) are as before;
 * - no secret shown: no PBX password, no client secret and no private key in stdout or stderr.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import jsYaml from 'js-yaml';
import { ms365SlotOf } from '../../emulators/pbx';
import { startSandbox, type Sandbox } from '../../emulators/sandbox';
import { editedClientFile, runInProcess, worldSnapshot } from './helpers';

type Doc = Record<string, any>;

interface Case {
  /** Arguments after `gwkit` (--config is added unless `config` says otherwise). */
  readonly args: readonly string[];
  /** Change a copy of the sandbox's gwkit.yaml (object form) before the run. */
  readonly mutate?: (doc: Doc) => void;
  /** Raw text (or bytes) of the config instead (YAML syntax errors, encodings). */
  readonly configText?: string | Buffer;
  /** Edit the sandbox's gwkit.yaml as text (anchors, merge keys) before the run. */
  readonly editText?: (yaml: string) => string;
  /** Files to create under bad/ first: name → content. `$BAD` in args is that folder. */
  readonly files?: Record<string, string | Buffer | (() => string | Buffer)>;
  readonly env?: Record<string, string | undefined>;
  readonly input?: string;
  /** @default 2 */
  readonly code?: number;
  /** What stderr (or `stream`) must say. */
  readonly says: RegExp;
  /** Where the message is: fleet commands put a tenant's bad input in their table's notes. @default 'stderr' */
  readonly stream?: 'stdout' | 'stderr';
}

const TWIN_LOWER = { id: 'tenant-twin-lower', name: 'Twin Lower', domain: 'twin.pbx.msp.example' };
const TWIN_UPPER = { id: 'tenant-twin-upper', name: 'Twin Upper', domain: 'TWIN.pbx.msp.example' };

let sb: Sandbox;
let bad: string;
let secrets: string[];
const clientSecrets: string[] = [];
/** Each tenant's downloaded client file. */
const clientFiles: Record<string, string> = {};
/** acme's client with a secret Google refuses (disabled in the Console, or mistyped). */
let refusedFile: string;
/** The emulated deploy's outputs (Google and Microsoft 365 stacks). */
let outputsFile: string;

beforeAll(async () => {
  // Two PBX tenants whose domains differ only in case, named by no fleet entry.
  sb = await startSandbox({ pbxExtraTenants: [TWIN_LOWER, TWIN_UPPER], microsoft365: true });
  bad = join(sb.dir, 'bad');
  mkdirSync(bad);
  // A world worth protecting: every tenant's client imported, two of them written into the PBX.
  for (const t of Object.keys(sb.tenants)) {
    const c = sb.createWebClient(t);
    clientSecrets.push(c.clientSecret);
    clientFiles[t] = c.file;
    expect((await runInProcess(sb, ['client', 'import', '--tenant', t, '--file', c.file])).code).toBe(0);
  }
  expect((await runInProcess(sb, ['post-deploy', '--tenant', 'acme', '--tenant', 'globex'])).code).toBe(3);
  refusedFile = editedClientFile(sb, clientFiles.acme!, 'refused.json', { client_secret: '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' });
  // The Microsoft 365 tenant, verified: its facts recorded, its stack applied, the PBX configured.
  expect((await runInProcess(sb, ['discover', '--tenant', 'contoso'])).code).toBe(0);
  outputsFile = sb.deployMs365();
  expect((await runInProcess(sb, ['post-deploy', '--tenant', 'contoso', '--outputs-file', outputsFile])).code).toBe(0);
  const pbxKey = ms365SlotOf(sb.pbx.state, sb.microsoft365Tenants.contoso!.pbxTenantId).key!;
  secrets = [
    pbxKey.split('\n')[1]!,
    sb.env.GWKIT_PBX_PASSWORD!,
    sb.env.GWKIT_PBX_PASSWORD_INITECH!,
    ...clientSecrets,
    'S3cret!pw',
    'hunter2',
    'GOCSPX-S3cret',
  ];
});
afterAll(async () => {
  await sb?.close();
});

/** Every file under the sandbox folder but bad/, with size and content, to prove nothing was written. */
function diskSnapshot(): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (path === bad) continue;
      if (statSync(path).isDirectory()) walk(path);
      else out[path] = readFileSync(path, 'utf8');
    }
  };
  walk(sb.dir);
  return out;
}

const original = (): Doc => jsYaml.load(readFileSync(sb.configPath, 'utf8')) as Doc;

let configCount = 0;
async function run(c: Case) {
  let configPath = sb.configPath;
  if (c.mutate || c.editText || c.configText !== undefined) {
    configPath = join(bad, `gwkit-${++configCount}.yaml`);
    if (c.configText !== undefined) writeFileSync(configPath, c.configText);
    else if (c.editText) writeFileSync(configPath, c.editText(jsYaml.dump(original())));
    else {
      const doc = original();
      c.mutate!(doc);
      writeFileSync(configPath, jsYaml.dump(doc));
    }
  }
  // Facts files a case writes next to its config are that case's own.
  rmSync(join(bad, 'pbx-facts'), { recursive: true, force: true });
  for (const [name, content] of Object.entries(c.files ?? {})) {
    mkdirSync(dirname(join(bad, name)), { recursive: true });
    writeFileSync(join(bad, name), typeof content === 'function' ? content() : content);
  }
  const args = c.args.map((a) => a.replace('$BAD', bad));
  // An explicit --config in the case wins; else the (changed) sandbox config; GWKIT_CONFIG cases use none.
  const config = args.includes('--config') || c.env?.GWKIT_CONFIG ? false : configPath;
  return runInProcess(sb, args, { env: c.env, input: c.input, config });
}

const pbx = (d: Doc) => d.defaults.pbx;
const tenant = (d: Doc, id = 'acme') => d.tenants.find((t: Doc) => t.id === id);

// --- the corpus ---------------------------------------------------------------------------------

const USAGE: Record<string, Case> = {
  'no command': { args: [], says: /Name a command/ },
  'unknown command': { args: ['deplyo'], says: /Unknown argument: deplyo|Did you mean/ },
  'gwkit deploy (gwkit does not run Terraform)': {
    args: ['deploy', '--tenant', 'acme'],
    says: /gwkit does not run Terraform.*`GWKIT_TENANTS=acme npx cdktn deploy acme`/,
  },
  'gwkit destroy --all': {
    args: ['destroy', '--all'],
    says: /gwkit does not run Terraform.*`GWKIT_TENANTS=acme,globex,initech-lab,contoso npx cdktn destroy acme globex initech-lab contoso`/,
  },
  'unknown option': { args: ['status', '--bogus'], says: /Unknown argument: bogus/ },
  'misspelt option': { args: ['rollout', '--all', '--dryrun'], says: /Unknown argument: dryrun/ },
  '--tenant without a value (status)': { args: ['status', '--tenant'], says: /Not enough arguments following: tenant/ },
  '--tenant without a value (rollout)': { args: ['rollout', '--tenant'], says: /Not enough arguments following: tenant/ },
  '--tenant without a value (post-deploy)': { args: ['post-deploy', '--tenant'], says: /Not enough arguments following: tenant/ },
  '--tenant without a value, then --verify': { args: ['rollout', '--tenant', '--verify'], says: /Not enough arguments following: tenant/ },
  '--config without a value': { args: ['status', '--config'], says: /Not enough arguments following: config/ },
  '--ca-file without a value': { args: ['discover', '--all', '--ca-file'], says: /Not enough arguments following: ca-file/ },
  '--concurrency without a value': { args: ['rollout', '--all', '--concurrency'], says: /Not enough arguments following: concurrency/ },
  '--concurrency 0': { args: ['rollout', '--all', '--concurrency', '0'], says: /--concurrency must be a whole number from 1 to 64/ },
  '--concurrency 65': { args: ['rollout', '--all', '--concurrency', '65'], says: /--concurrency must be a whole number from 1 to 64/ },
  '--concurrency 1.5': { args: ['rollout', '--all', '--concurrency', '1.5'], says: /--concurrency must be a whole number from 1 to 64/ },
  '--concurrency abc': { args: ['rollout', '--all', '--concurrency', 'abc'], says: /--concurrency must be a whole number from 1 to 64/ },
  '--concurrency -1': { args: ['rollout', '--all', '--concurrency', '-1'], says: /--concurrency must be a whole number from 1 to 64/ },
  '--timeout without a value': { args: ['post-deploy', '--all', '--wait', '--timeout'], says: /Not enough arguments following: timeout/ },
  '--timeout 0': { args: ['post-deploy', '--all', '--wait', '--timeout', '0'], says: /--timeout must be a positive number of seconds/ },
  '--timeout abc': { args: ['post-deploy', '--all', '--wait', '--timeout', 'abc'], says: /--timeout must be a positive number of seconds/ },
  '--interval 0.001': { args: ['post-deploy', '--all', '--wait', '--interval', '0.001'], says: /--interval at least 2/ },
  '--interval 1': { args: ['post-deploy', '--all', '--wait', '--interval', '1'], says: /--interval at least 2/ },
  '--interval without a value': {
    args: ['post-deploy', '--all', '--wait', '--interval'],
    says: /Not enough arguments following: interval/,
  },
  '--outputs-file without a value': {
    args: ['post-deploy', '--all', '--outputs-file'],
    says: /Not enough arguments following: outputs-file/,
  },
  '--file without a value': { args: ['client', 'import', '--tenant', 'acme', '--file'], says: /Not enough arguments following: file/ },
  '--out without a value': { args: ['config', 'schema', '--out'], says: /Not enough arguments following: out/ },
  '--tenant a,b': {
    args: ['status', '--tenant', 'acme,globex'],
    says: /--tenant takes one id; repeat it for several: --tenant acme --tenant globex/,
  },
  '--tenant and --all': { args: ['rollout', '--all', '--tenant', 'acme'], says: /use either --tenant or --all, not both/ },
  'rollout without a selection': { args: ['rollout'], says: /name the tenants with --tenant ID \(repeatable\) or use --all/ },
  'post-deploy without a selection': { args: ['post-deploy'], says: /name the tenants with --tenant ID/ },
  'verify without a selection': { args: ['verify'], says: /name the tenants with --tenant ID/ },
  'discover without a selection': { args: ['discover'], says: /name the tenants with --tenant ID/ },
  'unknown tenant': { args: ['rollout', '--tenant', 'nope'], says: /--tenant: .*has no tenant with id "nope"/ },
  'unknown tenant beside a known one': {
    args: ['post-deploy', '--tenant', 'acme', '--tenant', 'acmee'],
    says: /has no tenant with id "acmee"/,
  },
  'unknown tenant, long id': { args: ['status', '--tenant', 'x'.repeat(300)], says: /has no tenant with id "x{37}…"/ },
  'client import without --tenant': {
    args: ['client', 'import', '--file', '/dev/null'],
    says: /client import: name exactly one tenant with --tenant ID/,
  },
  'client import with two tenants': {
    args: ['client', 'import', '--tenant', 'acme', '--tenant', 'globex', '--file', '/dev/null'],
    says: /name exactly one tenant/,
  },
  'client import with --all': { args: ['client', 'import', '--all', '--file', '/dev/null'], says: /name exactly one tenant/ },
  'client guide with --all': { args: ['client', 'guide', '--all'], says: /client guide: name exactly one tenant/ },
  'client without a subcommand': { args: ['client'], says: /client: name a subcommand: guide, import or rotate/ },
  'client bogus': { args: ['client', 'bogus', '--tenant', 'acme'], says: /Unknown argument: bogus/ },
  'config bogus': { args: ['config', 'bogus'], says: /Unknown argument: bogus/ },
  'config without a subcommand': { args: ['config'], says: /config: name a subcommand: validate or schema/ },
  'client guide without --tenant': { args: ['client', 'guide'], says: /client guide: name exactly one tenant with --tenant ID/ },
  'status with --tenant and --all': { args: ['status', '--all', '--tenant', 'acme'], says: /use either --tenant or --all, not both/ },
  'extra positional': { args: ['status', 'acme'], says: /Unknown argument: acme/ },
  'client import: --file and --stdin': {
    args: ['client', 'import', '--tenant', 'acme', '--file', '/dev/null', '--stdin'],
    says: /use either --file or --stdin/,
  },
  'client rotate: --file and --stdin': {
    args: ['client', 'rotate', '--tenant', 'acme', '--file', '/dev/null', '--stdin'],
    says: /gwkit: client rotate: use either --file or --stdin/,
  },
  'deploy with --tenant and --all': {
    args: ['deploy', '--all', '--tenant', 'acme'],
    says: /deploy: use either --tenant or --all, not both/,
  },
  'client import: neither, in CI': {
    args: ['client', 'import', '--tenant', 'acme'],
    says: /--file FILE or --stdin \(no prompts without a terminal or in CI\)/,
  },
};

const CONFIG: Record<string, Case> = {
  'config file missing': {
    args: ['status', '--config', '/nonexistent/gwkit.yaml'],
    says: /\/nonexistent\/gwkit\.yaml: config file not found/,
  },
  'config is a directory': { args: ['status', '--config', '$BAD'], says: /bad: is a directory; expected a gwkit\.yaml file/ },
  'GWKIT_CONFIG missing file': {
    args: ['status'],
    env: { GWKIT_CONFIG: '/nonexistent/fleet.yaml' },
    says: /fleet\.yaml: config file not found/,
  },
  'empty config': { args: ['status'], configText: '', says: /gwkit-\d+\.yaml: invalid configuration/ },
  'YAML: tab indentation': {
    args: ['status'],
    configText: 'version: 1\ntenants:\n  - id: acme\n\tpbxTenant: x\n',
    says: /:4:1: indent with spaces, not tabs/,
  },
  'YAML: unterminated list': { args: ['status'], configText: 'version: 1\ntenants: [\n  - id: acme\n', says: /not valid YAML/ },
  'YAML: duplicate key': {
    args: ['status'],
    configText: 'version: 1\nversion: 1\ntenants: []\n',
    says: /:2:1: the same setting appears twice in one block/,
  },
  'YAML: missing colon': { args: ['status'], configText: 'version: 1\ntenants\n  - id: acme\n', says: /not valid YAML/ },
  'not a map at top level': { args: ['status'], configText: '- just\n- a list\n', says: /invalid configuration/ },
  'unknown top-level key': { args: ['status'], mutate: (d) => (d.tennants = []), says: /unknown setting "tennants" \(misspelt\?/ },
  'unknown tenant key': {
    args: ['status'],
    mutate: (d) => (tenant(d).feature = ['mail']),
    says: /tenants\[0\] \(id "acme"\)\.feature: unknown setting "feature"/,
  },
  'unknown nested key': {
    args: ['status'],
    mutate: (d) => (pbx(d).login.user = 'x'),
    says: /defaults\.pbx\.login\.user: unknown setting "user"/,
  },
  'password key in login': {
    args: ['status'],
    mutate: (d) => (pbx(d).login.password = 'hunter2-is-my-password'),
    says: /unknown setting "password" \(passwords never go in gwkit\.yaml: .*passwordEnv.*passwordFile.*passwordSecret.*prompt/,
  },
  'password key in pbx': {
    args: ['status'],
    mutate: (d) => (pbx(d).password = 'hunter2-is-my-password'),
    says: /unknown setting "password" \(passwords never go in gwkit\.yaml/,
  },
  'password typed into passwordEnv': {
    args: ['status'],
    mutate: (d) => (pbx(d).login.passwordEnv = 'S3cret!pw'),
    says: /passwordEnv: expected an environment variable name.*not shown: it may be a secret/,
  },
  'password typed into a tenant passwordEnv': {
    args: ['status'],
    mutate: (d) => (tenant(d, 'initech-lab').pbx.login.passwordEnv = 'hunter2-is-my-password'),
    says: /passwordEnv: .*not shown/,
  },
  'URL with user:password@': {
    args: ['status'],
    mutate: (d) => (pbx(d).url = pbx(d).url.replace('https://', 'https://admin:S3cret!pw@')),
    says: /pbx\.url: must not contain a user name or password.*not shown/,
  },
  'URL with user@ only': {
    args: ['status'],
    mutate: (d) => (pbx(d).url = pbx(d).url.replace('https://', 'https://admin@')),
    says: /pbx\.url: must not contain a user name or password/,
  },
  'http URL': {
    args: ['status'],
    mutate: (d) => (pbx(d).url = pbx(d).url.replace('https://', 'http://')),
    says: /pbx\.url: expected an https URL/,
  },
  'not a URL': { args: ['status'], mutate: (d) => (pbx(d).url = 'pbx.example.com'), says: /pbx\.url: expected an https URL/ },
  'pbx level bad': { args: ['status'], mutate: (d) => (pbx(d).level = 'tenants'), says: /pbx\.level: expected "tenant" or "system"/ },
  'pbx role bad': {
    args: ['status'],
    mutate: (d) => (pbx(d).login.role = 'admin'),
    says: /role: expected "system-admin" or "tenant-admin"/,
  },
  'timeoutSeconds 0': { args: ['status'], mutate: (d) => (pbx(d).timeoutSeconds = 0), says: /timeoutSeconds: .*\(got 0\)/ },
  'timeoutSeconds 999': { args: ['status'], mutate: (d) => (pbx(d).timeoutSeconds = 999), says: /timeoutSeconds: .*\(got 999\)/ },
  'timeoutSeconds text': { args: ['status'], mutate: (d) => (pbx(d).timeoutSeconds = 'ten'), says: /timeoutSeconds: .*\(got "ten"\)/ },
  'requestsPerMinute 10': { args: ['status'], mutate: (d) => (pbx(d).requestsPerMinute = 10), says: /requestsPerMinute: .*\(got 10\)/ },
  'requestsPerMinute 1.5': {
    args: ['status'],
    mutate: (d) => (pbx(d).requestsPerMinute = 100.5),
    says: /requestsPerMinute: expected a whole number/,
  },
  'switchToGmail yes': {
    args: ['status'],
    mutate: (d) => (d.defaults.mail.switchToGmail = 'yes'),
    says: /switchToGmail: .*\(got "yes"; write true or false/,
  },
  'lien no': { args: ['status'], mutate: (d) => (tenant(d).lien = 'no'), says: /lien: .*\(got "no"; write true or false/ },
  'sender not an email': {
    args: ['status'],
    mutate: (d) => (d.defaults.mail.sender = 'it-support'),
    says: /mail\.sender: expected an email address/,
  },
  'testRecipient not an email': {
    args: ['status'],
    mutate: (d) => (tenant(d, 'globex').mail.testRecipient = 'noc@'),
    says: /testRecipient: expected an email address/,
  },
  'supportEmail missing': {
    args: ['status'],
    mutate: (d) => delete d.defaults.consentScreen.supportEmail,
    says: /consentScreen\.supportEmail/,
  },
  'supportEmail bad': {
    args: ['status'],
    mutate: (d) => (d.defaults.consentScreen.supportEmail = 'support at msp'),
    says: /supportEmail: expected an email address/,
  },
  'appName too long': {
    args: ['status'],
    mutate: (d) => (d.defaults.consentScreen.appName = 'A'.repeat(200)),
    says: /appName: .*\(got "A{50,}…"\)/,
  },
  'appName placeholder': {
    args: ['status'],
    mutate: (d) => (d.defaults.consentScreen.appName = '${APP_NAME}'),
    says: /appName: "\$\{APP_NAME\}" looks like an environment variable; gwkit\.yaml does not expand environment variables/,
  },
  'billingAccount placeholder': {
    args: ['status'],
    mutate: (d) => (d.defaults.billingAccount = '$BILLING_ACCOUNT'),
    says: /billingAccount: .*gwkit\.yaml does not expand environment variables/,
  },
  'billingAccount bad': {
    args: ['status'],
    mutate: (d) => (d.defaults.billingAccount = '01abcd-23ef45'),
    says: /billingAccount: expected a billing account id/,
  },
  'parent bad': {
    args: ['status'],
    mutate: (d) => (d.defaults.parent = 'folder/123'),
    says: /defaults\.parent: expected "folders\/NUMBER" or "organizations\/NUMBER"/,
  },
  'parent missing': { args: ['status'], mutate: (d) => delete d.defaults.parent, says: /\.parent: .*(missing|required)/i },
  'projectId template bad': { args: ['status'], mutate: (d) => (d.defaults.projectId = 'PBX_{id}'), says: /projectId/ },
  'projectId with google': { args: ['status'], mutate: (d) => (tenant(d).projectId = 'google-acme-pbx'), says: /projectId.*"google"/ },
  'projectId too long': { args: ['status'], mutate: (d) => (tenant(d).projectId = `p${'x'.repeat(40)}`), says: /projectId/ },
  'features bad': { args: ['status'], mutate: (d) => (tenant(d).features = ['mail', 'calendar']), says: /features\[1\]/ },
  'features empty': { args: ['status'], mutate: (d) => (tenant(d).features = []), says: /features/ },
  'label key bad': { args: ['status'], mutate: (d) => (tenant(d).labels = { 'Cost Center': 'x' }), says: /labels/ },
  'label value bad': { args: ['status'], mutate: (d) => (tenant(d).labels = { team: 'Voice Team' }), says: /labels/ },
  'environment bad': { args: ['status'], mutate: (d) => (tenant(d).environment = 'prod'), says: /environment/ },
  'backend type bad': { args: ['status'], mutate: (d) => (d.defaults.backend.type = 's3'), says: /backend/ },
  'gcs backend without bucket': { args: ['status'], mutate: (d) => delete d.defaults.backend.bucket, says: /bucket/ },
  'cloud backend without organization': {
    args: ['status'],
    mutate: (d) => delete tenant(d, 'globex').backend.organization,
    says: /organization/,
  },
  'importer member bad': {
    args: ['status'],
    mutate: (d) => (d.defaults.secretAccess.importers = ['pbx-ops@msp.example']),
    says: /importers\[0\]: expected an IAM member/,
  },
  'reader member bad': {
    args: ['status'],
    mutate: (d) => (d.defaults.secretAccess.readers = ['ci']),
    says: /readers\[0\]: expected an IAM member/,
  },
  'impersonation not an email': {
    args: ['status'],
    mutate: (d) => (d.defaults.provider.impersonateServiceAccount = 'deployer'),
    says: /impersonateServiceAccount/,
  },
  'google endpoint http': {
    args: ['status'],
    mutate: (d) => (d.google.endpoints.oauth2Token = 'http://127.0.0.1/token'),
    says: /google\.endpoints\.oauth2Token/,
  },
  'google impersonation not an email': {
    args: ['status'],
    mutate: (d) => (d.google.impersonateServiceAccount = 'sa'),
    says: /google\.impersonateServiceAccount: expected a service account email/,
  },
  'tenant id uppercase': { args: ['status'], mutate: (d) => (tenant(d).id = 'Acme'), says: /tenant ids are 2-40 characters/ },
  'tenant id look-alike': {
    args: ['status'],
    mutate: (d) => (tenant(d).id = 'аcme'),
    says: /non-ASCII character "а" \(U\+0430\), which may look like a Latin letter/,
  },
  'tenant id trailing hyphen': { args: ['status'], mutate: (d) => (tenant(d).id = 'acme-'), says: /tenant ids are 2-40 characters/ },
  'tenant id missing': { args: ['status'], mutate: (d) => delete tenant(d).id, says: /tenants\[0\]\.id|id.*missing/ },
  'duplicate tenant id': {
    args: ['status'],
    mutate: (d) => (tenant(d, 'globex').id = 'acme'),
    says: /(duplicate|twice|more than one|already).*"?acme"?|"?acme"?.*(duplicate|twice|more than one|already)/i,
  },
  'duplicate pbx tenant': {
    args: ['status'],
    mutate: (d) => (tenant(d, 'initech-lab').pbxTenant = { domain: 'acme.pbx.msp.example' }),
    says: /pbxTenant.*acme\.pbx\.msp\.example/,
  },
  'duplicate project id': {
    args: ['status'],
    mutate: (d) => (tenant(d, 'globex').projectId = 'pbxgw-acme'),
    says: /projectId.*pbxgw-acme/,
  },
  'pbxTenant missing': { args: ['status'], mutate: (d) => delete tenant(d).pbxTenant, says: /pbxTenant/ },
  'pbxTenant with both': { args: ['status'], mutate: (d) => (tenant(d).pbxTenant = { domain: 'a.example', name: 'A' }), says: /pbxTenant/ },
  'level system with sso': {
    args: ['status'],
    mutate: (d) => (tenant(d).pbx = { level: 'system' }),
    says: /pbx\.level: "system" only sends mail/,
  },
  'include missing': {
    args: ['status'],
    mutate: (d) => (d.include = ['tenants-nope/']),
    says: /include\[0\]: "tenants-nope\/" does not exist/,
  },
  'include file broken': {
    args: ['status'],
    files: { 'more.yaml': 'tenants:\n  - id: extra\n    pbxTenant: { domain: x.example }\n    colour: blue\n' },
    mutate: (d) => (d.include = [join(bad, 'more.yaml')]),
    says: /more\.yaml:\d+:\d+: tenants\[0\] \(id "extra"\)\.colour: unknown setting "colour"/,
  },
  'include file with defaults': {
    args: ['status'],
    files: { 'more2.yaml': 'defaults:\n  parent: folders/1\ntenants: []\n' },
    mutate: (d) => (d.include = [join(bad, 'more2.yaml')]),
    says: /more2\.yaml:\d+:\d+: defaults: unknown setting "defaults"/,
  },
  'version 2': { args: ['status'], mutate: (d) => (d.version = 2), says: /version: .*\(got 2\)/ },
  'passwordFile and passwordEnv placeholder': {
    args: ['status'],
    mutate: (d) => (pbx(d).login.passwordSecret = '${SECRET}'),
    says: /passwordSecret: .*not shown/,
  },
  'passwordSecret bad name': {
    args: ['status'],
    mutate: (d) => (pbx(d).login.passwordSecret = 'pbx-admin-password'),
    says: /passwordSecret: expected a Secret Manager name/,
  },
};

/** gwkit.yaml names no PBX tenant, several, or one that is not the tenant it seems (issue 15, point 2). */
const PBX_TENANT_IDENTITY: Record<string, Case> = {
  'pbxTenant domain shared by case twins on the PBX': {
    args: ['post-deploy', '--tenant', 'acme'],
    mutate: (d) => (tenant(d).pbxTenant = { domain: 'twin.pbx.msp.example' }),
    stream: 'stdout',
    says: /acme: PBX tenant: 2 tenants on \S+ have domain 'twin\.pbx\.msp\.example' .*'Twin Lower' \(id tenant-twin-lower, domain twin\.pbx\.msp\.example\); 'Twin Upper' \(id tenant-twin-upper, domain TWIN\.pbx\.msp\.example\)\. .*Pin the one you mean in gwkit\.yaml by its id, e\.g\. pbxTenant: \{ domain: twin\.pbx\.msp\.example, id: tenant-twin-lower \}/,
  },
  'pbxTenant domain of case twins, written in a third case (status)': {
    args: ['status', '--tenant', 'acme'],
    mutate: (d) => (tenant(d).pbxTenant = { domain: 'Twin.Pbx.MSP.example' }),
    stream: 'stdout',
    says: /2 tenants on \S+ have domain 'Twin\.Pbx\.MSP\.example' .*id tenant-twin-lower.*id tenant-twin-upper.*pbxTenant: \{ domain: Twin\.Pbx\.MSP\.example, id: tenant-twin-lower \}/,
  },
  'pbxTenant pinned id of another tenant': {
    args: ['post-deploy', '--tenant', 'acme'],
    mutate: (d) => (tenant(d).pbxTenant = { domain: 'acme.pbx.msp.example', id: 'tenant-globex' }),
    stream: 'stdout',
    says: /the pinned id 'tenant-globex' is tenant 'Globex Corporation' \(id tenant-globex, domain globex\.pbx\.test\) on \S+, which does not have domain 'acme\.pbx\.msp\.example'/,
  },
  'pbxTenant pinned id of the other case twin, with the other domain': {
    args: ['post-deploy', '--tenant', 'acme'],
    mutate: (d) => (tenant(d).pbxTenant = { domain: 'acme.pbx.msp.example', id: 'tenant-twin-upper' }),
    stream: 'stdout',
    says: /the pinned id 'tenant-twin-upper' is tenant 'Twin Upper' .*which does not have domain 'acme\.pbx\.msp\.example'/,
  },
  'pbxTenant pinned id unknown to the PBX': {
    args: ['rollout', '--tenant', 'acme'],
    mutate: (d) => (tenant(d).pbxTenant = { domain: 'acme.pbx.msp.example', id: 'NzAwNTUxOTA5NzczMTQ4MTYw' }),
    stream: 'stdout',
    says: /no tenant with the pinned id 'NzAwNTUxOTA5NzczMTQ4MTYw' among the \d+ tenants on \S+; tenants with domain 'acme\.pbx\.msp\.example': 'Acme' \(id tenant-acme, domain acme\.pbx\.msp\.example\)/,
  },
  'pbxTenant domain look-alike: Cyrillic а for Latin a': {
    args: ['post-deploy', '--tenant', 'acme'],
    mutate: (d) => (tenant(d).pbxTenant = { domain: 'аcme.pbx.msp.example' }),
    stream: 'stdout',
    says: /no tenant with domain 'аcme\.pbx\.msp\.example' \(xn--cme-5cd\.pbx\.msp\.example\) .*it only looks like 'Acme' \(id tenant-acme, domain acme\.pbx\.msp\.example\): "а" \(U\+0430\) where the other has "a" \(U\+0061\)\. A look-alike is another domain/,
  },
  'pbxTenant domain look-alike: é for e (status)': {
    args: ['status', '--tenant', 'acme'],
    mutate: (d) => (tenant(d).pbxTenant = { domain: 'acmé.pbx.msp.example' }),
    stream: 'stdout',
    says: /no tenant with domain 'acmé\.pbx\.msp\.example' \(xn--acm-dma\.pbx\.msp\.example\) .*it only looks like 'Acme'/,
  },
  'pbxTenant domain with broken punycode': {
    args: ['status'],
    mutate: (d) => (tenant(d).pbxTenant = { domain: 'xn--zz.pbx.msp.example' }),
    says: /tenants\[0\] \(id "acme"\)\.pbxTenant\.domain: expected a SIP domain: .*an xn-- label is not punycode\) \(got "xn--zz\.pbx\.msp\.example"\)/,
  },
  'pbxTenant domain with a space': {
    args: ['status'],
    mutate: (d) => (tenant(d).pbxTenant = { domain: 'acme pbx.example' }),
    says: /pbxTenant\.domain: expected a SIP domain/,
  },
  'pbxTenant id empty': {
    args: ['status'],
    mutate: (d) => (tenant(d).pbxTenant = { domain: 'acme.pbx.msp.example', id: '' }),
    says: /tenants\[0\] \(id "acme"\)\.pbxTenant\.id: expected the PBX tenant id as GET \/tenants lists it/,
  },
  'pbxTenant id with a space': {
    args: ['status'],
    mutate: (d) => (tenant(d).pbxTenant = { name: 'Acme', id: 'tenant acme' }),
    says: /pbxTenant\.id: expected the PBX tenant id/,
  },
  'pbxTenant id a number': {
    args: ['status'],
    mutate: (d) => (tenant(d).pbxTenant = { domain: 'acme.pbx.msp.example', id: 700551909773148160 }),
    says: /tenants\[0\] \(id "acme"\)\.pbxTenant: expected pbxTenant to be \{ domain: SIP-DOMAIN \} or \{ name: TENANT-NAME \}, each with an optional id/,
  },
  'pbxTenant id alone': {
    args: ['status'],
    mutate: (d) => (tenant(d).pbxTenant = { id: 'tenant-acme' }),
    says: /pbxTenant: expected pbxTenant to be \{ domain: SIP-DOMAIN \} or \{ name: TENANT-NAME \}, each with an optional id/,
  },
  'two entries pinned to one PBX tenant': {
    args: ['status'],
    mutate: (d) => {
      tenant(d).pbxTenant = { domain: 'twin.pbx.msp.example', id: 'tenant-twin-lower' };
      tenant(d, 'initech-lab').pbxTenant = { domain: 'TWIN.pbx.msp.example', id: 'tenant-twin-lower' };
    },
    says: /tenant "initech-lab": pbxTenant "id tenant-twin-lower" is already used by tenant "acme"/,
  },
  'one IDN domain twice, Unicode and xn--': {
    args: ['status'],
    mutate: (d) => {
      tenant(d).pbxTenant = { domain: 'bücher.example' };
      tenant(d, 'initech-lab').pbxTenant = { domain: 'XN--BCHER-KVA.example' };
    },
    says: /tenant "initech-lab": pbxTenant "domain XN--BCHER-KVA\.example" is already used by tenant "acme"/,
  },
};

/** A "billion laughs": nine aliases of nine aliases, nine levels deep, in a few hundred bytes. */
const ALIAS_BOMB = ['version: 1', 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
  .concat([...'bcdefghi'].map((name, i) => `${name}: &${name} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(',')}]`))
  .join('\n');
/** Maps nested `levels` deep, each one more space in. */
const nestedMaps = (levels: number) => Array.from({ length: levels }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') + ' x\n';
/** The sandbox fleet with acme's entry anchored (plus `extra` lines) and a tenant acme-two merged from it. */
const withMergedTenant = (yaml: string, extra: string) =>
  yaml
    .replace(/^  - id: acme\n/m, `  - &acme\n    id: acme\n${extra}\n`)
    .replace(/^  - id: globex\n/m, '  - <<: *acme\n    id: acme-two\n    pbxTenant: { domain: acme-two.example }\n  - id: globex\n');

const HOSTILE_YAML: Record<string, Case> = {
  'YAML: alias bomb (billion laughs)': {
    args: ['config', 'validate'],
    configText: ALIAS_BOMB,
    says: /:10:\d+: the alias \*h here stands for [\d,]+ values, and aliases expand the file past 1,000,000 values \(an "alias bomb"\)/,
  },
  'YAML: alias bomb, status': { args: ['status'], configText: ALIAS_BOMB, says: /alias bomb/ },
  'YAML: 100,000 [': {
    args: ['config', 'validate'],
    configText: `version: 1\ntenants: ${'['.repeat(100_000)}\n`,
    says: /:2:\d+: values are nested more than 64 levels deep here/,
  },
  'YAML: 100,000 {a:': {
    args: ['status'],
    configText: `version: 1\ntenants: ${'{a: '.repeat(100_000)}\n`,
    says: /:2:\d+: values are nested more than 64 levels deep here/,
  },
  'YAML: 100,000 "- " in a row': {
    args: ['status'],
    configText: `version: 1\ntenants:\n${'- '.repeat(100_000)}x\n`,
    says: /:3:\d+: values are nested more than 64 levels deep here/,
  },
  'YAML: maps nested 500 deep': {
    args: ['status'],
    configText: `version: 1\nx:\n${nestedMaps(500).replace(/^/gm, ' ')}`,
    says: /:\d+:\d+: values are nested more than 64 levels deep here/,
  },
  'YAML: deep nesting in an include file': {
    args: ['status'],
    files: { 'deep-tenants.yaml': `tenants: ${'['.repeat(100_000)}\n` },
    mutate: (d) => (d.include = ['deep-tenants.yaml']),
    says: /deep-tenants\.yaml:1:\d+: values are nested more than 64 levels deep here/,
  },
  'YAML: two documents': {
    args: ['status'],
    configText: 'version: 1\ntenants: []\n---\nversion: 1\n',
    says: /:3:1: the file holds more than one YAML document .*remove the separator/,
  },
  'YAML: a line without a colon': {
    args: ['status'],
    configText: 'version: 1\nfoo bar\ntenants: []\n',
    says: /:2:1: this line is not "setting: value": a setting name must be followed by a colon and a space/,
  },
  'YAML: no space after the colon': {
    args: ['config', 'validate'],
    configText: 'version:1\ntenants: []\n',
    says: /:1:1: this line is not "setting: value"/,
  },
  'YAML: unclosed quote': {
    args: ['status'],
    configText: 'version: 1\ntenants:\n  - id: "acme\n',
    says: /:\d+:\d+: a "double-quoted" value is not closed: add the closing "/,
  },
  'YAML: unknown escape': {
    args: ['status'],
    configText: 'version: 1\ntenants:\n  - id: "ac\\qme"\n',
    says: /:3:\d+: the "double-quoted" value holds the unknown escape \\q: write \\\\ for a backslash, or use 'single quotes'/,
  },
  'YAML: value starting with @': {
    args: ['status'],
    configText: 'version: 1\ndefaults:\n  consentScreen: { supportEmail: @msp.example }\n',
    says: /:3:\d+: a value cannot start with @ unless it is quoted/,
  },
  'YAML: unclosed [': {
    args: ['status'],
    configText: 'version: 1\ntenants: [\n  - id: acme\n',
    says: /:3:3: inside \[ \] or \{ \} values are written inline/,
  },
  'YAML: list and settings mixed': {
    args: ['status'],
    configText: '- a\nversion: 1\n',
    says: /:2:\d+: this does not fit the structure above it/,
  },
  'YAML: alias without an anchor': {
    args: ['status'],
    configText: 'version: 1\ndefaults: *base\n',
    says: /:2:\d+: the alias \*base has no anchor &base before it; anchors \(&name\) and aliases \(\*name\) work within one file/,
  },
  'YAML: alias to an anchor of gwkit.yaml, in an include file': {
    args: ['status'],
    files: { 'aliased.yaml': 'tenants:\n  - id: extra\n    pbxTenant: { domain: x.example }\n    <<: *defaults\n' },
    editText: (yaml) => yaml.replace(/^defaults:/m, 'defaults: &defaults') + 'include: [aliased.yaml]\n',
    says: /aliased\.yaml:4:\d+: the alias \*defaults has no anchor &defaults before it; .*an include file cannot use the anchors of gwkit\.yaml/,
  },
  'YAML: unknown tag': { args: ['status'], configText: 'version: !!binary 1\n', says: /gwkit\.yaml has no use for this tag/ },
  'YAML: merge key given a plain value': {
    args: ['status'],
    configText: 'version: 1\ndefaults:\n  <<: 5\n',
    says: /:\d+:\d+: "<<" \(merge key\) takes an alias of a map, as in <<: \*defaults/,
  },
  'YAML: a wrong value merged from an anchor': {
    args: ['status'],
    editText: (yaml) => withMergedTenant(yaml, '    environment: staging'),
    // Where the value is written, for the tenant that wrote it and the one that merged it.
    says: /(gwkit-\d+\.yaml:\d+:\d+): tenants\[0\] \(id "acme"\)\.environment: .*\(got "staging".*\n[\s\S]*\1: tenants\[1\] \(id "acme-two"\)\.environment: .*\(got "staging"/,
  },
  'YAML: an unknown setting merged from an anchor': {
    args: ['status'],
    editText: (yaml) => withMergedTenant(yaml, '    colour: blue'),
    says: /(gwkit-\d+\.yaml:\d+:\d+): tenants\[0\] \(id "acme"\)\.colour: unknown setting "colour".*\n[\s\S]*\1: tenants\[1\] \(id "acme-two"\)\.colour: unknown setting "colour"/,
  },
  'YAML: byte-order mark, then a duplicate key': {
    args: ['status'],
    configText: '\uFEFFversion: 1\nversion: 1\ntenants: []\n',
    says: /:2:1: the same setting appears twice in one block/,
  },
  'YAML: Latin-1 bytes': {
    args: ['status'],
    configText: Buffer.from('version: 1\ndefaults:\n  consentScreen: { appName: Caf\xe9 }\n', 'latin1'),
    says: /:3:32: the byte 0xE9 is not UTF-8 \(the file was probably saved as Latin-1 or Windows-1252\); save it as UTF-8/,
  },
  'YAML: UTF-16': {
    args: ['status'],
    configText: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('version: 1\n', 'utf16le')]),
    says: /is UTF-16 text .*save it as UTF-8/,
  },
  'YAML: an 11 MB file': {
    args: ['config', 'validate'],
    configText: `version: 1\n# ${'x'.repeat(11 * 1024 * 1024)}\n`,
    says: /is 11\.0 MB; gwkit reads config files of up to 10\.0 MB \(split the tenants into several files listed under include:\)/,
  },
};

/** The sandbox's CA certificate as DER (binary), as Windows tools often export it. */
const caAsDer = () => Buffer.from(readFileSync(sb.caFile, 'utf8').replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
const FAKE_KEY = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n';

const CA_FILES: Record<string, Case> = {
  '--ca-file empty': {
    args: ['rollout', '--all', '--ca-file', '$BAD/empty-ca.pem'],
    files: { 'empty-ca.pem': '' },
    says: /--ca-file: .*empty-ca\.pem is empty; expected a PEM certificate file/,
  },
  '--ca-file DER': {
    args: ['rollout', '--all', '--ca-file', '$BAD/ca.der'],
    files: { 'ca.der': caAsDer },
    says: /--ca-file: .*ca\.der is binary \(DER\); convert it to PEM with: openssl x509 -inform der/,
  },
  '--ca-file is a private key': {
    args: ['post-deploy', '--all', '--ca-file', '$BAD/ca-key.pem'],
    files: { 'ca-key.pem': FAKE_KEY },
    says: /--ca-file: .*ca-key\.pem holds a private key \(PRIVATE KEY\)/,
  },
  '--ca-file garbage': {
    args: ['verify', '--all', '--ca-file', '$BAD/garbage.pem'],
    files: { 'garbage.pem': 'not a certificate\n' },
    says: /--ca-file: .*garbage\.pem holds no PEM certificate \(no "-----BEGIN CERTIFICATE-----" line\)/,
  },
  '--ca-file damaged certificate': {
    args: ['discover', '--all', '--ca-file', '$BAD/damaged.pem'],
    files: { 'damaged.pem': '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n' },
    says: /damaged\.pem holds a damaged certificate \(the first one, line 1\)/,
  },
  '--ca-file a certificate request': {
    args: ['rollout', '--all', '--ca-file', '$BAD/ca.csr'],
    files: { 'ca.csr': '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n' },
    says: /holds a PEM "CERTIFICATE REQUEST" block, not a certificate/,
  },
  '--ca-file garbage, status': {
    args: ['status', '--ca-file', '$BAD/garbage2.pem'],
    files: { 'garbage2.pem': 'hello' },
    says: /--ca-file: .*garbage2\.pem holds no PEM certificate/,
  },
  '--ca-file garbage, teardown': {
    args: ['teardown', '--tenant', 'acme', '--yes', '--ca-file', '$BAD/garbage3.pem'],
    files: { 'garbage3.pem': 'hello' },
    says: /--ca-file: .*garbage3\.pem holds no PEM certificate/,
  },
  'pbx.caFile garbage (defaults)': {
    args: ['rollout', '--all'],
    files: { 'pbx-garbage.pem': 'hello' },
    mutate: (d) => (pbx(d).caFile = 'pbx-garbage.pem'),
    says: /pbx\.caFile \(.*gwkit-\d+\.yaml:\d+:\d+\): .*pbx-garbage\.pem holds no PEM certificate/,
  },
  'pbx.caFile a private key (one tenant)': {
    args: ['status'],
    files: { 'tenant-key.pem': FAKE_KEY },
    mutate: (d) => (tenant(d, 'initech-lab').pbx.caFile = 'tenant-key.pem'),
    says: /pbx\.caFile \(.*gwkit-\d+\.yaml:\d+:\d+\): .*tenant-key\.pem holds a private key/,
  },
  'pbx.caFile is a directory (post-deploy)': {
    args: ['post-deploy', '--all'],
    mutate: (d) => (pbx(d).caFile = '.'),
    says: /pbx\.caFile \(.*gwkit-\d+\.yaml:\d+:\d+\): .*bad is a directory/,
  },
};

const FILES_AND_CREDENTIALS: Record<string, Case> = {
  '--ca-file missing': {
    args: ['discover', '--all', '--ca-file', '/nonexistent/ca.pem'],
    says: /--ca-file: \/nonexistent\/ca\.pem does not exist; expected a PEM certificate file/,
  },
  '--ca-file is a directory': {
    args: ['rollout', '--all', '--ca-file', '$BAD'],
    says: /--ca-file: .*bad is a directory; expected a PEM certificate file/,
  },
  'pbx.caFile missing': {
    args: ['rollout', '--all'],
    mutate: (d) => (pbx(d).caFile = '/nonexistent/pbx-ca.pem'),
    says: /pbx\.caFile \(.*gwkit-\d+\.yaml:\d+:\d+\): \/nonexistent\/pbx-ca\.pem does not exist/,
  },
  '--outputs-file missing': {
    args: ['post-deploy', '--all', '--outputs-file', '/nonexistent/outputs.json'],
    says: /--outputs-file: \/nonexistent\/outputs\.json does not exist/,
  },
  '--outputs-file is a directory': {
    args: ['post-deploy', '--all', '--outputs-file', '$BAD'],
    says: /--outputs-file: .*bad is a directory/,
  },
  '--outputs-file not JSON': {
    args: ['post-deploy', '--all', '--outputs-file', '$BAD/out.json'],
    files: { 'out.json': 'acme: {}' },
    says: /--outputs-file: .*out\.json is not JSON/,
  },
  '--outputs-file not outputs': {
    args: ['post-deploy', '--all', '--outputs-file', '$BAD/out2.json'],
    files: { 'out2.json': '[1,2]' },
    says: /is not a cdktf outputs file/,
  },
  '--outputs-file without the tenant': {
    args: ['post-deploy', '--tenant', 'acme', '--outputs-file', '$BAD/out3.json'],
    files: { 'out3.json': '{}' },
    says: /no outputs for tenant "acme"/,
  },
  '--outputs-file wrong project': {
    args: ['post-deploy', '--tenant', 'acme', '--outputs-file', '$BAD/out4.json'],
    files: {
      'out4.json': JSON.stringify({
        acme: { project_id: 'other-prj', credential_secret_name: 'projects/other-prj/secrets/gwkit-oauth-client' },
      }),
    },
    says: /tenant "acme" was deployed to project other-prj, but gwkit\.yaml says pbxgw-acme/,
  },
  '--out into a missing folder': {
    args: ['config', 'schema', '--out', '/nonexistent/dir/schema.json'],
    says: /--out: cannot write \/nonexistent\/dir\/schema\.json \(ENOENT\)/,
  },
  'no PBX password in CI': {
    args: ['rollout', '--all'],
    env: { GWKIT_PBX_PASSWORD: '' },
    says: /no PBX password for admin at 127\.0\.0\.1:\d+: set GWKIT_PBX_PASSWORD/,
  },
  'no tenant-admin password in CI': {
    args: ['post-deploy', '--tenant', 'initech-lab'],
    env: { GWKIT_PBX_PASSWORD_INITECH: '' },
    says: /set GWKIT_PBX_PASSWORD_INITECH/,
  },
  'password typed into passwordFile': {
    args: ['verify', '--all'],
    mutate: (d) => (pbx(d).login.passwordFile = 'hunter2-is-my-password'),
    says: /passwordFile: cannot read .*the file name is not shown/,
  },
  'a secret pasted instead of the client JSON': {
    args: ['client', 'import', '--tenant', 'acme', '--stdin'],
    input: 'GOCSPX-S3cret!pw-pasted',
    says: /stdin: invalid JSON \(it does not start with "\{"/,
  },
  'client file with a byte-order mark': {
    args: ['client', 'import', '--tenant', 'globex', '--file', '$BAD/bom.json'],
    files: {
      'bom.json': `\uFEFF${JSON.stringify({ web: { client_id: '1-a.apps.googleusercontent.com', client_secret: 'GOCSPX-x', project_id: 'pbxgw-acme', redirect_uris: [] } })}`,
    },
    // The BOM is read past: the file is judged on what it holds (here: another project's client).
    says: /client belongs to project "pbxgw-acme", expected "pbxgw-globex"/,
  },
  'passwordFile missing': {
    args: ['verify', '--all'],
    mutate: (d) => (pbx(d).login.passwordFile = '/nonexistent/pw.txt'),
    says: /pbx\.login\.passwordFile: cannot read \/nonexistent\/pw\.txt \(ENOENT\)/,
  },
  'ADC file missing': {
    args: ['rollout', '--all'],
    env: { GOOGLE_APPLICATION_CREDENTIALS: '/nonexistent/adc.json' },
    says: /GOOGLE_APPLICATION_CREDENTIALS=\/nonexistent\/adc\.json: no such file; run `gcloud auth application-default login`/,
  },
  'ADC is a directory': {
    args: ['status'],
    env: { GOOGLE_APPLICATION_CREDENTIALS: '/tmp' },
    says: /GOOGLE_APPLICATION_CREDENTIALS=\/tmp is a directory/,
  },
  'ADC is an OAuth client file': {
    args: ['post-deploy', '--all'],
    env: { GOOGLE_APPLICATION_CREDENTIALS: '$CLIENT' },
    says: /is an OAuth client file .*not credentials for gwkit itself/,
  },
  'ADC not JSON': {
    args: ['status'],
    env: { GOOGLE_APPLICATION_CREDENTIALS: '$BAD/adc.txt' },
    files: { 'adc.txt': 'not json' },
    says: /is not a JSON credentials file/,
  },
  'ADC JSON but not credentials': {
    args: ['status'],
    env: { GOOGLE_APPLICATION_CREDENTIALS: '$BAD/adc2.json' },
    files: { 'adc2.json': '{"hello":"world"}' },
    says: /is JSON but not Google credentials/,
  },
};

const CLIENT_FILES: Record<string, Case> = {
  'client file missing': {
    args: ['client', 'import', '--tenant', 'acme', '--file', '$BAD/none.json'],
    says: /--file: .*none\.json does not exist; expected the client JSON/,
  },
  'client file is a directory': { args: ['client', 'import', '--tenant', 'acme', '--file', '$BAD'], says: /--file: .*bad is a directory/ },
  'client file empty': {
    args: ['client', 'import', '--tenant', 'acme', '--file', '$BAD/empty.json'],
    files: { 'empty.json': '' },
    says: /the file is empty; expected the client JSON from the Console/,
  },
  'client file via stdin empty': { args: ['client', 'import', '--tenant', 'acme', '--stdin'], input: '', says: /stdin: the file is empty/ },
  'client file not JSON': {
    args: ['client', 'import', '--tenant', 'acme', '--file', '$BAD/x.json'],
    files: { 'x.json': 'client_id=abc' },
    says: /invalid JSON/,
  },
  'client file is a service-account key': {
    args: ['client', 'import', '--tenant', 'acme', '--file', '$BAD/sa.json'],
    files: {
      'sa.json': JSON.stringify({
        type: 'service_account',
        project_id: 'p',
        private_key_id: 'k',
        client_email: 'a@p.iam.gserviceaccount.com',
      }),
    },
    says: /Google service account credentials file \(a key, not an OAuth client\)/,
  },
  'client file is an ADC file': {
    args: ['client', 'import', '--tenant', 'acme', '--file', '$BAD/adc3.json'],
    files: { 'adc3.json': JSON.stringify({ type: 'authorized_user', client_id: 'x', refresh_token: 'y' }) },
    says: /authorized user credentials file/,
  },
  'client file is a desktop client': {
    args: ['client', 'import', '--tenant', 'acme', '--file', '$BAD/desktop.json'],
    files: {
      'desktop.json': JSON.stringify({
        installed: { client_id: '1-a.apps.googleusercontent.com', client_secret: 'GOCSPX-desk', project_id: 'pbxgw-acme' },
      }),
    },
    says: /"installed" is a Desktop app client; the PBX needs a client of type "Web application"/,
  },
  'client file without web': {
    args: ['client', 'import', '--tenant', 'acme', '--file', '$BAD/noweb.json'],
    files: { 'noweb.json': '{"client":{}}' },
    says: /missing "web"/,
  },
  'client file web not object': {
    args: ['client', 'import', '--tenant', 'acme', '--file', '$BAD/webstr.json'],
    files: { 'webstr.json': '{"web":"x"}' },
    says: /"web" must be an object/,
  },
  'client file without secret': {
    args: ['client', 'import', '--tenant', 'acme', '--file', '$BAD/nosecret.json'],
    files: {
      'nosecret.json': JSON.stringify({
        web: { client_id: '1-a.apps.googleusercontent.com', project_id: 'pbxgw-acme', redirect_uris: [] },
      }),
    },
    says: /web\.client_secret is missing/,
  },
  'client file bad client id': {
    args: ['client', 'import', '--tenant', 'acme', '--file', '$BAD/badid.json'],
    files: {
      'badid.json': JSON.stringify({
        web: { client_id: 'my-client', client_secret: 'GOCSPX-x', project_id: 'pbxgw-acme', redirect_uris: [] },
      }),
    },
    says: /web\.client_id "my-client" does not look like NNN-xxx\.apps\.googleusercontent\.com/,
  },
  'client file redirect_uris missing': {
    args: ['client', 'import', '--tenant', 'acme', '--file', '$BAD/nouris.json'],
    files: {
      'nouris.json': JSON.stringify({
        web: { client_id: '1-a.apps.googleusercontent.com', client_secret: 'GOCSPX-x', project_id: 'pbxgw-acme' },
      }),
    },
    says: /web\.redirect_uris is missing/,
  },
  'client file redirect_uris not a list': {
    args: ['client', 'import', '--tenant', 'acme', '--file', '$BAD/uristr.json'],
    files: {
      'uristr.json': JSON.stringify({
        web: {
          client_id: '1-a.apps.googleusercontent.com',
          client_secret: 'GOCSPX-x',
          project_id: 'pbxgw-acme',
          redirect_uris: 'https://x',
        },
      }),
    },
    says: /web\.redirect_uris must be an array of strings/,
  },
  'client of another project': {
    args: ['client', 'import', '--tenant', 'globex', '--file', '$GOOD'],
    says: /client belongs to project "pbxgw-acme", expected "pbxgw-globex"/,
  },
  'client rotate: a new secret Google refuses (disabled in the Console)': {
    args: ['client', 'rotate', '--tenant', 'acme', '--file', '$REFUSED'],
    says: /refused\.json: Google rejects the new secret of client \S+ \(invalid_client\); nothing was stored/,
  },
  'client rotate: the same refused secret under --dry-run': {
    args: ['client', 'rotate', '--tenant', 'acme', '--file', '$REFUSED', '--dry-run'],
    says: /Google rejects the new secret .*nothing was stored/,
  },
  'client rotate: another client': {
    args: ['client', 'rotate', '--tenant', 'globex', '--file', '$GOOD'],
    says: /is not the tenant's client .*a rotation keeps the client and changes its secret/,
  },
  'client rotate: the secret already stored': {
    args: ['client', 'rotate', '--tenant', 'acme', '--file', '$GOOD'],
    says: /this is the secret already stored \(version 1\); add a second secret to the client in the Console first/,
  },
};

/** A Microsoft 365 tenant in the config: `contoso` of the sandbox, or changed. */
const ms = (d: Doc) => tenant(d, 'contoso');
const FACTS =
  (over: Record<string, unknown> = {}) =>
  () => {
    const recorded = JSON.parse(readFileSync(join(sb.dir, 'pbx-facts/contoso.json'), 'utf8'));
    return JSON.stringify({ ...recorded, ...over });
  };

const MICROSOFT_365: Record<string, Case> = {
  'ms365: directoryId not a GUID': {
    args: ['config', 'validate'],
    mutate: (d) => (ms(d).microsoft365.directoryId = 'contoso.onmicrosoft.com'),
    says: /gwkit-\d+\.yaml:\d+:\d+: tenants\[\d\] \(id "contoso"\)\.microsoft365\.directoryId: expected the Directory \(tenant\) ID/,
  },
  'ms365: suite without its settings': {
    args: ['status', '--tenant', 'contoso'],
    mutate: (d) => delete ms(d).microsoft365,
    says: /\(id "contoso"\)\.microsoft365\.directoryId: required for a microsoft-365 tenant/,
  },
  'ms365: an unknown feature': {
    args: ['rollout', '--all'],
    mutate: (d) => (ms(d).microsoft365.features = ['userSync', 'fax']),
    says: /\(id "contoso"\)\.microsoft365\.features\[1\]: expected one of userSync.*\(got "fax"\)/,
  },
  'ms365: a selected user that is not a UPN': {
    args: ['post-deploy', '--tenant', 'contoso', '--outputs-file', '$OUTPUTS'],
    mutate: (d) => (ms(d).microsoft365.userSync = { syncType: 'include', selectedUsers: ['alice'] }),
    says: /microsoft365\.userSync\.selectedUsers\[0\]: expected a user principal name/,
  },
  'ms365: an unknown national cloud': {
    args: ['discover', '--all'],
    mutate: (d) => (ms(d).microsoft365.nationalCloud = 'germany'),
    says: /microsoft365\.nationalCloud/,
  },
  'ms365: a Google-only setting on it': {
    args: ['config', 'validate'],
    mutate: (d) => (ms(d).projectId = 'pbxgw-contoso'),
    says: /\(id "contoso"\)\.projectId: a Google Workspace setting; this tenant has suite "microsoft-365"/,
  },
  'ms365: the facts file is not JSON': {
    args: ['status', '--tenant', 'contoso'],
    mutate: () => undefined,
    files: { 'pbx-facts/contoso.json': '{"version": 1,' },
    says: /pbx-facts\/contoso\.json: not JSON .*run discover again/,
  },
  'ms365: a facts file whose thumbprint does not match its certificate': {
    args: ['rollout', '--all'],
    mutate: () => undefined,
    files: {
      'pbx-facts/contoso.json': () => {
        const facts = JSON.parse(FACTS()());
        facts.certificates[0].thumbprint = '0'.repeat(40);
        return JSON.stringify(facts);
      },
    },
    says: /the thumbprint does not match the PEM/,
  },
  'ms365: a facts file of another tenant': {
    args: ['discover', '--tenant', 'contoso'],
    mutate: () => undefined,
    files: { 'pbx-facts/contoso.json': FACTS({ tenant: 'fabrikam' }) },
    says: /records tenant "fabrikam", not "contoso"/,
  },
  'ms365: a facts file with a plain-http redirect URI': {
    args: ['status'],
    mutate: () => undefined,
    files: { 'pbx-facts/contoso.json': FACTS({ redirectUris: ['http://pbx.example/x'] }) },
    says: /redirectUris\.0/,
  },
  'ms365: --outputs-file that does not exist': {
    args: ['post-deploy', '--all', '--outputs-file', '$BAD/none.json'],
    says: /--outputs-file: .*none\.json does not exist/,
  },
  'ms365: --outputs-file without the tenant': {
    args: ['post-deploy', '--tenant', 'contoso', '--outputs-file', '$BAD/other.json'],
    files: { 'other.json': JSON.stringify({ fabrikam: { application_id: '0b7e2f3a-1c4d-4e5f-8a9b-0c1d2e3f4a5b' } }) },
    says: /other\.json: no application_id for Microsoft 365 tenant "contoso"; deploy it first/,
  },
  'ms365: --outputs-file of another directory': {
    args: ['post-deploy', '--all', '--outputs-file', '$BAD/elsewhere.json'],
    files: {
      'elsewhere.json': () =>
        JSON.stringify({
          ...JSON.parse(readFileSync(outputsFile, 'utf8')),
          contoso: { application_id: '0b7e2f3a-1c4d-4e5f-8a9b-0c1d2e3f4a5b', directory_id: '11111111-2222-3333-4444-555555555555' },
        }),
    },
    says: /tenant "contoso" was deployed to directory 11111111-2222-3333-4444-555555555555, but gwkit\.yaml says/,
  },
  'ms365: rollout --outputs-file not JSON': {
    args: ['rollout', '--all', '--outputs-file', '$BAD/outputs.txt'],
    files: { 'outputs.txt': 'contoso=1' },
    says: /--outputs-file: .*outputs\.txt is not JSON/,
  },
  'ms365: no PBX password': {
    args: ['post-deploy', '--tenant', 'contoso', '--outputs-file', '$OUTPUTS'],
    env: { GWKIT_PBX_PASSWORD: undefined },
    says: /no PBX password for admin/,
  },
  'ms365: client import for it': {
    args: ['client', 'import', '--tenant', 'contoso', '--file', '$GOOD'],
    says: /contoso is a Microsoft 365 tenant, which have no OAuth client/,
  },
  'ms365: client rotate with a client file': {
    args: ['client', 'rotate', '--tenant', 'contoso', '--file', '$GOOD'],
    says: /contoso is a Microsoft 365 tenant: it has no client secret/,
  },
  'ms365: --new-certificate for a Google tenant': {
    args: ['client', 'rotate', '--tenant', 'acme', '--new-certificate'],
    says: /--new-certificate is for Microsoft 365 tenants; acme is a Google Workspace tenant/,
  },
  'ms365: teardown without confirmation': {
    args: ['teardown', '--tenant', 'contoso'],
    says: /teardown stops the PBX integration: confirm with --yes/,
  },
  'ms365: its pbx.caFile is a directory (status, read-only)': {
    args: ['status'],
    mutate: (d) => (ms(d).pbx = { caFile: '.' }),
    says: /pbx\.caFile .*bad is a directory/,
  },
};

const ALL: [string, Case][] = [
  ...Object.entries(USAGE),
  ...Object.entries(CONFIG),
  ...Object.entries(PBX_TENANT_IDENTITY),
  ...Object.entries(HOSTILE_YAML),
  ...Object.entries(CA_FILES),
  ...Object.entries(FILES_AND_CREDENTIALS),
  ...Object.entries(CLIENT_FILES),
  ...Object.entries(MICROSOFT_365),
];

test('the corpus holds at least 150 bad inputs', () => {
  expect(ALL.length).toBeGreaterThanOrEqual(150);
});

describe.each(ALL)('%s', (_name, c) => {
  test('exit code, message, nothing changed, no secret shown', async () => {
    // A write is any POST but logging in or out and switching tenants (they change nothing).
    const writes = () => sb.pbx.state.requests.filter((q) => q.method === 'POST' && !/\/login\/|\/tenants\/switch/.test(q.path)).length;
    // Google likewise: any request but a GET and the token endpoint (an access token, or a probe with an
    // invalid code that grants nothing: lib/google/token-probe.ts).
    const googleChanges = () => sb.google.state.requests.filter((q) => q.method !== 'GET' && q.path !== '/token').length;
    // Microsoft: the directory (apps, credentials, consent) and the PBX's Microsoft 365 settings.
    const microsoft = () =>
      JSON.stringify({
        dir: [...sb.microsoft!.directories.values()].map((d) => [[...d.applications.values()], d.assignments]),
        pbx: ms365SlotOf(sb.pbx.state, sb.microsoft365Tenants.contoso!.pbxTenantId),
      });
    const before = {
      world: JSON.stringify(worldSnapshot(sb)),
      disk: diskSnapshot(),
      pbxWrites: writes(),
      googleRequests: googleChanges(),
      microsoft: microsoft(),
    };
    const withPlaceholders: Case = {
      ...c,
      // acme's client: the right kind of file, for another tenant.
      args: c.args.map((a) => (a === '$GOOD' ? clientFiles.acme! : a === '$REFUSED' ? refusedFile : a === '$OUTPUTS' ? outputsFile : a)),
      env:
        c.env &&
        Object.fromEntries(Object.entries(c.env).map(([k, v]) => [k, v === '$CLIENT' ? clientFiles.acme! : v?.replace('$BAD', bad)])),
    };
    const r = await run(withPlaceholders);
    const stream = c.stream ?? 'stderr';
    expect({ code: r.code, [stream]: r[stream] }).toEqual({ code: c.code ?? 2, [stream]: expect.stringMatching(c.says) });
    expect(JSON.stringify(worldSnapshot(sb))).toBe(before.world);
    expect(writes()).toBe(before.pbxWrites);
    expect(googleChanges()).toBe(before.googleRequests);
    expect(diskSnapshot()).toEqual(before.disk);
    expect(microsoft()).toBe(before.microsoft);
    for (const secret of secrets) {
      expect(r.stdout).not.toContain(secret);
      expect(r.stderr).not.toContain(secret);
    }
  });
});

test('the same mistakes under --json: one error envelope on stdout, exit 2', async () => {
  for (const args of [
    ['status', '--tenant', '--json'],
    ['rollout', '--all', '--concurrency', '0', '--json'],
    ['post-deploy', '--tenant', 'nope', '--json'],
  ]) {
    const r = await runInProcess(sb, args);
    expect({ args, code: r.code }).toEqual({ args, code: 2 });
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, exitCode: 2, error: { message: expect.any(String) } });
  }
});
