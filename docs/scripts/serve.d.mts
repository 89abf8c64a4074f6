/** startServer serves the files under `root` over HTTP on 127.0.0.1 (`port` 0 picks a free one). */
export declare function startServer(options: { root: string; port?: number; host?: string }): Promise<{ url: string; port: number; close: () => Promise<void> }>;
