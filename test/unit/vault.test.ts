// The credential vault: key file, passphrase, sealed JSON files and the registries sealed with them,
// and the desktop app's choice of vault (with a stand-in for Electron's safeStorage).
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { defaultVault, keyFileVault, passphraseVault, sealedJsonFile, VaultError, type Vault } from "../../main/vault/index";
import { fileClusterStore } from "../../main/clusters/registry";
import { fileLocationStore } from "../../main/locations/registry";
import { State } from "../../main/state/state";
import { chooseVault, safeStorageVault, type SafeStorageLike } from "../../electron/safe-storage-vault";
import { restoredBounds, screenFromUrl, startUrl } from "../../electron/window-state";

const SECRET = "token-5f1c2a9e-very-secret";
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "lifeboat-vault-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const mode = (file: string) => statSync(file).mode & 0o777;

/** The sealed text with one byte of its ciphertext flipped. */
function tamper(sealed: string, at = -1): string {
  const [prefix, body] = sealed.split(":") as [string, string];
  const raw = Buffer.from(body, "base64");
  const i = at < 0 ? raw.length + at : at;
  raw[i] = raw[i]! ^ 0x01;
  return `${prefix}:${raw.toString("base64")}`;
}

function expectVaultError(fn: () => unknown, message: RegExp, hint?: RegExp): VaultError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(VaultError);
  const error = caught as VaultError;
  expect(error.message).toMatch(message);
  if (hint) expect(error.hint).toMatch(hint);
  return error;
}

describe("key-file vault", () => {
  test("round trip; the key is created 0600 in a 0700 directory and reused", () => {
    const home = join(dir, "home");
    const vault = keyFileVault(home);
    expect(vault.kind).toBe("key-file");
    const sealed = vault.seal(SECRET);
    expect(sealed).toMatch(/^lbv1:[A-Za-z0-9+/]+=*$/);
    expect(sealed).not.toContain(SECRET);
    expect(vault.open(sealed)).toBe(SECRET);
    expect(vault.seal(SECRET)).not.toBe(sealed); // a fresh IV every time
    expect(mode(join(home, "vault.key"))).toBe(0o600);
    expect(mode(home)).toBe(0o700);
    // Another process on the same directory: the same key.
    expect(keyFileVault(home).open(sealed)).toBe(SECRET);
    expect(vault.open(vault.seal(""))).toBe("");
    expect(vault.open(vault.seal("ünïcødé ✓"))).toBe("ünïcødé ✓");
  });

  test("tamper detection: a flipped byte anywhere is a VaultError, not garbage", () => {
    const vault = keyFileVault(dir);
    const sealed = vault.seal(SECRET);
    for (const at of [0, 12, 20, -1]) { // IV, tag, tag, ciphertext
      expectVaultError(() => vault.open(tamper(sealed, at)), /sealed with another key, or it was altered/);
    }
    expectVaultError(() => vault.open("lbv1:AAAA"), /truncated/);
    expectVaultError(() => vault.open("plain text"), /not in a format/);
  });

  test("another key cannot open it", () => {
    const sealed = keyFileVault(join(dir, "a")).seal(SECRET);
    expectVaultError(() => keyFileVault(join(dir, "b")).open(sealed), /another key/);
  });

  test.skipIf(process.platform === "win32")("refuses a key file other users can read, and says how to fix it", () => {
    keyFileVault(dir);
    const key = join(dir, "vault.key");
    chmodSync(key, 0o644);
    expectVaultError(() => keyFileVault(dir), /vault\.key is readable by other users \(mode 0644\)/, /chmod 600 .*vault\.key/);
    chmodSync(key, 0o640);
    expectVaultError(() => keyFileVault(dir), /mode 0640/);
    chmodSync(key, 0o600);
    expect(keyFileVault(dir).kind).toBe("key-file");
  });

  test("a damaged key file is refused", () => {
    writeFileSync(join(dir, "vault.key"), "short\n", { mode: 0o600 });
    expectVaultError(() => keyFileVault(dir), /does not hold a 32-byte key/);
  });
});

describe("passphrase vault", () => {
  test("round trip; the same passphrase opens it again; salt and verifier are private", () => {
    const vault = passphraseVault(dir, "correct horse battery staple");
    expect(vault.kind).toBe("passphrase");
    const sealed = vault.seal(SECRET);
    expect(vault.open(sealed)).toBe(SECRET);
    expect(passphraseVault(dir, "correct horse battery staple").open(sealed)).toBe(SECRET);
    expect(mode(join(dir, "vault.salt"))).toBe(0o600);
    expect(mode(join(dir, "vault.check"))).toBe(0o600);
    expect(readFileSync(join(dir, "vault.salt"), "utf8")).not.toContain("correct horse");
    expectVaultError(() => vault.open(tamper(sealed)), /altered/);
  });

  test("a wrong passphrase is a clear error, not garbage", () => {
    passphraseVault(dir, "correct horse battery staple");
    const error = expectVaultError(() => passphraseVault(dir, "Tr0ub4dor&3"), /^the passphrase does not open this vault$/, /LIFEBOAT_PASSPHRASE/);
    expect(error.name).toBe("VaultError");
  });

  test("an empty passphrase is refused", () => {
    expectVaultError(() => passphraseVault(dir, ""), /empty/);
  });

  test("a key-file vault cannot open what a passphrase sealed (and says so)", () => {
    const sealed = passphraseVault(dir, "pw").seal(SECRET);
    expectVaultError(() => keyFileVault(dir).open(sealed), /key-file vault: it was sealed with another key/, /LIFEBOAT_PASSPHRASE/);
  });
});

test("defaultVault: the passphrase vault when LIFEBOAT_PASSPHRASE is set, else the key file", () => {
  expect(defaultVault(join(dir, "a"), {}).kind).toBe("key-file");
  expect(existsSync(join(dir, "a", "vault.key"))).toBe(true);
  expect(defaultVault(join(dir, "b"), { LIFEBOAT_PASSPHRASE: "pw" }).kind).toBe("passphrase");
  expect(existsSync(join(dir, "b", "vault.key"))).toBe(false);
  expect(defaultVault(join(dir, "c"), { LIFEBOAT_PASSPHRASE: "" }).kind).toBe("key-file");
});

describe("sealed JSON files", () => {
  interface Doc {
    version: 1;
    items: Array<{ name: string; token: string }>;
  }
  const doc: Doc = { version: 1, items: [{ name: "prod", token: SECRET }] };

  test("saved sealed (0600, 0700 directory, no secret in clear), loaded back; missing is undefined", () => {
    const file = join(dir, "state", "things.json");
    const store = sealedJsonFile<Doc>(file, keyFileVault(join(dir, "state")));
    expect(store.load()).toBeUndefined();
    store.save(doc);
    const onDisk = readFileSync(file, "utf8");
    expect(onDisk).not.toContain(SECRET);
    expect(onDisk).not.toContain("prod");
    expect(JSON.parse(onDisk)).toEqual({ version: 1, sealed: expect.stringMatching(/^lbv1:/) });
    expect(mode(file)).toBe(0o600);
    expect(mode(join(dir, "state"))).toBe(0o700);
    expect(store.load()).toEqual(doc);
    expect(existsSync(`${file}.tmp-${process.pid}`)).toBe(false);
  });

  test("a legacy plain file is read as it is, then sealed on the next save", () => {
    const file = join(dir, "things.json");
    writeFileSync(file, JSON.stringify(doc, null, 2), { mode: 0o600 });
    const store = sealedJsonFile<Doc>(file, keyFileVault(dir));
    expect(store.load()).toEqual(doc);
    store.save(store.load()!);
    expect(readFileSync(file, "utf8")).not.toContain(SECRET);
    expect(store.load()).toEqual(doc);
  });

  test("a tampered file, another vault's file or a newer format: a VaultError naming the file", () => {
    const file = join(dir, "things.json");
    sealedJsonFile<Doc>(file, keyFileVault(dir)).save(doc);
    const { sealed } = JSON.parse(readFileSync(file, "utf8")) as { sealed: string };
    writeFileSync(file, JSON.stringify({ version: 1, sealed: tamper(sealed) }));
    expectVaultError(() => sealedJsonFile<Doc>(file, keyFileVault(dir)).load(), /things\.json: .*altered/);
    writeFileSync(file, JSON.stringify({ version: 1, sealed }));
    expectVaultError(() => sealedJsonFile<Doc>(file, keyFileVault(join(dir, "other"))).load(), /things\.json: .*another key/);
    writeFileSync(file, JSON.stringify({ version: 2, sealed }));
    expectVaultError(() => sealedJsonFile<Doc>(file, keyFileVault(dir)).load(), /newer Lifeboat/);
  });
});

describe("the registries' stores", () => {
  const cluster = {
    id: "c1", name: "prod", server: "https://10.0.0.1:6443", context: "prod", auth: "token" as const, addedAt: "2026-01-01T00:00:00.000Z",
    credentialFingerprint: "sha256:0123", kubeconfig: `apiVersion: v1\nusers:\n- name: admin\n  user:\n    token: ${SECRET}\n`,
  };
  const location = {
    id: "l1", name: "nas", kind: "folder" as const, address: "/mnt/backups", repositoryId: "r1", addedAt: "2026-01-01T00:00:00.000Z",
    config: { kind: "folder" as const, path: "/mnt/backups" }, password: SECRET,
  };

  test("clusters.json and locations.json are sealed with the vault given", () => {
    const vault = passphraseVault(dir, "pw");
    fileClusterStore(dir, vault).save([cluster]);
    fileLocationStore(dir, vault).save([location as never]);
    for (const f of ["clusters.json", "locations.json"]) {
      expect(readFileSync(join(dir, f), "utf8")).not.toContain(SECRET);
      expect(mode(join(dir, f))).toBe(0o600);
    }
    expect(fileClusterStore(dir, vault).load()).toEqual([cluster]);
    expect(fileLocationStore(dir, vault).load()).toEqual([location]);
    expect(existsSync(join(dir, "vault.key"))).toBe(false);
  });

  test("without a vault, the directory's default one (the key file); a legacy plain file migrates on save", () => {
    writeFileSync(join(dir, "clusters.json"), JSON.stringify({ version: 1, clusters: [cluster] }, null, 2), { mode: 0o600 });
    const store = fileClusterStore(dir);
    expect(store.load()).toEqual([cluster]);
    store.save(store.load());
    expect(readFileSync(join(dir, "clusters.json"), "utf8")).not.toContain(SECRET);
    expect(existsSync(join(dir, "vault.key"))).toBe(true);
    expect(fileClusterStore(dir, keyFileVault(dir)).load()).toEqual([cluster]);
    expect(fileLocationStore(dir).load()).toEqual([]);
  });

  test("the CLI's State: the vault given, or the home's default opened on first use only", async () => {
    const state = new State(dir);
    expect(existsSync(join(dir, "vault.key"))).toBe(false); // `lifeboat --help` creates nothing
    expect(state.vault.kind).toBe("key-file");
    expect(existsSync(join(dir, "vault.key"))).toBe(true);

    const other = join(dir, "other");
    const vault: Vault = passphraseVault(other, "pw");
    const withVault = new State(other, vault);
    expect(withVault.vault).toBe(vault);
    fileClusterStore(other, vault).save([cluster]);
    expect((await withVault.clusters()).list().map((c) => c.name)).toEqual(["prod"]);
    expect(existsSync(join(other, "vault.key"))).toBe(false);
  });
});

describe("the desktop app's vault", () => {
  /** Stands in for Electron's safeStorage: a reversible scramble, and a backend that can be chosen. */
  const fakeSafeStorage = (opts: { available?: boolean; backend?: string } = {}): SafeStorageLike => ({
    isEncryptionAvailable: () => opts.available ?? true,
    getSelectedStorageBackend: () => opts.backend ?? "gnome_libsecret",
    encryptString: (plain) => Buffer.from(`v10${Buffer.from(plain).toString("hex")}`),
    decryptString: (encrypted) => {
      const text = encrypted.toString();
      if (!text.startsWith("v10")) throw new Error("Error while decrypting the ciphertext provided to safeStorage.decryptString.");
      return Buffer.from(text.slice(3), "hex").toString();
    },
  });

  test("with a keychain: safeStorage, sealing as lbss1 base64", () => {
    const choice = chooseVault({ dataDir: dir, env: {}, platform: "linux", safeStorage: fakeSafeStorage() });
    expect(choice.ok).toBe(true);
    const vault = (choice as { vault: Vault }).vault;
    expect(vault.kind).toBe("safe-storage");
    const sealed = vault.seal(SECRET);
    expect(sealed).toMatch(/^lbss1:/);
    expect(vault.open(sealed)).toBe(SECRET);
    expectVaultError(() => vault.open("lbss1:AAAA"), /OS keychain could not open/);
    expectVaultError(() => vault.open(keyFileVault(dir).seal(SECRET)), /not sealed with the OS keychain/, /LIFEBOAT_PASSPHRASE/);
    expect(safeStorageVault(fakeSafeStorage()).open(sealed)).toBe(SECRET);
    // macOS and Windows have no backend to ask about.
    expect(chooseVault({ dataDir: dir, env: {}, platform: "darwin", safeStorage: { ...fakeSafeStorage(), getSelectedStorageBackend: undefined } }).ok).toBe(true);
  });

  test.each(["basic_text", "unknown"])("Linux without a keychain (%s): refused, explaining why and offering a passphrase", (backend) => {
    const choice = chooseVault({ dataDir: dir, env: {}, platform: "linux", safeStorage: fakeSafeStorage({ backend }) });
    expect(choice.ok).toBe(false);
    const refusal = choice as { title: string; message: string; detail: string };
    expect(refusal.message).toMatch(/No OS keychain is available \(gnome-keyring or KWallet/);
    expect(refusal.detail).toMatch(/hard-coded key/);
    expect(refusal.detail).toMatch(/LIFEBOAT_PASSPHRASE/);
    expect(refusal.detail).toContain(backend);
  });

  test("encryption unavailable: refused too", () => {
    const choice = chooseVault({ dataDir: dir, env: {}, platform: "win32", safeStorage: fakeSafeStorage({ available: false }) });
    expect(choice).toMatchObject({ ok: false, message: expect.stringMatching(/DPAPI/), detail: expect.stringMatching(/LIFEBOAT_PASSPHRASE/) });
  });

  test("LIFEBOAT_PASSPHRASE: the passphrase vault (keychain or not); a wrong one is refused with the reason", () => {
    const env = { LIFEBOAT_PASSPHRASE: "pw" };
    const first = chooseVault({ dataDir: dir, env, platform: "linux", safeStorage: fakeSafeStorage({ backend: "basic_text" }) });
    expect(first.ok && first.vault.kind).toBe("passphrase");
    const wrong = chooseVault({ dataDir: dir, env: { LIFEBOAT_PASSPHRASE: "nope" }, platform: "linux", safeStorage: fakeSafeStorage() });
    expect(wrong).toMatchObject({ ok: false, message: "the passphrase does not open this vault" });
    // Sealed with a passphrase before: starting without it is refused rather than failing later.
    const missing = chooseVault({ dataDir: dir, env: {}, platform: "linux", safeStorage: fakeSafeStorage() });
    expect(missing).toMatchObject({ ok: false, detail: expect.stringMatching(/LIFEBOAT_PASSPHRASE/) });
  });
});

describe("window state", () => {
  const displays = [{ x: 0, y: 0, width: 1920, height: 1040 }];

  test("saved bounds are kept when they are on a display, else dropped", () => {
    expect(restoredBounds({ x: 100, y: 50, width: 1200, height: 800 }, displays)).toEqual({ x: 100, y: 50, width: 1200, height: 800 });
    expect(restoredBounds({ x: 3000, y: 50, width: 1200, height: 800 }, displays)).toBeUndefined(); // monitor unplugged
    expect(restoredBounds({ x: 100, y: -500, width: 1200, height: 800 }, displays)).toBeUndefined(); // title bar off screen
    expect(restoredBounds({ x: 0, y: 0, width: 10, height: 10 }, displays)).toEqual({ x: 0, y: 0, width: 800, height: 500 });
    expect(restoredBounds(undefined, displays)).toBeUndefined();
    expect(restoredBounds({ x: "a" }, displays)).toBeUndefined();
  });

  test("the last screen comes from the renderer's hash route and opens again", () => {
    expect(screenFromUrl("lifeboat://app/index.html#/clusters")).toBe("clusters");
    expect(screenFromUrl("lifeboat://app/index.html#/backups?location=nas")).toBe("backups");
    expect(screenFromUrl("lifeboat://app/index.html")).toBeUndefined();
    expect(screenFromUrl("lifeboat://app/index.html#/../../x")).toBeUndefined();
    expect(startUrl("lifeboat://app", "clusters")).toBe("lifeboat://app/index.html#/clusters");
    expect(startUrl("lifeboat://app", "javascript:alert(1)")).toBe("lifeboat://app/index.html");
    expect(startUrl("lifeboat://app", undefined)).toBe("lifeboat://app/index.html");
  });
});
