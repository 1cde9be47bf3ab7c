import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/build.ts'],
    testTimeout: 30_000,
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      POWERTOOLS_SERVICE_NAME: 'escalation-auditor',
      POWERTOOLS_METRICS_NAMESPACE: 'EscalationAuditor',
      POWERTOOLS_METRICS_DISABLED: 'true',
    },
  },
});
