// Starts a TypeScript thread script (its path is this thread's first argument) when the engine runs
// from source: tests, or the CLI through tsx. The hooks that `--import tsx` registers do not apply to
// a worker's main script, only to what it loads afterwards, so this plain script requires it.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS script, on purpose (see above)
require(process.argv[2]);
