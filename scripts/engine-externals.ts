// Packages the engine's bundles leave in node_modules (Electron app, bench): zstd-napi,
// @napi-rs/blake-hash, @node-rs/crc32 and koffi are native Node-API modules (a binary per platform),
// and piscina starts its own worker script from beside itself. electron-builder.yml ships and
// unpacks the same.
export const ENGINE_EXTERNALS = ["zstd-napi", "@napi-rs/blake-hash", "@node-rs/crc32", "koffi", "piscina"];
