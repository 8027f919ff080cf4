/**
 * Reports an MSP hands to its team: what a fleet command found and did, per tenant, with the
 * next action and the links a person must open. One model, three renderings: JSON (machines),
 * Markdown (tickets, wikis), a self-contained HTML page (people; sortable, filterable, readable on
 * a phone). Built from the same outcomes as the command's own output.
 */
import { consoleLinks } from '../console-links';
import { exitWord } from '../exit-codes';
import type { FleetReport } from '../workflow/fleet-runner';
import { REPORT_STAGES, type AnyStage } from '../workflow/stage-model';

/**
 * Whether the tenant's integration works, apart from whether the command's own work succeeded: a
 * status read that worked on a `planned` tenant is a good read of a tenant that is not yet set up.
 */
export type Health = 'healthy' | 'not yet' | 'broken' | 'unknown';

export interface ReportTenant {
  readonly tenant: string;
  /** What the command's own work came to: ok, failed, bad input, waiting, not reached. */
  readonly result: string;
  /** healthy only at `verified`; `broken` when a check found it not working; `not yet` at an earlier stage; `unknown` where no stage was found or a source was not checked. */
  readonly health: Health;
  readonly stage?: AnyStage;
  readonly nextAction?: string;
  readonly error?: string;
  readonly links: readonly { readonly label: string; readonly url: string }[];
}

export interface ReportDoc {
  readonly title: string;
  readonly command: string;
  readonly generatedAt: string;
  readonly exitCode: number;
  readonly summary: {
    readonly byStage: Partial<Record<AnyStage | 'unknown', number>>;
    readonly byResult: Record<string, number>;
    readonly byHealth: Partial<Record<Health, number>>;
  };
  readonly tenants: readonly ReportTenant[];
}

/** The stage a command's result says a tenant reached, whichever command it came from. */
function stageOf(result: unknown): AnyStage | undefined {
  const r = result as { stage?: string; verdict?: string } | undefined;
  if (r?.stage && (REPORT_STAGES as readonly string[]).includes(r.stage)) return r.stage as AnyStage;
  if (r?.verdict === 'verified') return 'verified';
  return undefined;
}

/** Only well-formed https links become links: the values come from a PBX, not from us. */
function isHttps(url: string): boolean {
  try {
    return new URL(url).protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * Broken: the integration was checked and does not work (Google refuses the PBX's secret, or the
 * PBX cannot read Microsoft 365 users). A result that says a source was not checked (status
 * without a PBX password) knows too little to say "not yet".
 */
function healthOf(result: unknown): Health {
  const stage = stageOf(result);
  const r = result as { unchecked?: readonly string[]; failure?: string } | undefined;
  if (stage === 'broken' || r?.failure) return 'broken';
  if (r?.unchecked?.length) return 'unknown';
  return stage === 'verified' ? 'healthy' : stage ? 'not yet' : 'unknown';
}

function linksOf(result: unknown, nextAction?: string): { label: string; url: string }[] {
  const r = result as { consentUri?: string; projectId?: string; entraLinks?: { appOverview: string; apiPermissions: string } } | undefined;
  const links: { label: string; url: string }[] = [];
  if (r?.consentUri && isHttps(r.consentUri)) links.push({ label: 'consent', url: r.consentUri });
  // A Microsoft 365 tenant: its app registration and the permissions granted, in the Entra admin center.
  if (r?.entraLinks)
    links.push(
      { label: 'app (Entra)', url: r.entraLinks.appOverview },
      { label: 'API permissions (Entra)', url: r.entraLinks.apiPermissions },
    );
  // The Console step: a tenant waiting for its OAuth client gets the page that creates it.
  if (r?.projectId && stageOf(result) === 'provisioned')
    links.push({ label: 'create client (Console)', url: consoleLinks(r.projectId).createClient });
  for (const url of (nextAction ?? '').match(/https:\/\/\S+/g) ?? []) {
    const clean = url.replace(/[.,;)]+$/, '');
    if (!isHttps(clean)) continue;
    if (!links.some((l) => l.url === clean))
      links.push({ label: clean.includes('console.cloud.google.com') ? 'Console' : 'link', url: clean });
  }
  return links;
}

export function buildReport<T>(
  command: string,
  report: FleetReport<T>,
  options: { notReached?: readonly string[]; now?: Date } = {},
): ReportDoc {
  const tenants: ReportTenant[] = report.tenants.map((o) => ({
    tenant: o.tenant,
    result: exitWord(o.exitCode, 'report'),
    health: healthOf(o.result),
    stage: stageOf(o.result),
    nextAction: o.nextAction,
    error: o.error,
    links: linksOf(o.result, o.nextAction),
  }));
  for (const id of options.notReached ?? [])
    tenants.push({
      tenant: id,
      result: 'not reached',
      health: 'unknown',
      links: [],
      nextAction: `run the same command again to reach ${id}`,
    });
  const byStage: Partial<Record<AnyStage | 'unknown', number>> = {};
  const byResult: Record<string, number> = {};
  const byHealth: Partial<Record<Health, number>> = {};
  for (const t of tenants) {
    const stage = t.stage ?? 'unknown';
    byStage[stage] = (byStage[stage] ?? 0) + 1;
    byResult[t.result] = (byResult[t.result] ?? 0) + 1;
    byHealth[t.health] = (byHealth[t.health] ?? 0) + 1;
  }
  return {
    title: `gwkit ${command}: ${tenants.length} tenant${tenants.length === 1 ? '' : 's'}`,
    command,
    generatedAt: (options.now ?? new Date()).toISOString(),
    exitCode: report.exitCode,
    summary: { byStage, byResult, byHealth },
    tenants,
  };
}

/** Markdown for tickets and wikis: the summary, then one table row per tenant. */
export function reportMarkdown(doc: ReportDoc): string {
  const cell = (s: string | undefined) => (s ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const stages = [...REPORT_STAGES, 'unknown' as const].filter((s) => doc.summary.byStage[s]).map((s) => `${s}: ${doc.summary.byStage[s]}`);
  return [
    `# ${doc.title}`,
    '',
    `Generated ${doc.generatedAt}; exit code ${doc.exitCode}.`,
    '',
    `**By stage:** ${stages.join(', ') || 'none'}  `,
    `**By health:** ${
      Object.entries(doc.summary.byHealth)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ') || 'none'
    }  `,
    `**By result:** ${
      Object.entries(doc.summary.byResult)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ') || 'none'
    }`,
    '',
    '| tenant | health | result | stage | next action | links |',
    '|---|---|---|---|---|---|',
    ...doc.tenants.map(
      (t) =>
        `| ${cell(t.tenant)} | ${cell(t.health)} | ${cell(t.result)} | ${cell(t.stage)} | ${cell(t.error ? `${t.error} ${t.nextAction ?? ''}` : t.nextAction)} | ${t.links.map((l) => `[${l.label}](${l.url})`).join(' ')} |`,
    ),
    '',
  ].join('\n');
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Long URLs inside a sentence become short links (host and path), so the sentence stays readable. */
function linkify(text: string): string {
  return text
    .split(/(https:\/\/\S+)/)
    .map((part, i) => {
      if (i % 2 === 0) return esc(part);
      const url = part.replace(/[.,;)]+$/, '');
      if (!isHttps(url)) return esc(part);
      const u = new URL(url);
      const label = `${u.host}${u.pathname.length > 24 ? `${u.pathname.slice(0, 24)}…` : u.pathname}`;
      return `<a href="${esc(url)}" rel="noopener noreferrer" target="_blank">${esc(label)}</a>${esc(part.slice(url.length))}`;
    })
    .join('');
}

/** One self-contained page: no external script, style or font; works offline and on a phone. */
export function reportHtml(doc: ReportDoc): string {
  const stageCards = [...REPORT_STAGES, 'unknown' as const]
    .filter((s) => doc.summary.byStage[s])
    .map((s) => `<button class="stage" data-stage="${s}"><b>${doc.summary.byStage[s]}</b><span>${s}</span></button>`)
    .join('');
  const rows = doc.tenants
    .map((t) => {
      const links = t.links.map((l) => `<a href="${esc(l.url)}" rel="noopener noreferrer" target="_blank">${esc(l.label)}</a>`).join(' ');
      const next = [t.error ? `<span class="error">${esc(t.error)}</span>` : '', t.nextAction ? linkify(t.nextAction) : '']
        .filter(Boolean)
        .join('<br>');
      return (
        `<tr data-result="${esc(t.result)}" data-stage="${esc(t.stage ?? 'unknown')}">` +
        `<td data-label="tenant" class="tenant">${esc(t.tenant)}</td>` +
        `<td data-label="health"><span class="badge h-${esc(t.health.replace(/\s+/g, '-'))}">${esc(t.health)}</span></td>` +
        `<td data-label="result"><span class="badge r-${esc(t.result.replace(/\s+/g, '-'))}">${esc(t.result)}</span></td>` +
        `<td data-label="stage" data-sort="${t.stage ? REPORT_STAGES.indexOf(t.stage) : 99}">${esc(t.stage ?? '-')}</td>` +
        `<td data-label="next action" class="next">${next || '-'}</td>` +
        `<td data-label="links">${links || '-'}</td></tr>`
      );
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(doc.title)}</title>
<style>
:root{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;background:#f6f8fa}
body{margin:0;padding:16px;max-width:1200px;margin-inline:auto}
h1{font-size:1.3rem;margin:0 0 4px}.meta{color:#57606a;font-size:.85rem;margin-bottom:12px}
.stages{display:flex;flex-wrap:wrap;gap:8px;margin-bottom:12px}
.stage{border:1px solid #d0d7de;background:#fff;border-radius:8px;padding:8px 12px;cursor:pointer;display:flex;flex-direction:column;align-items:flex-start;min-width:110px}
.stage b{font-size:1.3rem}.stage span{font-size:.8rem;color:#57606a}.stage.on{border-color:#0969da;box-shadow:0 0 0 2px #0969da33}
#filter{width:100%;box-sizing:border-box;padding:10px;border:1px solid #d0d7de;border-radius:8px;font-size:1rem;margin-bottom:12px}
table{width:100%;border-collapse:collapse;background:#fff;border:1px solid #d0d7de;border-radius:8px;overflow:hidden}
th,td{padding:8px 10px;border-bottom:1px solid #eaeef2;text-align:left;vertical-align:top;font-size:.9rem}
th{background:#f6f8fa;cursor:pointer;user-select:none;white-space:nowrap}th[aria-sort=ascending]::after{content:" ▲"}th[aria-sort=descending]::after{content:" ▼"}
.tenant{font-weight:600}.next{max-width:520px;word-break:break-word}.error{color:#cf222e}
.badge{border-radius:999px;padding:2px 8px;font-size:.8rem;background:#eaeef2}
.h-healthy{background:#dafbe1;color:#116329}.h-not-yet{background:#fff8c5;color:#7d4e00}.h-broken{background:#ffebe9;color:#a40e26}.h-unknown{background:#eaeef2;color:#57606a}
.r-failed,.r-bad-input{background:#ffebe9;color:#a40e26}.r-waiting{background:#fff8c5;color:#7d4e00}.r-not-reached{background:#ddf4ff;color:#0550ae}
a{color:#0969da}
@media (max-width:640px){thead{display:none}table,tbody,tr,td{display:block;width:100%;box-sizing:border-box}
tr{border-bottom:8px solid #f6f8fa}td{border:0;padding:4px 10px}td::before{content:attr(data-label);display:block;font-size:.7rem;color:#57606a;text-transform:uppercase}}
</style></head><body>
<h1>${esc(doc.title)}</h1>
<div class="meta">Generated ${esc(doc.generatedAt)} · exit code ${doc.exitCode} · ${Object.entries(doc.summary.byHealth)
    .map(([k, v]) => `${v} ${esc(k)}`)
    .join(' · ')} · command results: ${Object.entries(doc.summary.byResult)
    .map(([k, v]) => `${v} ${esc(k)}`)
    .join(' · ')}</div>
<div class="stages" id="stages">${stageCards}</div>
<input id="filter" type="search" placeholder="Filter tenants, stages, actions…" aria-label="Filter">
<table id="tenants"><thead><tr><th data-col="0">tenant</th><th data-col="1">health</th><th data-col="2">result</th><th data-col="3">stage</th><th data-col="4">next action</th><th data-col="5">links</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<p class="meta" id="shown"></p>
<script>
(function(){
  var body=document.querySelector('#tenants tbody'),rows=[].slice.call(body.rows),filter=document.getElementById('filter'),stage=null;
  function apply(){var q=filter.value.toLowerCase(),n=0;rows.forEach(function(r){var ok=(!q||r.textContent.toLowerCase().indexOf(q)>=0)&&(!stage||r.dataset.stage===stage);r.hidden=!ok;if(ok)n++;});document.getElementById('shown').textContent=n+' of '+rows.length+' tenants shown';}
  filter.addEventListener('input',apply);
  [].forEach.call(document.querySelectorAll('.stage'),function(b){b.addEventListener('click',function(){stage=stage===b.dataset.stage?null:b.dataset.stage;[].forEach.call(document.querySelectorAll('.stage'),function(x){x.classList.toggle('on',x.dataset.stage===stage);});apply();});});
  [].forEach.call(document.querySelectorAll('th'),function(th){th.addEventListener('click',function(){var c=+th.dataset.col,dir=th.getAttribute('aria-sort')==='ascending'?-1:1;[].forEach.call(document.querySelectorAll('th'),function(x){x.removeAttribute('aria-sort');});th.setAttribute('aria-sort',dir>0?'ascending':'descending');
    rows.sort(function(a,b){var x=a.cells[c].dataset.sort||a.cells[c].textContent,y=b.cells[c].dataset.sort||b.cells[c].textContent;var nx=+x,ny=+y;return dir*(!isNaN(nx)&&!isNaN(ny)?nx-ny:x.localeCompare(y));});rows.forEach(function(r){body.appendChild(r);});});});
  apply();
})();
</script>
</body></html>
`;
}

/** The rendering a file name asks for: .json, .md (or .markdown), .html (or .htm). */
export function renderReport(doc: ReportDoc, file: string): string {
  if (/\.json$/i.test(file)) return `${JSON.stringify(doc, null, 2)}\n`;
  if (/\.(md|markdown)$/i.test(file)) return reportMarkdown(doc);
  if (/\.html?$/i.test(file)) return reportHtml(doc);
  throw new Error(`unknown report type: ${file}`);
}
