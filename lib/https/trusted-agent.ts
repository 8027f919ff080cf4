/**
 * One HTTPS agent per trust setting, shared by every client in the process (PBX sessions, the
 * Google libraries, the token probe).
 *
 * Why shared, and why a prebuilt secure context: passing `ca` to an agent makes Node build a new
 * TLS secure context (parsing ~146 public roots plus the extra CA) for every connection. Profiled
 * on a 500-tenant rollout that was about 70% of the CLI's CPU. One context per CA file and one
 * keep-alive agent per trust setting turn that into a one-off cost. See docs/performance.md.
 *
 * Verification is always on: there is no option here, or anywhere in gwkit, that disables it.
 */
import { createSecureContext, rootCertificates } from 'node:tls';
import { Agent } from 'undici';
import { readCaFile } from './ca-file';

const agents = new Map<string, Agent>();

/**
 * The agent trusting Node's public roots plus, when given, the CA certificate(s) in `caFile`.
 * Reads `caFile` once per process; an InputError naming `option` when it holds no PEM certificate.
 */
export function trustedAgent(caFile?: string, option = 'CA file'): Agent {
  const key = caFile ?? '';
  let agent = agents.get(key);
  if (!agent) {
    // An explicit CA list replaces Node's defaults, so the public roots are added back.
    const secureContext = caFile ? createSecureContext({ ca: [...rootCertificates, readCaFile(caFile, option)] }) : undefined;
    agent = new Agent({
      connect: { ...(secureContext ? { secureContext } : {}), rejectUnauthorized: true },
      keepAliveTimeout: 10_000,
    });
    agents.set(key, agent);
  }
  return agent;
}
