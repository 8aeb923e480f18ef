// The credential vault's one seam: whatever keeps secrets at rest (Electron's safeStorage, a key
// file, a passphrase) seals and opens strings. The engine never knows which one it has.
export type VaultKind = "safe-storage" | "key-file" | "passphrase";

export interface Vault {
  readonly kind: VaultKind;
  seal(plain: string): string;
  /** Throws VaultError when the text was sealed by another key or was tampered with. */
  open(sealed: string): string;
}

export class VaultError extends Error {
  constructor(message: string, readonly hint?: string) {
    super(message);
    this.name = "VaultError";
  }
}
