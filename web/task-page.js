/** What the task page shows: one task, its progress, estimate and timeline. Data goes in as textContent. */
import { estimateFinish } from './eta.js';
import {
  controlNames,
  durationOf,
  etaText,
  eventWords,
  formatTime,
  prettyInput,
  taskLabel,
} from './format.js';
import {
  buttonById,
  byId,
  hideKeepingFocus,
  progressById,
  renderProgressAndOutcome,
  setLabel,
  setText,
} from './render.js';
import { isActive } from './statuses.js';

export const parts = {
  page: byId('task-page'),
  notice: byId('task-notice'),
  missing: byId('task-missing'),
  missingHeading: byId('task-missing-heading'),
  missingId: byId('task-missing-id'),
  detail: byId('task-detail'),
  heading: byId('task-heading'),
  status: byId('detail-status'),
  progress: progressById('detail-progress'),
  percent: byId('detail-percent'),
  eta: byId('detail-eta'),
  outcome: byId('detail-outcome'),
  outcomeLabel: byId('detail-outcome-label'),
  outcomeText: byId('detail-outcome-text'),
  id: byId('detail-id'),
  type: byId('detail-type'),
  created: byId('detail-created'),
  started: byId('detail-started'),
  finished: byId('detail-finished'),
  duration: byId('detail-duration'),
  input: byId('detail-input'),
  timeline: byId('timeline'),
  rerun: buttonById('detail-rerun'),
  cancel: buttonById('detail-cancel'),
  remove: buttonById('detail-delete'),
};

/** The page while its task is on its way: nothing of another task stays on it. */
export function renderLoading(taskId) {
  parts.missing.hidden = true;
  parts.detail.hidden = false;
  parts.detail.dataset.status = '';
  setText(parts.heading, 'Loading task…');
  for (const part of [parts.status, parts.percent, parts.outcomeText, parts.type])
    setText(part, '');
  for (const part of [parts.created, parts.started, parts.finished, parts.duration])
    setText(part, '');
  setText(parts.id, taskId);
  setText(parts.input, '');
  setText(parts.eta, '—');
  parts.outcome.hidden = true;
  parts.progress.value = 0;
  parts.timeline.replaceChildren();
  for (const button of [parts.rerun, parts.cancel, parts.remove]) button.hidden = true;
}

/** The page for a task the API does not know (or does not show this user). */
export function renderMissing(taskId) {
  parts.detail.hidden = true;
  parts.missing.hidden = false;
  setText(parts.missingId, taskId);
}

/**
 * Brings the page up to date with `task`; `now` is the clock for durations and the estimate.
 * @param {import('./statuses.js').Task} task @param {number} now
 */
export function renderTask(task, now) {
  parts.missing.hidden = true;
  parts.detail.hidden = false;
  parts.detail.dataset.status = task.status;
  setText(parts.heading, taskLabel(task));
  parts.heading.classList.toggle('unnamed', !task.name?.trim());
  setText(parts.status, task.status);
  renderProgressAndOutcome(parts, task);
  setText(parts.eta, isActive(task) ? etaText(estimateFinish(task, now), now) : '—');
  setText(parts.id, task.task_id);
  setText(parts.type, task.type ?? '—');
  setText(parts.created, formatTime(task.created_at, now));
  setText(parts.started, formatTime(task.started_at, now));
  setText(parts.finished, formatTime(task.finished_at, now));
  setText(parts.duration, durationOf(task, now));
  setText(parts.input, prettyInput(task.input));
  renderTimeline(task.events ?? [], now);
  const names = controlNames(task);
  setLabel(parts.rerun, names.rerun);
  setLabel(parts.cancel, names.cancel);
  setLabel(parts.remove, names.remove);
  setLabel(parts.progress, names.progress);
  parts.rerun.hidden = false;
  parts.remove.hidden = false;
  hideKeepingFocus(parts.cancel, !isActive(task), parts.remove);
}

/** @param {{ at: string, type: string, progress?: number }[]} events @param {number} now */
function renderTimeline(events, now) {
  const shown = parts.timeline.children;
  const same =
    shown.length === events.length &&
    events.every((event, i) => shown[i]?.dataset.key === `${event.at}|${event.type}`);
  if (same) return;
  parts.timeline.replaceChildren(
    ...events.map((event) => {
      const item = document.createElement('li');
      item.dataset.key = `${event.at}|${event.type}`;
      item.dataset.event = event.type;
      const time = document.createElement('time');
      time.dateTime = event.at;
      time.title = event.at;
      time.textContent = formatTime(event.at, now);
      const words = document.createElement('span');
      words.textContent = eventWords(event);
      item.append(time, words);
      return item;
    }),
  );
}
