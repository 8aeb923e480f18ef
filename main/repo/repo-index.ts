// The in-memory index: for each blob id, the pack that holds it and where. Built from the live
// index segments (FORMAT.md, "Index segments"); about 150 bytes per blob.
import type { Location } from "../locations/types";
import { openObject, type MasterKeys } from "./crypto";
import { decodeIndexSegment, idOfKey, keyOf, PREFIX, type BlobType, type IndexSegment, type IndexedPack } from "./format";
import { mapLimit } from "./concurrency";

export interface BlobLocation {
  pack: string;
  type: BlobType;
  offset: number;
  length: number;
  rawLength: number;
}

export class RepoIndex {
  private readonly blobs = new Map<string, BlobLocation>();
  private readonly packs = new Map<string, IndexedPack>();

  addPack(pack: IndexedPack): void {
    this.packs.set(pack.id, pack);
    for (const b of pack.blobs) {
      const id = b.id.toString("hex");
      if (!this.blobs.has(id)) this.blobs.set(id, { pack: pack.id, type: b.type, offset: b.offset, length: b.length, rawLength: b.rawLength });
    }
  }

  get(id: string): BlobLocation | undefined {
    return this.blobs.get(id);
  }

  has(id: string): boolean {
    return this.blobs.has(id);
  }

  get blobCount(): number {
    return this.blobs.size;
  }

  packIds(): string[] {
    return [...this.packs.keys()];
  }

  pack(id: string): IndexedPack | undefined {
    return this.packs.get(id);
  }

  allPacks(): IndexedPack[] {
    return [...this.packs.values()];
  }

  blobIds(): IterableIterator<string> {
    return this.blobs.keys();
  }
}

export interface LoadedIndex {
  index: RepoIndex;
  /** Ids of the live segments (not superseded). */
  segments: string[];
}

async function readSegment(location: Location, keys: MasterKeys, id: string): Promise<IndexSegment> {
  return decodeIndexSegment(openObject(keys, keyOf.index(id), await location.get(keyOf.index(id))));
}

export async function loadIndex(location: Location, keys: MasterKeys): Promise<LoadedIndex> {
  const ids: string[] = [];
  for await (const obj of location.list(PREFIX.index)) ids.push(idOfKey(obj.key));
  const segments = await mapLimit(ids, 8, async (id) => ({ id, segment: await readSegment(location, keys, id) }));
  const superseded = new Set(segments.flatMap((s) => s.segment.supersedes));
  const index = new RepoIndex();
  const live: string[] = [];
  for (const { id, segment } of segments) {
    if (superseded.has(id)) continue;
    live.push(id);
    for (const pack of segment.packs) index.addPack(pack);
  }
  return { index, segments: live };
}
