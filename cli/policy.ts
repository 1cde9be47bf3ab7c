/** `escalation-auditor policy`: the effective policy, after a file's values are laid over CS-POL-001. */
import { stringify } from 'yaml';
import { loadPolicyFile } from './config';

export interface PolicyOptions {
  policy?: string;
  format: 'yaml' | 'json';
}

export async function policyCommand(opts: PolicyOptions, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const loaded = await loadPolicyFile(opts.policy);
  // later versions as the file writes them: each with its effective time
  const policy = loaded.versions
    ? {
        ...loaded,
        versions: loaded.versions.map((v) => ({ effective: new Date(v.effective).toISOString(), ...v.policy })),
      }
    : loaded;
  const source = opts.policy ? `${opts.policy} over CS-POL-001's defaults` : 'the built-in CS-POL-001';
  out.write(
    opts.format === 'json'
      ? `${JSON.stringify(policy, null, 2)}\n`
      : `# The effective policy: ${source}\n${stringify(policy, { lineWidth: 0 })}`,
  );
  return 0;
}
