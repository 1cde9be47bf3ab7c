export declare const DIST: string;
export declare function buildCli(): Promise<void>;
