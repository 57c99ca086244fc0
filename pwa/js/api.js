// HTTP to our server, with a timeout, and every failure sorted into what to do next:
//   NetworkError — no answer, a timeout, or 5xx/429: retry later, keep everything.
//   AuthError    — 401: keep everything, ask to sign in again.
//   ApiError     — any other refusal, with the server's {code, message, fields}.

const API = "/api/v1";
const TIMEOUT_MS = 20000;

export class NetworkError extends Error {
  /** `retryAfter`: the seconds the server asked for (Retry-After), or null. */
  constructor(message, retryAfter = null) {
    super(message);
    this.retryAfter = retryAfter;
  }
}

/** Retry-After as seconds (it may also be an HTTP date); null when absent or unreadable. */
function retryAfterSeconds(response) {
  const value = response.headers.get("Retry-After");
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.min(seconds, 3600));
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.min((at - Date.now()) / 1000, 3600));
}
export class AuthError extends Error {}
export class ApiError extends Error {
  constructor(status, body) {
    const error = body?.error || {};
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code || "http_error";
    this.fields = error.fields || [];
  }
}

export async function request(
  path,
  { method = "GET", token = null, body, language, timeout = TIMEOUT_MS } = {},
) {
  const headers = { Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (language) headers["Accept-Language"] = language;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeout);
  let response;
  try {
    response = await fetch(API + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: abort.signal,
      cache: "no-store",
      credentials: "omit", // the bearer token is the only credential the app sends
    });
  } catch (error) {
    throw new NetworkError(error.name === "AbortError" ? "timeout" : "unreachable");
  } finally {
    clearTimeout(timer);
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    // A proxy's HTML error page, or a cut connection: treated by status below.
  }
  if (response.status === 401) throw new AuthError("not_authenticated");
  if (response.status >= 500 || response.status === 429 || response.status === 408) {
    throw new NetworkError(`http_${response.status}`, retryAfterSeconds(response));
  }
  if (!response.ok) throw new ApiError(response.status, data);
  if (data === null) throw new NetworkError("bad_body");
  return data;
}

export const signIn = (username, password, language, code = "") =>
  request("/auth/token", {
    method: "POST",
    body: { username, password, token_name: "PWA", ...(code ? { code } : {}) },
    language,
  });
