// Serving commands (viz, run --live-hold) run until the user stops them.

/** Resolves on the first SIGINT or SIGTERM (Ctrl-C), then stops listening for them. */
export function untilSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
