import { SessionError } from './errors.ts';

/**
 * A FIFO mutex. It is what keeps one response in flight per socket: a lane's turns take it in
 * order, and a waiter whose signal aborts leaves the queue at once.
 */
export class Lock {
  private tail: Promise<void> = Promise.resolve();
  private held = 0;

  get busy(): boolean {
    return this.held > 0;
  }

  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(new SessionError('cancelled'));
    let release!: () => void;
    const mine = new Promise<void>((r) => {
      release = r;
    });
    const previous = this.tail;
    this.tail = previous.then(() => mine);
    this.held++;
    let released = false;
    const unlock = () => {
      if (!released) {
        released = true;
        this.held--;
        release();
      }
    };
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        unlock();
        reject(new SessionError('cancelled'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      void previous.then(() => {
        signal?.removeEventListener('abort', onAbort);
        if (released) return; // cancelled while waiting: our slot passes straight through
        resolve(unlock);
      });
    });
  }
}

/** Waits `ms`, or rejects with `cancelled` when the signal aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new SessionError('cancelled'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new SessionError('cancelled'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
