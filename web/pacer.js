/**
 * One gate for a family of requests: they run one at a time, and each starts at least
 * `gapMs` after the previous one started, however often something asks for one.
 */
export class Pacer {
  #gapMs;
  #next;
  #lastStart = Number.NEGATIVE_INFINITY;
  #running = false;
  #timer = 0;

  /**
   * @param {number} gapMs the least time between the starts of two requests
   * @param {() => { dueAt: number, run: () => Promise<void> } | null} next the request
   *   wanted next and when (a `performance.now()` time) it is due, or null for none
   */
  constructor(gapMs, next) {
    this.#gapMs = gapMs;
    this.#next = next;
  }

  /**
   * Looks again at what is wanted next: call it whenever that may have changed. Many calls
   * before a request's turn comes still lead to one request, for the latest wish.
   */
  wake() {
    clearTimeout(this.#timer);
    if (this.#running) return;
    const wanted = this.#next();
    if (!wanted) return;
    const wait = Math.max(wanted.dueAt, this.#lastStart + this.#gapMs) - performance.now();
    if (wait > 0) {
      this.#timer = setTimeout(() => this.wake(), wait);
      return;
    }
    this.#start(wanted.run);
  }

  /** @param {() => Promise<void>} run */
  async #start(run) {
    this.#lastStart = performance.now();
    this.#running = true;
    try {
      await run();
    } finally {
      this.#running = false;
      this.wake();
    }
  }
}
