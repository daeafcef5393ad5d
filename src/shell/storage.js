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

// Kept as `{"url":..., "id":...}`: an id is a position in one stream, so a key shared by
// several URLs (a constant key, a hook whose URL changes) must not resume one from another's id.

/** The id kept under `key` for `url` ("" when none, kept for another URL, or unreadable). */
export function readId(local, key, url) {
  try {
    const kept = JSON.parse(area(local)?.getItem(key) ?? "null");
    return kept?.url === url && typeof kept.id === "string" ? kept.id : "";
  } catch (_) {
    return "";
  }
}

/** Keeps `id` for `url` under `key`; false when storage refused it. */
export function writeId(local, key, url, id) {
  try {
    const storage = area(local);
    if (storage === null) return false;
    storage.setItem(key, JSON.stringify({ url, id }));
    return true;
  } catch (_) {
    return false;
  }
}
