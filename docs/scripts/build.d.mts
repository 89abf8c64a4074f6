/** buildPlayground bundles the playground page, script and style into `outDir`. */
export declare function buildPlayground(outDir: string): Promise<void>;
/** buildSite builds the whole docs site into docs/site/. */
export declare function buildSite(): Promise<void>;
