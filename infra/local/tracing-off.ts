/**
 * Local mode's first import. The service modules this process loads itself (the reconciler,
 * the table client) then leave the X-Ray SDK unloaded, as the execution environments do
 * (functions/observability.ts): loaded, it would follow every promise of the gateway and the
 * emulator with async hooks. Tracing is off locally; a value the user set is kept.
 */
process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
