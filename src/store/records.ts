// The domain as stored (docs/architecture.md, "The store"). Plain objects: both store adapters take
// and return these. Dates are ISO 8601 strings so records cross the port, the JSON API and the import
// unchanged. Each record is declared in the port of its repository (src/store/<repository>/port.ts);
// this module gathers them for code that needs records only.
export * from './partners/port';
export * from './orgs/port';
export * from './users/port';
export * from './devices/port';
export * from './support-contacts/port';
export * from './agents/port';
export * from './password-setups/port';
export * from './api-tokens/port';
export * from './sessions/port';
export * from './audit/port';
export * from './changes/port';
export * from './rate-limits/port';
export * from './verifications/port';
export * from './mail-outbox/port';
export * from './mail-events/port';
export * from './consent/port';
export * from './retention/port';
export * from './lifecycle/port';
export * from './recents/port';
