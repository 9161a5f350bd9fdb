"""The floor app's device storage (IndexedDB) as an older app made it, for the
tests of what upgrading does with it.

``page.evaluate(old_storage(1), {"meta": {...}, "sent": entry})`` opens the
storage at that version with the stores the app of that version made (1: the
first; 2: with ``rmas``; 3: with ``notices``), then writes the ``meta`` values
and the one ``sent`` entry (``None``: none).
"""

from __future__ import annotations

__all__ = ["old_storage"]

_FIRST = """
      d.createObjectStore("meta", { keyPath: "key" });
      const outbox = d.createObjectStore("outbox", { keyPath: "id" });
      outbox.createIndex("seq", "seq");
      outbox.createIndex("task", "task");
      const s = d.createObjectStore("sent", { keyPath: "id" });
      s.createIndex("seq", "seq");
      s.createIndex("task", "task");
      s.createIndex("acked_at", "acked_at");
      d.createObjectStore("items", { keyPath: "sku" });
      d.createObjectStore("barcodes", { keyPath: "code" }).createIndex("sku", "sku");
      d.createObjectStore("locations", { keyPath: "code" }).createIndex("barcode", "barcode");
      d.createObjectStore("lots", { keyPath: ["item", "code"] }).createIndex("code", "code");
      const stock = d.createObjectStore("stock", { keyPath: ["item", "location", "lot"] });
      stock.createIndex("item", "item");
      stock.createIndex("location", "location");
      d.createObjectStore("tasks", { keyPath: "id" });
      d.createObjectStore("drafts", { keyPath: "id" });"""

_ADDED = {
    2: """
      d.createObjectStore("rmas", { keyPath: "number" });""",
    3: """
      d.createObjectStore("notices", { keyPath: "id" });""",
}


def old_storage(version: int) -> str:
    """The script that makes the storage of ``version`` (1 to 3) and fills it."""
    if version not in (1, *_ADDED):
        raise ValueError(f"no app made storage version {version}")
    stores = _FIRST + "".join(_ADDED[v] for v in sorted(_ADDED) if v <= version)
    return f"""
async ({{ meta, sent }}) => {{
  const db = await new Promise((resolve, reject) => {{
    const request = indexedDB.open("shelfsync", {version});
    request.onupgradeneeded = () => {{
      const d = request.result;{stores}
    }};
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  }});
  await new Promise((resolve, reject) => {{
    const tx = db.transaction(["meta", "sent"], "readwrite");
    for (const [key, value] of Object.entries(meta)) tx.objectStore("meta").put({{ key, value }});
    if (sent) tx.objectStore("sent").put(sent);
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
  }});
  db.close();
}}
"""
