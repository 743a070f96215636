/** The list page's notice: why an action failed, shown for a while. */
import { parts } from './dashboard-state.js';

const NOTICE_MS = 10_000;

let noticeTimer = 0;

/** @param {unknown} error */
export function showNotice(error) {
  parts.notice.textContent = error instanceof Error ? error.message : String(error);
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => {
    parts.notice.textContent = '';
  }, NOTICE_MS);
}
