// SPDX-License-Identifier: Apache-2.0
// Types of the libchild-process package: the ArkTS module
// @ohos.app.ability.childProcessManager with the same signatures, plus the
// Linux extensions marked as such.

/** An error of this module: a numeric code and the API document's message. */
export interface BusinessError extends Error {
  code: number;
  /** Linux extension: what exactly went wrong. */
  detail?: string;
}
export declare const BusinessError: {
  new (code: number, api?: string, detail?: string): BusinessError;
  prototype: BusinessError;
};

export type AsyncCallback<T> = (err: BusinessError | undefined, data: T | undefined) => void;

/** What a start passes to the child. */
export declare class ChildProcessArgs {
  constructor(init?: { entryParams?: string; fds?: Record<string, number> });
  /** At most 150 KB. */
  entryParams?: string;
  /** At most 16 names of 1 to 20 characters, each mapped to a descriptor of this process. */
  fds?: Record<string, number>;
}

/** How a child starts. */
export declare class ChildProcessOptions {
  constructor(init?: { isolationMode?: boolean; isolationUid?: boolean });
  /** A sandboxed child: its own namespaces, private data dir, loopback only, Landlock. */
  isolationMode?: boolean;
  /** Linux extension (the C API's SetIsolationUid): with isolationMode, a host uid of its own. */
  isolationUid?: boolean;
  /**
   * Linux extension, startNativeChildProcess only (NCP_ChildProcessConfigs_AddBind): at most 16
   * host paths bound into an isolated child's root, read-only (exec allowed) or writable (noexec).
   */
  binds?: ReadonlyArray<{ src: string; dest: string; writable?: boolean }>;
  /**
   * Linux extension, startNativeChildProcess only (NCP_ChildProcessConfigs_SetEnv): at most 32
   * variables added to the child's environment; names of [A-Za-z0-9_], not NCP_*.
   */
  env?: Record<string, string>;
  /**
   * Linux extension, startNativeChildProcess only (NCP_ChildProcessConfigs_SetWorkingDir): the
   * child's working directory, absolute; for an isolated child a path in its root.
   */
  cwd?: string;
  /**
   * Linux extension, startNativeChildProcess only (NCP_ChildProcessConfigs_SetFdWritable): names
   * of args.fds directories an isolated child may write in.
   */
  writableFds?: ReadonlyArray<string>;
}

/** The base class of a child's module: its default export extends it. */
export declare class ChildProcess {
  /** Called once in the child; the child keeps running after it returns. */
  onStart(args?: ChildProcessArgs): void | Promise<void>;
}

/** Linux extension: how a child ended. */
export interface ChildProcessEnd {
  /** The exit status, or null when a signal ended it. */
  exitCode: number | null;
  /** The signal that ended it, or null. */
  signal: number | null;
}

declare namespace childProcessManager {
  enum StartMode {
    SELF_FORK = 0,
    APP_SPAWN_FORK = 1,
  }

  function startChildProcess(srcEntry: string, startMode: StartMode): Promise<number>;
  function startChildProcess(srcEntry: string, startMode: StartMode, callback: AsyncCallback<number>): void;
  function startArkChildProcess(srcEntry: string, args: ChildProcessArgs, options?: ChildProcessOptions): Promise<number>;
  function startNativeChildProcess(entryPoint: string, args: ChildProcessArgs, options?: ChildProcessOptions): Promise<number>;

  /** Linux extension: kills a child this process started (OH_Ability_KillChildProcess). */
  function killChildProcess(pid: number): void;
  /** Linux extension: waits for a child's end (NCP_WaitChildProcess); negative timeoutMs waits without a bound. */
  function waitChildProcess(pid: number, timeoutMs?: number): Promise<ChildProcessEnd>;
  /** Linux extension: OH_Ability_IsNativeChildProcessSupported. */
  function isNativeChildProcessSupported(): boolean;

  /** Linux extension: a child of this process was killed by a signal (the C API's exit callbacks). */
  function on(event: 'exit', listener: (pid: number, signal: number) => void): typeof childProcessManager;
  function once(event: 'exit', listener: (pid: number, signal: number) => void): typeof childProcessManager;
  function off(event: 'exit', listener: (pid: number, signal: number) => void): typeof childProcessManager;
  function removeListener(event: 'exit', listener: (pid: number, signal: number) => void): typeof childProcessManager;
}

export { childProcessManager };
