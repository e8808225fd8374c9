import type { DBCore, DBCoreMutateRequest, DBCoreTransaction, Middleware } from 'dexie';

/**
 * What a recorder (record-visits.ts) holds of the rows it last wrote, per connection, and the
 * change marker that says when it may trust that without reading the rows again.
 *
 * The marker is a row of the trackerState store, a store every visit's transaction holds
 * already (the tracker's state goes in with the visit). Every other writer of the stores a
 * recorder holds rows of (`WATCHED`) puts a new token in it in the same transaction: every
 * Dexie read-write transaction that takes one of them (erase, import, retention, upgrades) gets
 * trackerState added to its scope by `rollupMarker` below. A recorder puts its own token when it
 * has read every row it writes (and dropped what it held from before); so while the marker holds
 * its token, no other writer has touched those stores since, and a visit's transaction reads the
 * marker where it read three rows. A writer that goes around Dexie (raw IndexedDB: only the
 * recorder here) must put a new token itself.
 *
 * The windows' store (tailWindows) is not watched: the windows move a day's step at a time, in
 * the background, and a marker changed by each step would make a recording beside a build wait
 * for a step, abort, and wait for the next; the recorder reads the windows with every visit
 * instead (a small getAll), as before.
 */
export const MARKER_STORE = 'trackerState';
/** Not a tracker's key: those are names ('tracker', the bench's 'bench'). */
export const MARKER_KEY = '\u0000rollups';

/** The stores whose rows a recorder holds: the three rollups it writes. */
const WATCHED = new Set(['dailyRollups', 'heatRollups', 'pageRollups']);

export interface Marker {
  key: string;
  token: string;
}

function newToken(): string {
  return crypto.randomUUID();
}

/**
 * The Dexie middleware (schema.ts installs it): a read-write transaction taking a WATCHED store
 * takes the marker's store too, and its first write to one puts a new token there.
 */
export const rollupMarker: Middleware<DBCore> = {
  stack: 'dbcore',
  name: 'rollupMarker',
  create(down) {
    const marked = new WeakSet<DBCoreTransaction>();
    return {
      ...down,
      transaction(stores, mode, options) {
        const wider =
          mode === 'readwrite' &&
          !stores.includes(MARKER_STORE) &&
          stores.some((s) => WATCHED.has(s));
        return down.transaction(wider ? [...stores, MARKER_STORE] : stores, mode, options);
      },
      table(name) {
        const table = down.table(name);
        if (!WATCHED.has(name)) return table;
        return {
          ...table,
          mutate(req: DBCoreMutateRequest) {
            const trans = req.trans;
            // An upgrade from before the marker's store existed has nothing to mark: a
            // recorder's memory is per connection, and an upgrade opens a new one.
            const scope = (trans as unknown as IDBTransaction).objectStoreNames;
            if (marked.has(trans) || (scope !== undefined && !scope.contains(MARKER_STORE))) {
              return table.mutate(req);
            }
            marked.add(trans);
            const marker: Marker = { key: MARKER_KEY, token: newToken() };
            return down
              .table(MARKER_STORE)
              .mutate({ type: 'put', trans, values: [marker] })
              .then(() => table.mutate(req));
          },
        };
      },
    };
  },
};

/** A recorder's memory on one connection (a new connection, after an upgrade: a new memory). */
export interface RecorderMemory {
  /** What it puts in the marker. */
  token: string;
  /** Whether the marker held its token when its last transaction completed. */
  claimed: boolean;
  /**
   * The rollup rows it last wrote, as it wrote them, by id: a transaction puts a row built on
   * these before (or instead of) reading it. Never changed in place. Bounded: the background
   * touches a few rows per visit (its day, its host's day), and a miss costs a read only.
   */
  rows: Map<string, unknown>;
  /**
   * The latest last day of the tailWindows rows (windows' and sums') as last read. A visit on a
   * later day (today's) writes none of the windows' stores, so its transaction leaves them out
   * (their read checks it).
   */
  through?: string;
  /** Its transactions of visits not yet complete. */
  busy: number;
}

const ROW_CACHE_SIZE = 256;
const memories = new WeakMap<IDBDatabase, RecorderMemory>();

export function memoryOf(idb: IDBDatabase): RecorderMemory {
  let memory = memories.get(idb);
  if (memory === undefined) {
    memory = { token: newToken(), claimed: false, rows: new Map(), busy: 0 };
    memories.set(idb, memory);
  }
  return memory;
}

/** Forgets everything held: another writer changed what it held (or may have). */
export function forget(memory: RecorderMemory): void {
  memory.claimed = false;
  memory.rows.clear();
  memory.through = undefined;
}

export function remember(memory: RecorderMemory, id: string, row: unknown): void {
  const { rows } = memory;
  rows.delete(id);
  if (row === undefined) return;
  rows.set(id, row);
  if (rows.size > ROW_CACHE_SIZE) rows.delete(rows.keys().next().value as string);
}
