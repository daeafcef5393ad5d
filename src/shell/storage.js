// Where the resume point is kept between page loads: `sessionStorage` (per tab) or
// `localStorage` (per origin). Storage can be missing (Node, workers) or refuse (a sandboxed
// frame, storage disabled, the quota full): then the id is simply not kept, never an error in
// the stream.

const area = (local) => {
  try {
    return (local ? globalThis.localStorage : globalThis.sessionStorage) ?? null;
  } catch (_) {
    return null;
  }
};

/** The id kept under `key` ("" when none, or when it cannot be read). */
export function readId(local, key) {
  try {
    const id = area(local)?.getItem(key);
    return typeof id === "string" ? id : "";
  } catch (_) {
    return "";
  }
}

/** Keeps `id` under `key`; false when storage refused it. */
export function writeId(local, key, id) {
  try {
    const storage = area(local);
    if (storage === null) return false;
    storage.setItem(key, id);
    return true;
  } catch (_) {
    return false;
  }
}
