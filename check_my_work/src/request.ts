import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** What the server extension answered: the service's status and JSON, and its Retry-After. */
export interface ICheckReply {
  status: number;
  body: { [key: string]: any };
  retryAfter: number | null;
}

/** The server extension's route, below the Jupyter server's base URL (cnn_check_my_work/handler.py). */
const ROUTE = 'cnn-check-my-work/check';

/**
 * Ask the server extension to check the saved notebook at `path` (relative to the server root).
 * Rejects only when the Jupyter server itself cannot be reached.
 */
export async function requestCheck(
  path: string,
  settings: ServerConnection.ISettings
): Promise<ICheckReply> {
  const response = await ServerConnection.makeRequest(
    URLExt.join(settings.baseUrl, ROUTE),
    { method: 'POST', body: JSON.stringify({ path }) },
    settings
  );
  const text = await response.text();
  let body: { [key: string]: any };
  try {
    const parsed = JSON.parse(text);
    body =
      parsed && typeof parsed === 'object'
        ? parsed
        : { error: `HTTP ${response.status} without a JSON object` };
  } catch {
    body = { error: `HTTP ${response.status} without JSON` };
  }
  const retry = Number(response.headers.get('Retry-After'));
  return {
    status: response.status,
    body,
    retryAfter: Number.isFinite(retry) && retry > 0 ? retry : null
  };
}
