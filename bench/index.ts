/** `npm run bench`: every benchmark, printing figures (never asserting them). */
import { benchAudit } from './audit';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
await benchAudit();
