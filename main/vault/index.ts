// The credential vault: seals the engine's secrets at rest (clusters.json, locations.json) with
// AES-256-GCM. The key comes from one of three places:
//   - Electron's safeStorage (the OS keychain), in electron/safe-storage-vault.ts: the desktop app;
//   - a passphrase (LIFEBOAT_PASSPHRASE), stretched with scrypt over a salt kept beside the data;
//   - a random key file, vault.key, readable only by its owner: the CLI and served mode by default.
// Sealed text is versioned, "lbv1:" + base64(iv | tag | ciphertext), so the format can change later.
import { createCipheriv, createDecipheriv, randomBytes, scryptSync, timingSafeEqual } from "node:crypto";
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { VaultError, type Vault, type VaultKind } from "./types";

export { VaultError, type Vault, type VaultKind } from "./types";

const PREFIX = "lbv1:";
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/** Seals with AES-256-GCM under `key`; a fresh random IV per message. */
export function sealWithKey(key: Buffer, plain: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64");
}

/** Opens what sealWithKey sealed; throws VaultError for another key, altered text or another format. */
export function openWithKey(key: Buffer, sealed: string, kind: VaultKind): string {
  if (typeof sealed !== "string" || !sealed.startsWith(PREFIX)) {
    throw new VaultError("this sealed secret is not in a format this Lifeboat reads (expected lbv1)", "it may have been written by a newer Lifeboat, or by another vault");
  }
  const raw = Buffer.from(sealed.slice(PREFIX.length), "base64");
  if (raw.length < IV_BYTES + TAG_BYTES) throw new VaultError("this sealed secret is truncated", "restore the file from a copy, or add the clusters and locations again");
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, IV_BYTES));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
  } catch {
    throw new VaultError(
      `a sealed secret could not be opened with the ${kind} vault: it was sealed with another key, or it was altered`,
      kind === "passphrase"
        ? "start Lifeboat with the passphrase (LIFEBOAT_PASSPHRASE) the data was sealed with, or unset LIFEBOAT_PASSPHRASE if it was sealed with the key file"
        : "the key (vault.key or the OS keychain) is not the one that sealed this data; if the data was sealed with a passphrase, set LIFEBOAT_PASSPHRASE",
    );
  }
}

/**
 * Writes `content` to `file` only if no file is there yet (atomically: a concurrent creator wins
 * and its content is kept). Returns false when the file already existed.
 */
function createExclusive(file: string, content: string): boolean {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  writeFileSync(tmp, content, { mode: 0o600 });
  try {
    linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  } finally {
    unlinkSync(tmp);
  }
}

/** Refuses a secret file that other users can read (POSIX permissions; Windows uses ACLs). */
function checkPrivate(file: string): void {
  if (process.platform === "win32") return;
  const mode = statSync(file).mode & 0o777;
  if (mode & 0o077) {
    throw new VaultError(
      `${file} is readable by other users (mode ${mode.toString(8).padStart(4, "0")}): Lifeboat will not use a key anyone else could have copied`,
      `run \`chmod 600 ${file}\` (and consider the secrets it protected as exposed)`,
    );
  }
}

/** A vault keyed by a random 32-byte key in `<dir>/vault.key`, created (mode 0600) when missing. */
export function keyFileVault(dir: string): Vault {
  const file = join(dir, "vault.key");
  if (!existsSync(file)) createExclusive(file, `${randomBytes(KEY_BYTES).toString("base64")}\n`);
  checkPrivate(file);
  const key = Buffer.from(readFileSync(file, "utf8").trim(), "base64");
  if (key.length !== KEY_BYTES) {
    throw new VaultError(`${file} does not hold a ${KEY_BYTES}-byte key`, "the file is damaged; restore it from a copy (without it the sealed secrets cannot be opened)");
  }
  return {
    kind: "key-file",
    seal: (plain) => sealWithKey(key, plain),
    open: (sealed) => openWithKey(key, sealed, "key-file"),
  };
}

interface SaltFile {
  version: 1;
  kdf: "scrypt";
  N: number;
  r: number;
  p: number;
  salt: string;
}

const CHECK_TEXT = "lifeboat vault check v1";

/**
 * A vault keyed by a passphrase: scrypt over a random salt kept in `<dir>/vault.salt`. A small
 * verifier in `<dir>/vault.check` tells a wrong passphrase apart from damaged data.
 */
export function passphraseVault(dir: string, passphrase: string): Vault {
  if (!passphrase) throw new VaultError("the passphrase is empty", "set LIFEBOAT_PASSPHRASE to a passphrase, or unset it to use the key file");
  const saltFile = join(dir, "vault.salt");
  const checkFile = join(dir, "vault.check");
  if (!existsSync(saltFile)) {
    const params: SaltFile = { version: 1, kdf: "scrypt", N: 2 ** 15, r: 8, p: 1, salt: randomBytes(16).toString("base64") };
    createExclusive(saltFile, JSON.stringify(params));
  }
  let params: SaltFile;
  try {
    params = JSON.parse(readFileSync(saltFile, "utf8")) as SaltFile;
    if (params.kdf !== "scrypt" || !params.salt) throw new Error("not a scrypt salt");
  } catch {
    throw new VaultError(`${saltFile} is damaged`, "restore it from a copy: without it the passphrase cannot open the sealed secrets");
  }
  const key = scryptSync(passphrase.normalize("NFC"), Buffer.from(params.salt, "base64"), KEY_BYTES, {
    N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r,
  });
  if (existsSync(checkFile)) {
    let check: string | undefined;
    try {
      check = openWithKey(key, readFileSync(checkFile, "utf8").trim(), "passphrase");
    } catch {
      check = undefined;
    }
    const ok = check !== undefined && check.length === CHECK_TEXT.length && timingSafeEqual(Buffer.from(check), Buffer.from(CHECK_TEXT));
    if (!ok) {
      throw new VaultError(
        "the passphrase does not open this vault",
        `use the passphrase this vault was created with (LIFEBOAT_PASSPHRASE); ${dir} holds its salt and verifier`,
      );
    }
  } else {
    createExclusive(checkFile, `${sealWithKey(key, CHECK_TEXT)}\n`);
  }
  return {
    kind: "passphrase",
    seal: (plain) => sealWithKey(key, plain),
    open: (sealed) => openWithKey(key, sealed, "passphrase"),
  };
}

/** The passphrase vault when LIFEBOAT_PASSPHRASE is set, else the key-file vault. */
export function defaultVault(dir: string, env: NodeJS.ProcessEnv = process.env): Vault {
  const passphrase = env.LIFEBOAT_PASSPHRASE;
  return passphrase ? passphraseVault(dir, passphrase) : keyFileVault(dir);
}

export interface SealedJsonFile<T> {
  load(): T | undefined;
  save(value: T): void;
}

/**
 * A JSON value sealed by `vault` in `file`: `{"version":1,"sealed":"..."}`, mode 0600 in a 0700
 * directory, replaced atomically. A legacy plain JSON file (no "sealed" field) loads as it is and is
 * sealed on the next save.
 */
export function sealedJsonFile<T>(file: string, vault: Vault): SealedJsonFile<T> {
  return {
    load() {
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw err;
      }
      const parsed = JSON.parse(text) as unknown;
      if (parsed === null || typeof parsed !== "object" || !("sealed" in parsed)) return parsed as T;
      const { version, sealed } = parsed as { version?: unknown; sealed: unknown };
      if (version !== 1 || typeof sealed !== "string") {
        throw new VaultError(`${file} was written by a newer Lifeboat (format ${String(version)})`, "upgrade Lifeboat to read it");
      }
      try {
        return JSON.parse(vault.open(sealed)) as T;
      } catch (err) {
        if (err instanceof VaultError) throw new VaultError(`${file}: ${err.message}`, err.hint);
        throw err;
      }
    },
    save(value) {
      const dir = dirname(file);
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const tmp = `${file}.tmp-${process.pid}`;
      writeFileSync(tmp, `${JSON.stringify({ version: 1, sealed: vault.seal(JSON.stringify(value)) })}\n`, { mode: 0o600 });
      chmodSync(tmp, 0o600); // a leftover tmp file from a crash keeps its old mode otherwise
      renameSync(tmp, file);
    },
  };
}
