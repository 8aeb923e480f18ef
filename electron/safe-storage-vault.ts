// The desktop app's credential vault: Electron's safeStorage, which keeps its key in the OS keychain
// (Keychain on macOS, DPAPI on Windows, the Secret Service or KWallet on Linux). Where no keychain
// is usable, Lifeboat refuses to start rather than seal secrets with a key anyone could know; a
// passphrase (LIFEBOAT_PASSPHRASE) is the alternative. No runtime import of electron here: main.ts
// hands safeStorage in, so the choice is unit-tested with a stand-in.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { passphraseVault } from "../main/vault/index";
import { VaultError, type Vault } from "../main/vault/types";

/** The part of Electron's safeStorage the vault uses. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  /** Linux only. */
  getSelectedStorageBackend?(): string;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

const PREFIX = "lbss1:";

export function safeStorageVault(safeStorage: SafeStorageLike): Vault {
  return {
    kind: "safe-storage",
    seal: (plain) => PREFIX + safeStorage.encryptString(plain).toString("base64"),
    open(sealed) {
      if (typeof sealed !== "string" || !sealed.startsWith(PREFIX)) {
        throw new VaultError(
          "this secret was not sealed with the OS keychain",
          "it was sealed with a passphrase or a key file: start Lifeboat with LIFEBOAT_PASSPHRASE set to that passphrase",
        );
      }
      try {
        return safeStorage.decryptString(Buffer.from(sealed.slice(PREFIX.length), "base64"));
      } catch {
        throw new VaultError(
          "the OS keychain could not open a sealed secret: it was sealed by another keychain or user, or it was altered",
          "run Lifeboat as the user (and on the machine) that added the clusters and locations, or add them again",
        );
      }
    },
  };
}

/** Linux backends that mean "no keychain": Chromium then seals with a hard-coded key. */
const INSECURE_BACKENDS = new Set(["basic_text", "unknown"]);

export type VaultChoice =
  | { ok: true; vault: Vault }
  | { ok: false; title: string; message: string; detail: string };

/**
 * The vault for the desktop app, or why Lifeboat must not start. A passphrase (LIFEBOAT_PASSPHRASE)
 * is used when set; otherwise the OS keychain, unless none is usable. Call after app "ready":
 * safeStorage cannot tell before.
 */
export function chooseVault(opts: { dataDir: string; env: NodeJS.ProcessEnv; platform: NodeJS.Platform; safeStorage: SafeStorageLike }): VaultChoice {
  const { dataDir, env, platform, safeStorage } = opts;
  const passphrase = env.LIFEBOAT_PASSPHRASE;
  if (passphrase) {
    try {
      return { ok: true, vault: passphraseVault(dataDir, passphrase) };
    } catch (err) {
      if (!(err instanceof VaultError)) throw err;
      return { ok: false, title: "Lifeboat cannot open its vault", message: err.message, detail: err.hint ?? "" };
    }
  }
  if (existsSync(join(dataDir, "vault.check"))) {
    return {
      ok: false,
      title: "Lifeboat needs its passphrase",
      message: "This Lifeboat's credentials are sealed with a passphrase.",
      detail: `Start Lifeboat with the environment variable LIFEBOAT_PASSPHRASE set to that passphrase (${dataDir} holds the sealed data).`,
    };
  }
  const backend = platform === "linux" ? safeStorage.getSelectedStorageBackend?.() ?? "unknown" : undefined;
  if (safeStorage.isEncryptionAvailable() && !(backend !== undefined && INSECURE_BACKENDS.has(backend))) {
    return { ok: true, vault: safeStorageVault(safeStorage) };
  }
  const keychain = platform === "linux"
    ? "No OS keychain is available (gnome-keyring or KWallet, through the Secret Service)"
    : platform === "darwin" ? "The macOS Keychain is not available" : "The operating system's credential encryption (DPAPI) is not available";
  return {
    ok: false,
    title: "No keychain to protect Lifeboat's credentials",
    message: `${keychain}, so Lifeboat will not start.`,
    detail: [
      "Lifeboat keeps cluster credentials, storage keys and repository passwords encrypted at rest. Without a keychain,",
      "Electron would encrypt them with a hard-coded key that anyone can look up: that protects nothing.",
      "",
      platform === "linux"
        ? "Either install and unlock a keychain (gnome-keyring or KWallet) and start Lifeboat again, or start it with a passphrase of your choice"
        : "Start Lifeboat with a passphrase of your choice instead",
      "in the environment variable LIFEBOAT_PASSPHRASE, for example:",
      "    LIFEBOAT_PASSPHRASE='…' ./Lifeboat.AppImage",
      "The same passphrase is then needed every time Lifeboat starts.",
      ...(backend !== undefined ? ["", `(Secret storage backend: ${backend}.)`] : []),
    ].join("\n"),
  };
}
