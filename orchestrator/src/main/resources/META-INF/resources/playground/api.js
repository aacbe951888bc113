// Calls to the orchestrator's REST API, carrying this tab's API key (when keys are on) as a Bearer header.
const KEY = 'refiners.apiKey';

export const apiKey = {
  get: () => sessionStorage.getItem(KEY) || '',
  set: key => (key ? sessionStorage.setItem(KEY, key) : sessionStorage.removeItem(KEY)),
};

/** A refusal: the HTTP status and the error JSON ({code, field, message}). */
export class ApiError extends Error {
  constructor(status, body) {
    super(body.message);
    this.status = status;
    this.body = body;
  }
}

/** GET (no body) or POST (a JSON text); resolves to the Response, or throws ApiError. */
export async function call(path, { body, accept, signal } = {}) {
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (accept) headers.accept = accept;
  if (apiKey.get()) headers.authorization = `Bearer ${apiKey.get()}`;
  const response = await fetch(path, {
    method: body === undefined ? 'GET' : 'POST',
    headers,
    body,
    signal,
  });
  if (!response.ok) throw new ApiError(response.status, await errorBody(response));
  return response;
}

export const getJson = async path => (await call(path)).json();

async function errorBody(response) {
  try {
    return await response.json();
  } catch {
    return { code: String(response.status), field: null, message: `HTTP ${response.status} ${response.statusText}` };
  }
}
