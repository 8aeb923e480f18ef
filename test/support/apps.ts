// Applications the tests run: PostgreSQL 15 (the test environment's image) as a one-replica
// StatefulSet, on a volume claim of the given storage class or on an emptyDir.
import type { V1EnvVar, V1StatefulSet } from "@kubernetes/client-node";
import { IMAGE_NAMES } from "../../scripts/testenv/pins";

export interface PostgresOptions {
  name?: string;
  /** A claim template of this storage class; without one the data lives in an emptyDir. */
  storageClass?: string;
  /** The superuser's password (default "lifeboat"), or where to read it from. */
  password?: V1EnvVar["valueFrom"];
  terminationGracePeriodSeconds?: number;
}

export function postgresStatefulSet(opts: PostgresOptions = {}): V1StatefulSet {
  const name = opts.name ?? "db";
  return {
    metadata: { name, labels: { app: name } },
    spec: {
      serviceName: name,
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: opts.terminationGracePeriodSeconds ?? 10,
          containers: [{
            name: "postgres",
            image: IMAGE_NAMES.postgres,
            imagePullPolicy: "Never",
            env: [opts.password ? { name: "POSTGRES_PASSWORD", valueFrom: opts.password } : { name: "POSTGRES_PASSWORD", value: "lifeboat" }],
            volumeMounts: [{ name: "data", mountPath: "/var/lib/postgresql/data" }],
            readinessProbe: { exec: { command: ["pg_isready", "-U", "postgres", "-h", "/var/run/postgresql"] }, periodSeconds: 2 },
          }],
          ...(opts.storageClass ? {} : { volumes: [{ name: "data", emptyDir: {} }] }),
        },
      },
      ...(opts.storageClass ? { volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], storageClassName: opts.storageClass, resources: { requests: { storage: "1Gi" } } } }] } : {}),
    },
  };
}
