import { ICheckReply } from './request';

/** "in 42 s" / "in 3 min" for a Retry-After in seconds. */
export function waitText(seconds: number): string {
  return seconds < 90
    ? `in ${Math.ceil(seconds)} s`
    : `in ${Math.ceil(seconds / 60)} min`;
}

/** The sentence a student reads for a reply that is not a record (any status but 200). */
export function refusalText(reply: ICheckReply): string {
  const said = typeof reply.body.error === 'string' ? reply.body.error : '';
  const again =
    reply.retryAfter !== null
      ? ` You can check again ${waitText(reply.retryAfter)}.`
      : '';
  switch (reply.status) {
    case 401:
    case 403:
      return `You are not logged in to the grading service: log in again (reload the page) and retry. ${said}`;
    case 429:
      return `You have reached your limit of checks for now. ${said}${again}`;
    case 503:
      return `The grading service is busy (its queue is full): nothing was checked. ${said}${again}`;
    case 502:
    case 504:
      return `The grading service is down or not reachable. ${said}`;
    case 413:
      return `This notebook is too large to check. ${said}`;
    default:
      return `The check did not run (HTTP ${reply.status}). ${said}`;
  }
}
