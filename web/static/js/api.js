// The server's API as the app calls it: plain fetch, no storage.  Errors come
// back as ApiError with the server's error code (the one JSON error shape), or
// as NetworkError when no answer arrived at all.

export const PROTOCOL = 1;

export class ApiError extends Error {
  constructor(status, body, retryAfterMs = null) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.code = (body && body.error) || `http_${status}`;
    this.body = body;
    this.retryAfterMs = retryAfterMs;
  }
}

export class NetworkError extends Error {}

async function call(path, { body, token, method = "POST", form = null, timeoutMs = 30000 } = {}) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: form ?? (body === undefined ? undefined : JSON.stringify(body)),
      credentials: "same-origin",
      cache: "no-store",
      signal: controller.signal,
    });
  } catch (error) {
    throw new NetworkError(error.message || "no network");
  } finally {
    clearTimeout(timer);
  }
  let data = null;
  try {
    data = await response.json();
  } catch (_) {
    data = null;
  }
  if (!response.ok) {
    const retry = Number(response.headers.get("Retry-After"));
    throw new ApiError(response.status, data, Number.isFinite(retry) && retry > 0 ? retry * 1000 : null);
  }
  return data;
}

// A logged-in session registers this browser as a device.
export function registerDevice(name, appVersion) {
  return call("/api/devices", { body: { name, app_version: appVersion } });
}

export function push(token, body) {
  return call("/api/sync/push", { token, body: { protocol: PROTOCOL, ...body } });
}

export function pull(token, body) {
  return call("/api/sync/pull", { token, body: { protocol: PROTOCOL, ...body } });
}

// A photo of a barcode, decoded by the server (when the browser has no
// BarcodeDetector): multipart with the device token, or JSON base64 with the
// session before the device has a token (the API takes session writes as JSON).
export async function scanPhoto(file, token) {
  if (token) {
    const form = new FormData();
    form.append("photo", file);
    return call("/api/scan", { form, token, timeoutMs: 20000 });
  }
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return call("/api/scan", { body: { photo: btoa(binary) }, timeoutMs: 20000 });
}

// Web push, with the logged-in session (see push.js).
export function vapidPublicKey() {
  return call("/api/push/vapid-public-key", { method: "GET", timeoutMs: 10000 });
}

export function pushSubscriptions() {
  return call("/api/push/subscriptions", { method: "GET", timeoutMs: 10000 });
}

export function savePushSubscription(subscription) {
  return call("/api/push/subscriptions", { body: subscription, timeoutMs: 10000 });
}

export function deletePushSubscription(endpoint) {
  return call("/api/push/subscriptions/delete", { body: { endpoint }, timeoutMs: 10000 });
}
