/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundles (see BUNDLING in
 * infra/auditor-function.ts). Lambda always hands the function its role's credentials in the
 * environment, so the default chain's SSO, STS, INI-file, process and IMDS providers (about
 * 100 KB of the bundle, 10-15% of its load time) would never run.
 */
export { fromEnv as defaultProvider } from '@aws-sdk/credential-provider-env';
