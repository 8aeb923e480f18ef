// Pinned versions of every component of the test environment and where the prepared environment is
// cached. Everything here comes from this machine's registries: Debian, the Go module proxy and npm.
import { homedir } from "node:os";
import { join } from "node:path";

/** Bump when the cache layout changes incompatibly; components are also keyed by their own inputs. */
export const TESTENV_LAYOUT = "v1";

export const KUBERNETES_VERSION = "v1.34.4";
export const ETCD_VERSION = "v3.6.4";
export const MINIO_VERSION = "v0.0.0-20260212201848-7aac2a2c5b7c";
export const KOPIA_VERSION = "v0.21.1";
export const LOCAL_PATH_PROVISIONER_VERSION = "v0.0.30";
// The CSI stack for `startCluster({ csi: true })`. These name the components and their stamps; the
// versions actually built are required by scripts/testenv/go/csi-snapshotter and csi-provisioner
// (ensure checks that they agree). The driver itself is ours (scripts/testenv/go/csi-hostpath):
// kubernetes-csi's hostpath driver and node-driver-registrar are not served by the module proxy.
/** csi-snapshotter, snapshot-controller and the snapshot.storage.k8s.io/v1 CRDs (built against k8s.io 0.34). */
export const EXTERNAL_SNAPSHOTTER_VERSION = "v8.4.0";
/** csi-provisioner (built against the k8s.io 0.33 libraries it was released with). */
export const EXTERNAL_PROVISIONER_VERSION = "v5.3.0";
/** The name our CSI driver registers, the same as kubernetes-csi's hostpath driver. */
export const CSI_DRIVER_NAME = "hostpath.csi.k8s.io";

/** Debian packages the environment needs; versions are whatever Debian 12 ships (recorded in the stamps). */
export const DEBIAN_PACKAGES = [
  "containerd", // 1.6.x: container runtime behind each kubelet
  "runc",
  "containernetworking-plugins", // bridge, host-local, loopback in /usr/lib/cni
  "busybox-static", // the busybox image and the pause/helper pods' tools
  "restic", // benchmark peer
  "iptables",
  "iproute2", // ip netns / veth for node networks
  "util-linux", // nsenter, setpriv
  "openssl", // cluster PKI
  "gcc",
  "libc6-dev", // static pause binary
  "postgresql-15", // the database image is assembled from Debian's PostgreSQL
  "chromium", // UI tests (playwright-core drives Debian's Chromium)
  "time", // /usr/bin/time: the benchmark reads each tool's peak memory from it
] as const;

export const IMAGE_NAMES = {
  pause: "lifeboat.test/pause:3.10",
  busybox: "lifeboat.test/busybox:1.35",
  postgres: "lifeboat.test/postgres:15",
} as const;
export type ImageKey = keyof typeof IMAGE_NAMES;

export function cacheRoot(): string {
  return process.env.LIFEBOAT_TESTENV_CACHE ?? join(homedir(), ".cache", "lifeboat", "testenv", TESTENV_LAYOUT);
}

export const paths = {
  bin: (name: string) => join(cacheRoot(), "bin", name),
  image: (key: ImageKey) => join(cacheRoot(), "images", `${key}.oci.tar`),
  /** Manifests taken from module sources at build time (the snapshot CRDs). */
  manifest: (name: string) => join(cacheRoot(), "manifests", name),
  stamps: () => join(cacheRoot(), "stamps"),
  tmp: () => join(cacheRoot(), "tmp"),
};

/** Where running clusters keep their state (mounts, sockets, volumes). Short, because unix socket paths are limited to 107 bytes. */
export const RUN_ROOT = process.env.LIFEBOAT_TESTENV_RUN ?? "/run/lifeboat-testenv";
/** Volumes provisioned by local-path live on disk, not in /run's tmpfs. */
export const DATA_ROOT = process.env.LIFEBOAT_TESTENV_DATA ?? "/var/lib/lifeboat-testenv";
