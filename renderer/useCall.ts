// Loads one API call's result for a screen, again whenever one of the topics it depends on changes.
import { useCallback, useEffect, useState } from "react";
import type { CallName, CallRequest, CallResponse, StateTopic } from "../shared/api";
import { api } from "./api";
import { useUi } from "./store";

export interface Loaded<T> {
  data?: T;
  error?: Error & { code?: string; hint?: string };
  loading: boolean;
  reload(): void;
}

export function useCall<C extends CallName>(name: C, request: CallRequest<C> | undefined, topics: StateTopic[] = []): Loaded<CallResponse<C>> {
  const [state, setState] = useState<{ data?: CallResponse<C>; error?: Error; loading: boolean }>({ loading: request !== undefined });
  const [tick, setTick] = useState(0);
  const revision = useUi((s) => topics.map((t) => s.revisions[t]).join(","));
  const key = JSON.stringify(request);
  useEffect(() => {
    if (request === undefined) return;
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    api.call(name, request).then(
      (data) => live && setState({ data, loading: false }),
      (error: Error) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
    };
    // The request is compared by value (key), not by identity.
  }, [name, key, revision, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

/** Runs a call on demand (a form's submit), keeping its error for the form to show. */
export function useAction<C extends CallName>(name: C): { run(request: CallRequest<C>): Promise<CallResponse<C> | undefined>; busy: boolean; error?: Error & { code?: string; hint?: string; field?: string }; clear(): void } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const run = useCallback(async (request: CallRequest<C>) => {
    setBusy(true);
    setError(undefined);
    try {
      return await api.call(name, request);
    } catch (err) {
      setError(err as Error);
      return undefined;
    } finally {
      setBusy(false);
    }
  }, [name]);
  return { run, busy, error, clear: () => setError(undefined) };
}
