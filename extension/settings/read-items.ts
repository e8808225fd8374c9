import { storage, type WxtStorageItem } from 'wxt/utils/storage';

// biome-ignore lint/suspicious/noExplicitAny: any item, whatever its value and metadata.
export type AnyItem = WxtStorageItem<any, any>;

/** The value each of `T`'s items holds, in order. */
export type ItemValues<T extends readonly AnyItem[]> = {
  -readonly [K in keyof T]: T[K] extends WxtStorageItem<infer V, infer _M> ? V : never;
};

/**
 * The values of `items` (each its fallback where nothing is stored), in one storage call: each
 * `getValue` is a call to the browser of its own, and the background's status, asked every second
 * while the popup is open, reads ten. For items without migrations only (getItems does not wait
 * for an item's migrations, as getValue does): none of this extension's items has any.
 */
export async function readItems<const T extends readonly AnyItem[]>(
  items: T,
): Promise<ItemValues<T>> {
  const read = await storage.getItems([...items]);
  return read.map((entry) => entry.value) as ItemValues<T>;
}
