// @ts-check
/**
 * One gate for a family of requests: they run one at a time, and each starts at least
 * `gapMs` after the previous one started, however often something asks for one.
 */
export class Pacer {
  #gapMs;
  #next;
  #clock;
  #lastStart = Number.NEGATIVE_INFINITY;
  #running = false;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  #timer;

  /**
   * @param {number} gapMs the least time between the starts of two requests
   * @param {() => { dueAt: number, run: () => Promise<void> } | null} next the request
   *   wanted next and when (a `clock()` time) it is due, or null for none
   * @param {() => number} [clock] milliseconds, `performance.now()` unless a test gives another
   */
  constructor(gapMs, next, clock = () => performance.now()) {
    this.#gapMs = gapMs;
    this.#next = next;
    this.#clock = clock;
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
    const wait = Math.max(wanted.dueAt, this.#lastStart + this.#gapMs) - this.#clock();
    if (wait > 0) {
      this.#timer = setTimeout(() => this.wake(), wait);
      return;
    }
    this.#start(wanted.run);
  }

  /** @param {() => Promise<void>} run */
  async #start(run) {
    this.#lastStart = this.#clock();
    this.#running = true;
    try {
      await run();
    } finally {
      this.#running = false;
      this.wake();
    }
  }
}
