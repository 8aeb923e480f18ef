// The set of content ids the repository already holds, in a SharedArrayBuffer that every worker
// reads without copying: a worker that finds a chunk's id here skips compressing and encrypting it,
// which is what makes an incremental backup cost little more than reading and hashing.
//
// Open addressing with linear probing over 32-byte slots; an all-zero slot is empty (an all-zero
// HMAC never occurs in practice). Only the engine thread writes. A worker reading a slot while it
// is written may miss the id; it then seals the chunk anyway and the engine drops the duplicate,
// so a race costs work, never correctness.
const SLOT = 32;

export interface KnownSetView {
  buffer: SharedArrayBuffer;
  capacity: number;
}

function slotOf(id: Uint8Array, capacity: number): number {
  // Ids are HMAC outputs: any four bytes are uniformly distributed.
  return ((id[0]! | (id[1]! << 8) | (id[2]! << 16) | (id[3]! << 24)) >>> 0) & (capacity - 1);
}

function isEmpty(table: Uint8Array, at: number): boolean {
  for (let i = 0; i < SLOT; i++) if (table[at + i] !== 0) return false;
  return true;
}

function equalsAt(table: Uint8Array, at: number, id: Uint8Array): boolean {
  for (let i = 0; i < SLOT; i++) if (table[at + i] !== id[i]) return false;
  return true;
}

/** Read-only lookup, as workers do it. */
export function knownHas(view: KnownSetView, id: Uint8Array): boolean {
  const table = new Uint8Array(view.buffer);
  const mask = view.capacity - 1;
  for (let slot = slotOf(id, view.capacity), probes = 0; probes < view.capacity; slot = (slot + 1) & mask, probes++) {
    const at = slot * SLOT;
    if (isEmpty(table, at)) return false;
    if (equalsAt(table, at, id)) return true;
  }
  return false;
}

export class KnownSet {
  private view: KnownSetView;
  private count = 0;

  constructor(initialCapacity = 1024) {
    this.view = KnownSet.allocate(Math.max(1024, 2 ** Math.ceil(Math.log2(initialCapacity * 2))));
  }

  private static allocate(capacity: number): KnownSetView {
    return { buffer: new SharedArrayBuffer(capacity * SLOT), capacity };
  }

  get size(): number {
    return this.count;
  }

  /** The current table; pass it with each task (it is shared, not copied). */
  current(): KnownSetView {
    return this.view;
  }

  has(id: Uint8Array): boolean {
    return knownHas(this.view, id);
  }

  add(id: Uint8Array): void {
    if (id.length !== SLOT) throw new Error(`content ids are ${SLOT} bytes, got ${id.length}`);
    if ((this.count + 1) * 2 > this.view.capacity) this.grow();
    if (this.insert(this.view, id)) this.count++;
  }

  private insert(view: KnownSetView, id: Uint8Array): boolean {
    const table = new Uint8Array(view.buffer);
    const mask = view.capacity - 1;
    for (let slot = slotOf(id, view.capacity); ; slot = (slot + 1) & mask) {
      const at = slot * SLOT;
      if (isEmpty(table, at)) {
        table.set(id, at);
        return true;
      }
      if (equalsAt(table, at, id)) return false;
    }
  }

  /** A new, larger table; workers pick it up with their next task. */
  private grow(): void {
    const old = new Uint8Array(this.view.buffer);
    const next = KnownSet.allocate(this.view.capacity * 2);
    for (let at = 0; at < old.length; at += SLOT) {
      if (!isEmpty(old, at)) this.insert(next, old.subarray(at, at + SLOT));
    }
    this.view = next;
  }
}
