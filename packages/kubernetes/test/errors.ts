import { KubernetesError } from '../src/kubernetes-error.js';

/** thrown runs `f` and returns the KubernetesError it throws; anything else (or no throw) fails the test. */
export function thrown(f: () => unknown): KubernetesError {
  try {
    f();
  } catch (e) {
    if (KubernetesError.isInstance(e)) return e;
    throw e;
  }
  throw new Error('expected a KubernetesError');
}

/** rejection awaits `promise` and returns the KubernetesError it rejects with; anything else fails the test. */
export async function rejection(promise: Promise<unknown>): Promise<KubernetesError> {
  const error = await promise.then(
    () => new Error('expected a rejection with a KubernetesError, but the promise resolved'),
    (e: unknown) => e,
  );
  if (!KubernetesError.isInstance(error)) throw new Error(`expected a KubernetesError, got ${String(error)}`);
  return error;
}
