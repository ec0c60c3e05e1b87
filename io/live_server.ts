/**
 * The HTTP server of `--serve`: the live page at `/`, the current change stream row at
 * `GET /fit` (JSON), the page's updates at `GET /events` (Server-Sent Events) and the current
 * plot at `GET /plot.svg`. It only serves what its owner publishes.
 *
 * @module
 */

import { addressUrl, type ListenAddress } from "../lib/listen_address.ts";

const encoder = new TextEncoder();

/** What the server shows, as last published. */
export interface Published {
  /** The current change stream row (`{a, b, time}`…), undefined before the first fit. */
  readonly row?: Record<string, number>;
  /** The data of the next Server-Sent Event (one line of JSON). */
  readonly event: string;
  /** The current plot. */
  readonly svg: string;
}

/**
 * A running server.
 *
 * @example
 * ```ts ignore
 * const server = await LiveServer.start({ hostname: "127.0.0.1", port: 0 }, "<!doctype html>…");
 * server.publish({ row: { a: 0, b: 1, time: 0 }, event: "{}", svg: "<svg/>" });
 * console.log(server.url);
 * await server.close();
 * ```
 */
export class LiveServer {
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  readonly #clients = new Set<ReadableStreamDefaultController<Uint8Array>>();
  readonly #page: string;
  #published: Published | undefined;
  /** Where the server listens, e.g. `http://127.0.0.1:8080/`. */
  readonly url: string;

  private constructor(address: ListenAddress, page: string) {
    this.#page = page;
    let port = address.port;
    this.#server = Deno.serve({
      hostname: address.hostname,
      port: address.port,
      onListen: (local) => port = local.port,
    }, (request) => this.#answer(request));
    port = this.#server.addr.port;
    this.url = addressUrl({ hostname: address.hostname, port });
  }

  /**
   * Listens at `address`, serving `page` at `/`.
   *
   * @throws {Error} saying what to do when the address is taken or not this machine's.
   */
  static start(address: ListenAddress, page: string): LiveServer {
    try {
      return new LiveServer(address, page);
    } catch (e) {
      const where = `${address.hostname}:${address.port}`;
      if (e instanceof Deno.errors.AddrInUse) {
        throw new Error(`--serve ${where}: the port is taken; choose another (0: any free port)`);
      }
      if (e instanceof Deno.errors.AddrNotAvailable) {
        throw new Error(`--serve ${where}: not an address of this machine`);
      }
      throw new Error(`--serve ${where}: ${(e as Error).message}`);
    }
  }

  /** Shows `published` from now on, and sends its event to every page open. */
  publish(published: Published): void {
    this.#published = published;
    const bytes = encoder.encode(`data: ${published.event}\n\n`);
    for (const client of this.#clients) {
      try {
        client.enqueue(bytes);
      } catch {
        this.#clients.delete(client); // the page went away
      }
    }
  }

  /** Ends the event streams and stops the server. */
  async close(): Promise<void> {
    for (const client of this.#clients) {
      try {
        client.close();
      } catch { /* already closed */ }
    }
    this.#clients.clear();
    await this.#server.shutdown();
  }

  #answer(request: Request): Response {
    const path = new URL(request.url).pathname;
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("only GET\n", { status: 405, headers: { allow: "GET, HEAD" } });
    }
    const noCache = { "cache-control": "no-store" };
    switch (path) {
      case "/":
        return new Response(this.#page, {
          headers: { "content-type": "text/html; charset=utf-8", ...noCache },
        });
      case "/fit": {
        const row = this.#published?.row;
        return Response.json(row ?? { error: "no fit yet: no commit has been processed" }, {
          status: row === undefined ? 404 : 200,
          headers: noCache,
        });
      }
      case "/plot.svg":
        return new Response(this.#published?.svg ?? '<svg xmlns="http://www.w3.org/2000/svg"/>\n', {
          headers: { "content-type": "image/svg+xml; charset=utf-8", ...noCache },
        });
      case "/events":
        return this.#events();
      default:
        return new Response("not found: try / , /fit, /events or /plot.svg\n", { status: 404 });
    }
  }

  #events(): Response {
    const clients = this.#clients;
    let self: ReadableStreamDefaultController<Uint8Array> | undefined;
    const published = this.#published;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        self = controller;
        clients.add(controller);
        controller.enqueue(encoder.encode("retry: 1000\n\n"));
        if (published !== undefined) {
          controller.enqueue(encoder.encode(`data: ${published.event}\n\n`));
        }
      },
      cancel() {
        if (self !== undefined) clients.delete(self);
      },
    });
    return new Response(body, {
      headers: {
        "content-type": "text/event-stream",
        "cache-control": "no-store",
        "x-accel-buffering": "no",
      },
    });
  }
}
