/**
 * Calls to an object that lives in a worker: each call posts its method's name and arguments
 * and resolves with the method's result, in order; a method that throws rejects the call with
 * an error of the same name and message. Nothing here knows what the object does.
 *
 * @module
 */

/** A call, as posted to the worker. */
interface Call {
  readonly method: string;
  readonly args: readonly unknown[];
}

/** A method of any parameters (checked bivariantly, as method declarations are). */
type Method = { call(...args: unknown[]): unknown }["call"];

/** A reply, as posted back. */
type Reply = { readonly value: unknown } | { readonly error: { name: string; message: string } };

/**
 * The main thread's side: a worker started from `url`, and calls to the object it serves.
 *
 * @example
 * ```ts ignore
 * const client = new WorkerClient(new URL("./runner_worker.ts", import.meta.url));
 * const result = await client.call("process", [batch]);
 * client.close();
 * ```
 */
export class WorkerClient {
  readonly #worker: Worker;
  readonly #waiting: { resolve: (value: unknown) => void; reject: (e: Error) => void }[] = [];

  /** Starts the worker. */
  constructor(url: URL) {
    this.#worker = new Worker(url.href, { type: "module" });
    this.#worker.onmessage = (event: MessageEvent<Reply>) => {
      const waiter = this.#waiting.shift();
      const reply = event.data;
      if ("error" in reply) {
        const error = new Error(reply.error.message);
        error.name = reply.error.name;
        waiter?.reject(error);
      } else {
        waiter?.resolve(reply.value);
      }
    };
    this.#worker.onerror = (event) => {
      event.preventDefault();
      for (const waiter of this.#waiting.splice(0)) waiter.reject(new Error(event.message));
    };
  }

  /** Calls `method` with `args` on the worker's object; replies come in the order of calls. */
  call<T>(method: string, args: readonly unknown[]): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#waiting.push({ resolve: resolve as (value: unknown) => void, reject });
      this.#worker.postMessage({ method, args } satisfies Call);
    });
  }

  /** Stops the worker. */
  close(): void {
    this.#worker.terminate();
  }
}

/**
 * The worker's side: serves the calls with `methods`, one at a time, in order.
 *
 * @example
 * ```ts ignore
 * serveCalls({ add: (a: number, b: number) => a + b });
 * ```
 */
export function serveCalls(methods: Record<string, Method>): void {
  const scope = globalThis as unknown as {
    onmessage: ((event: MessageEvent<Call>) => void) | null;
    postMessage(reply: Reply): void;
  };
  let queue: Promise<void> = Promise.resolve();
  scope.onmessage = (event) => {
    const { method, args } = event.data;
    queue = queue
      .then(() => methods[method](...args))
      .then(
        (value) => scope.postMessage({ value }),
        (e) => {
          const error = e instanceof Error ? e : new Error(String(e));
          scope.postMessage({ error: { name: error.name, message: error.message } });
        },
      );
  };
}
