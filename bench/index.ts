/** `npm run bench`: every benchmark, printing figures (never asserting them). Pass names to pick. */
import { benchAudit, benchAuditHeavy } from './audit';
import { benchAws } from './aws';
import { benchFunctions } from './functions';
import { benchImport, benchImportJira } from './import';
import { benchIngest } from './ingest';
import { benchReport } from './report';
import { benchHistory, benchSoak } from './soak';
import { benchStartup } from './startup';
import { benchTimers } from './timers';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const all: Record<string, () => Promise<void>> = {
  audit: async () => {
    await benchAudit();
    await benchAuditHeavy();
  },
  'audit-heavy': () => benchAuditHeavy(),
  ingest: () => benchIngest(),
  timers: () => benchTimers(),
  report: () => benchReport(),
  functions: () => benchFunctions(),
  startup: () => benchStartup(),
  soak: () => benchSoak(),
  aws: () => benchAws(),
  history: () => benchHistory(),
  import: async () => {
    await benchImport();
    await benchImportJira();
  },
};
const chosen = process.argv.slice(2);
for (const name of chosen.length ? chosen : Object.keys(all)) await all[name]?.();
