// Real Kubernetes clusters for tests: etcd, kube-apiserver and kube-controller-manager as host
// processes; with `node: true` also kube-scheduler, a containerd and a kubelet inside the slot's
// network namespace, and rancher's local-path-provisioner for dynamic PersistentVolumes; with
// `csi: true` also a CSI driver with snapshots (our hostpath driver, csi-provisioner, csi-snapshotter
// and snapshot-controller, all host processes) and the snapshot.storage.k8s.io CRDs.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { KubeConfig } from "@kubernetes/client-node";
import { CSI_DRIVER_NAME, IMAGE_NAMES, KUBERNETES_VERSION, paths, type ImageKey } from "../../scripts/testenv/pins";
import { claimSlot, createCgroupRoot, createNodeNetwork, releaseSlot, type Slot } from "./host";
import { createPki, kubeconfigYaml, type Pki } from "./pki";
import { freePort, startProcess, waitFor, type ManagedProcess } from "./proc";

const here = dirname(fileURLToPath(import.meta.url));
const bin = (name: string) => paths.bin(name);

export interface ClusterOptions {
  name: string;
  /** Run a node (containerd + kubelet + scheduler + local-path storage). Default false. */
  node?: boolean;
  /** Images to load into the node's containerd besides pause and busybox. */
  images?: ImageKey[];
  /**
   * Also a CSI driver with VolumeSnapshot support (needs `node`): StorageClass `csi-hostpath` and the
   * default VolumeSnapshotClass `csi-hostpath-snapclass` for driver hostpath.csi.k8s.io. Default false.
   */
  csi?: boolean;
}

export type Component = "etcd" | "kube-apiserver" | "kube-controller-manager" | "kube-scheduler" | "containerd" | "kubelet" | "local-path-provisioner"
  | "csi-hostpath" | "snapshot-controller" | "csi-snapshotter" | "csi-provisioner";

export interface TestCluster {
  name: string;
  slot: number;
  /** https URL of the API server. */
  server: string;
  /** Admin kubeconfig (system:masters, embedded certificates). */
  kubeconfigPath: string;
  kubeconfig: string;
  /** Node name, when the cluster has a node. */
  nodeName?: string;
  /** The default StorageClass, when the cluster has a node. */
  storageClass?: string;
  /** The CSI driver's StorageClass (not the default), when started with `csi: true`. */
  csiStorageClass?: string;
  /** Its VolumeSnapshotClass (the default one for its driver), when started with `csi: true`. */
  csiSnapshotClass?: string;
  logDir: string;
  kubeConfig(): KubeConfig;
  kubectl(args: string[], input?: string): string;
  /** Stops one component, e.g. to simulate the loss of a site. */
  stopComponent(component: Component): Promise<void>;
  stop(): Promise<void>;
}

const SERVICE_CIDR = "10.0.0.0/24";
const STORAGE_CLASS = "local-path";
const CSI_STORAGE_CLASS = "csi-hostpath";
const CSI_SNAPSHOT_CLASS = "csi-hostpath-snapclass";

export async function startCluster(opts: ClusterOptions): Promise<TestCluster> {
  if (!/^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?$/.test(opts.name)) throw new Error(`invalid cluster name "${opts.name}"`);
  if (opts.csi && !opts.node) throw new Error("a CSI driver needs a node: pass `node: true` with `csi: true`");
  const slot = claimSlot(opts.name);
  const procs = new Map<Component, ManagedProcess>();
  const logDir = join(tmpdir(), "lifeboat-testenv-logs", `${opts.name}-${slot.n}-${Date.now()}`);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off("exit", onExit);
    // Reverse start order, so nothing restarts what was just stopped; the sweep removes pods' processes.
    for (const c of [...procs.keys()].reverse()) await procs.get(c)?.stop(c === "kubelet" ? 2000 : 5000);
    releaseSlot(slot);
  };
  const onExit = () => { try { releaseSlot(slot); } catch { /* best effort on exit */ } };
  process.on("exit", onExit);

  try {
    mkdirSync(slot.runDir, { recursive: true });
    mkdirSync(slot.dataDir, { recursive: true });
    mkdirSync(logDir, { recursive: true });
    const withNode = opts.node === true;
    if (withNode) {
      createNodeNetwork(slot);
      createCgroupRoot(slot);
    }
    const apiHost = withNode ? slot.hostIp : "127.0.0.1";
    const nodeName = `${opts.name}-node`;
    const pki = createPki(join(slot.runDir, "pki"), `lifeboat-testenv-${opts.name}`, [
      { name: "apiserver", cn: "kube-apiserver", usage: "server", sans: [`IP:${apiHost}`, "IP:127.0.0.1", "IP:10.0.0.1", "DNS:localhost", "DNS:kubernetes", "DNS:kubernetes.default", "DNS:kubernetes.default.svc", "DNS:kubernetes.default.svc.cluster.local"] },
      { name: "admin", cn: "lifeboat-testenv-admin", org: "system:masters", usage: "client" },
      { name: "apiserver-kubelet-client", cn: "kube-apiserver-kubelet-client", org: "system:masters", usage: "client" },
      { name: "controller-manager", cn: "system:kube-controller-manager", usage: "client" },
      { name: "scheduler", cn: "system:kube-scheduler", usage: "client" },
      ...(withNode ? [
        { name: "kubelet", cn: `system:node:${nodeName}`, org: "system:nodes", usage: "client" as const },
        { name: "kubelet-serving", cn: nodeName, usage: "server" as const, sans: [`IP:${slot.nodeIp}`, `DNS:${nodeName}`] },
      ] : []),
    ]);

    // Containerd does not need the control plane: start it (and load images) meanwhile.
    const containerdReady = withNode ? startContainerd(slot, logDir, procs, ["pause", "busybox", ...(opts.images ?? [])]) : Promise.resolve();
    containerdReady.catch(() => undefined); // awaited below; avoid an unhandled rejection meanwhile

    const etcdPort = await freePort();
    const etcdPeerPort = await freePort();
    procs.set("etcd", startProcess("etcd", bin("etcd"), [
      "--name", "default", "--data-dir", join(slot.dataDir, "etcd"),
      "--listen-client-urls", `http://127.0.0.1:${etcdPort}`, "--advertise-client-urls", `http://127.0.0.1:${etcdPort}`,
      "--listen-peer-urls", `http://127.0.0.1:${etcdPeerPort}`, "--initial-advertise-peer-urls", `http://127.0.0.1:${etcdPeerPort}`,
      "--initial-cluster", `default=http://127.0.0.1:${etcdPeerPort}`,
      "--unsafe-no-fsync", "--log-level", "warn", "--quota-backend-bytes", String(2 * 1024 ** 3),
    ], join(logDir, "etcd.log")));

    const apiPort = await freePort(apiHost);
    const server = `https://${apiHost}:${apiPort}`;
    const apiserver = startProcess("kube-apiserver", bin("kube-apiserver"), [
      `--etcd-servers=http://127.0.0.1:${etcdPort}`,
      `--bind-address=${apiHost}`, `--secure-port=${apiPort}`, `--advertise-address=${apiHost}`,
      `--tls-cert-file=${pki.cert("apiserver")}`, `--tls-private-key-file=${pki.key("apiserver")}`,
      `--client-ca-file=${pki.ca}`,
      `--service-account-issuer=https://kubernetes.default.svc.cluster.local`,
      `--service-account-key-file=${join(pki.dir, "sa.pub")}`, `--service-account-signing-key-file=${join(pki.dir, "sa.key")}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      "--authorization-mode=Node,RBAC",
      `--kubelet-client-certificate=${pki.cert("apiserver-kubelet-client")}`, `--kubelet-client-key=${pki.key("apiserver-kubelet-client")}`,
      "--kubelet-preferred-address-types=InternalIP",
      "--allow-privileged=true", "--profiling=false",
      `--cert-dir=${join(slot.runDir, "apiserver-certs")}`,
    ], join(logDir, "kube-apiserver.log"));
    procs.set("kube-apiserver", apiserver);

    const adminKubeconfig = writeKubeconfig(slot, "admin", server, pki, "admin", opts.name);
    await waitFor("the API server to be ready", () => getReadyz(server, pki), { timeoutMs: 60_000, process: apiserver });

    procs.set("kube-controller-manager", startProcess("kube-controller-manager", bin("kube-controller-manager"), [
      `--kubeconfig=${writeKubeconfig(slot, "controller-manager", server, pki, "system:kube-controller-manager", opts.name)}`,
      "--secure-port=0", "--leader-elect=false",
      `--service-account-private-key-file=${join(pki.dir, "sa.key")}`, `--root-ca-file=${pki.ca}`,
      `--cluster-signing-cert-file=${pki.ca}`, `--cluster-signing-key-file=${pki.caKey}`,
      "--use-service-account-credentials=true",
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      "--controllers=*,bootstrapsigner,tokencleaner",
    ], join(logDir, "kube-controller-manager.log")));

    const kubectl = (args: string[], input?: string) =>
      execFileSync(bin("kubectl"), ["--kubeconfig", adminKubeconfig, ...args], { encoding: "utf8", input, stdio: ["pipe", "pipe", "pipe"] });

    let storageClass: string | undefined;
    if (withNode) {
      procs.set("kube-scheduler", startProcess("kube-scheduler", bin("kube-scheduler"), [
        `--kubeconfig=${writeKubeconfig(slot, "scheduler", server, pki, "system:kube-scheduler", opts.name)}`,
        "--secure-port=0", "--leader-elect=false",
      ], join(logDir, "kube-scheduler.log")));
      await containerdReady;
      startKubelet(slot, nodeName, server, pki, logDir, procs, opts.name);
      // The CSI processes need no Ready node: start them while the kubelet comes up.
      if (opts.csi) startCsi(slot, nodeName, adminKubeconfig, kubectl, logDir, procs);
      await waitFor(`node ${nodeName} to be Ready`, () => {
        const out = kubectl(["get", "node", nodeName, "-o", "jsonpath={.status.conditions[?(@.type=='Ready')].status}"]);
        return out.trim() === "True";
      }, { timeoutMs: 90_000, intervalMs: 500, process: procs.get("kubelet") });
      storageClass = startLocalPathStorage(slot, adminKubeconfig, kubectl, logDir, procs);
      if (opts.csi) {
        // The kubelet found the driver's registration socket, called NodeGetInfo and recorded it.
        await waitFor(`CSI driver ${CSI_DRIVER_NAME} to register with the kubelet`, () =>
          kubectl(["get", "csinode", nodeName, "-o", "jsonpath={.spec.drivers[*].name}"]).split(" ").includes(CSI_DRIVER_NAME), {
          timeoutMs: 60_000, intervalMs: 500, process: procs.get("csi-hostpath"),
        });
      }
    }
    // Pods cannot be created in a namespace before its default ServiceAccount exists.
    await waitFor("the default ServiceAccount", () => kubectl(["get", "serviceaccount", "default", "-o", "name"]).includes("default"), {
      timeoutMs: 30_000, process: procs.get("kube-controller-manager"),
    });

    const kubeconfig = readFileSync(adminKubeconfig, "utf8");
    return {
      name: opts.name,
      slot: slot.n,
      server,
      kubeconfigPath: adminKubeconfig,
      kubeconfig,
      nodeName: withNode ? nodeName : undefined,
      storageClass,
      csiStorageClass: opts.csi ? CSI_STORAGE_CLASS : undefined,
      csiSnapshotClass: opts.csi ? CSI_SNAPSHOT_CLASS : undefined,
      logDir,
      kubeConfig() {
        const kc = new KubeConfig();
        kc.loadFromString(kubeconfig);
        return kc;
      },
      kubectl,
      async stopComponent(component) {
        await procs.get(component)?.stop();
      },
      stop,
    };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}

function writeKubeconfig(slot: Slot, file: string, server: string, pki: Pki, certName: string, cluster: string): string {
  const stem = certName === "system:kube-controller-manager" ? "controller-manager" : certName === "system:kube-scheduler" ? "scheduler" : certName;
  const path = join(slot.runDir, `${file}.kubeconfig`);
  writeFileSync(path, kubeconfigYaml({
    cluster,
    server,
    caFile: pki.ca,
    user: { name: certName, cert: pki.cert(stem), key: pki.key(stem) },
    readFile: (p) => readFileSync(p, "utf8"),
  }), { mode: 0o600 });
  return path;
}

function getReadyz(server: string, pki: Pki): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const req = request(`${server}/readyz`, {
      ca: readFileSync(pki.ca), cert: readFileSync(pki.cert("admin")), key: readFileSync(pki.key("admin")), timeout: 2000,
    }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.end();
  });
}

// ---------------------------------------------------------------------------------------------------
// The node

const containerdSocket = (slot: Slot) => join(slot.runDir, "containerd.sock");

async function startContainerd(slot: Slot, logDir: string, procs: Map<Component, ManagedProcess>, images: ImageKey[]): Promise<void> {
  const cniDir = join(slot.runDir, "cni");
  mkdirSync(cniDir, { recursive: true });
  writeFileSync(join(cniDir, "10-lifeboat.conflist"), JSON.stringify({
    cniVersion: "0.4.0",
    name: `lifeboat-${slot.n}`,
    plugins: [
      {
        type: "bridge", bridge: `cni${slot.n}`, isGateway: true, ipMasq: false, hairpinMode: true,
        ipam: { type: "host-local", ranges: [[{ subnet: slot.podSubnet }]], routes: [{ dst: "0.0.0.0/0" }], dataDir: join(slot.runDir, "cni-ipam") },
      },
    ],
  }, null, 2));
  const config = join(slot.runDir, "containerd.toml");
  writeFileSync(config, containerdConfig(slot, cniDir));
  const proc = startProcess("containerd", "containerd", ["--config", config], join(logDir, "containerd.log"), { netns: slot.netnsPath });
  procs.set("containerd", proc);
  const ctr = (...args: string[]) => execFileSync("ctr", ["--address", containerdSocket(slot), "--namespace", "k8s.io", ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  await waitFor("containerd to answer", () => ctr("version").includes("Server"), { timeoutMs: 30_000, process: proc });
  for (const image of new Set(images)) {
    ctr("images", "import", "--no-unpack=false", paths.image(image));
    if (!ctr("images", "ls", "-q").includes(IMAGE_NAMES[image])) throw new Error(`image ${IMAGE_NAMES[image]} did not load into containerd`);
  }
}

function containerdConfig(slot: Slot, cniDir: string): string {
  return `version = 2
root = "${join(slot.dataDir, "containerd")}"
state = "${join(slot.runDir, "containerd")}"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "${containerdSocket(slot)}"

[ttrpc]
  address = "${containerdSocket(slot)}.ttrpc"

[plugins."io.containerd.internal.v1.opt"]
  path = "${join(slot.dataDir, "opt")}"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${IMAGE_NAMES.pause}"
  # root here lacks CAP_SYS_RESOURCE, so runc may not lower a sandbox's oom_score_adj.
  restrict_oom_score_adj = true
  # Pod network namespaces under this instance's state directory, so a sweep finds and unmounts them.
  netns_mounts_under_state_dir = true
  disable_apparmor = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "${join(slot.runDir, "runc")}"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "${cniDir}"
`;
}

const kubeletRoot = (slot: Slot) => join(slot.runDir, "kubelet");

function startKubelet(slot: Slot, nodeName: string, server: string, pki: Pki, logDir: string, procs: Map<Component, ManagedProcess>, cluster: string): void {
  const root = kubeletRoot(slot);
  mkdirSync(root, { recursive: true });
  const resolvConf = join(slot.runDir, "resolv.conf");
  writeFileSync(resolvConf, "search cluster.local\noptions ndots:1\n");
  const config = join(slot.runDir, "kubelet-config.yaml");
  writeFileSync(config, JSON.stringify({
    apiVersion: "kubelet.config.k8s.io/v1beta1",
    kind: "KubeletConfiguration",
    failCgroupV1: false, // this machine has cgroup v1 only
    cgroupDriver: "cgroupfs",
    cgroupRoot: slot.cgroupRoot,
    failSwapOn: false,
    readOnlyPort: 0,
    address: slot.nodeIp,
    port: 10250,
    healthzBindAddress: "127.0.0.1",
    healthzPort: 10248,
    authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: pki.ca } },
    authorization: { mode: "Webhook" },
    tlsCertFile: pki.cert("kubelet-serving"),
    tlsPrivateKeyFile: pki.key("kubelet-serving"),
    containerRuntimeEndpoint: `unix://${containerdSocket(slot)}`,
    // The disk is shared by every cluster on the machine: never evict or garbage-collect images for it.
    evictionHard: { "memory.available": "50Mi", "nodefs.available": "1%", "nodefs.inodesFree": "1%", "imagefs.available": "1%" },
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    resolvConf,
    clusterDomain: "cluster.local",
    serializeImagePulls: false,
    syncFrequency: "10s",
    fileCheckFrequency: "10s",
    nodeStatusUpdateFrequency: "4s",
    volumePluginDir: join(slot.runDir, "volume-plugins"),
    shutdownGracePeriod: "0s",
  }, null, 2));
  const kubeconfig = join(slot.runDir, "kubelet.kubeconfig");
  writeFileSync(kubeconfig, kubeconfigYaml({
    cluster, server, caFile: pki.ca,
    user: { name: `system:node:${nodeName}`, cert: pki.cert("kubelet"), key: pki.key("kubelet") },
    readFile: (p) => readFileSync(p, "utf8"),
  }), { mode: 0o600 });
  procs.set("kubelet", startProcess("kubelet", bin("kubelet"), [
    `--config=${config}`, `--kubeconfig=${kubeconfig}`, `--root-dir=${root}`,
    `--hostname-override=${nodeName}`, `--node-ip=${slot.nodeIp}`, `--cert-dir=${join(slot.runDir, "kubelet-pki")}`,
  ], join(logDir, "kubelet.log"), { netns: slot.netnsPath }));
}

function startLocalPathStorage(slot: Slot, kubeconfig: string, kubectl: (args: string[], input?: string) => string, logDir: string, procs: Map<Component, ManagedProcess>): string {
  const manifest = readFileSync(join(here, "manifests", "local-path-storage.yaml"), "utf8")
    .replaceAll("${VOLUME_DIR}", join(slot.dataDir, "local-path"))
    .replaceAll("${HELPER_IMAGE}", IMAGE_NAMES.busybox)
    .replaceAll("${STORAGE_CLASS}", STORAGE_CLASS);
  kubectl(["apply", "-f", "-"], manifest);
  procs.set("local-path-provisioner", startProcess("local-path-provisioner", bin("local-path-provisioner"), [
    "start", `--kubeconfig=${kubeconfig}`, "--namespace=local-path-storage",
    "--service-account-name=local-path-provisioner-service-account", `--helper-image=${IMAGE_NAMES.busybox}`,
    "--configmap-name=local-path-config",
  ], join(logDir, "local-path-provisioner.log")));
  return STORAGE_CLASS;
}

/**
 * The CSI driver and its controllers, as host processes of the slot (their arguments name the slot's
 * directories, so a sweep finds them; they die with the test process like every other component).
 * The driver keeps volumes and snapshots under the slot's data directory, serves its socket from
 * the run directory and registers itself with the kubelet through the kubelet's plugins_registry.
 */
function startCsi(slot: Slot, nodeName: string, kubeconfig: string, kubectl: (args: string[], input?: string) => string, logDir: string, procs: Map<Component, ManagedProcess>): void {
  // snapshot-controller refuses to start without its CRDs.
  const crds = paths.manifest("snapshot-crds.yaml");
  kubectl(["apply", "--server-side", "-f", crds]);
  kubectl(["wait", "--for=condition=Established", "--timeout=30s", ...["volumesnapshotclasses", "volumesnapshotcontents", "volumesnapshots"].map((k) => `crd/${k}.snapshot.storage.k8s.io`)]);
  kubectl(["apply", "-f", "-"], readFileSync(join(here, "manifests", "csi-hostpath.yaml"), "utf8")
    .replaceAll("${DRIVER}", CSI_DRIVER_NAME)
    .replaceAll("${STORAGE_CLASS}", CSI_STORAGE_CLASS)
    .replaceAll("${SNAPSHOT_CLASS}", CSI_SNAPSHOT_CLASS));

  const socket = join(slot.runDir, "csi", "csi.sock");
  procs.set("csi-hostpath", startProcess("csi-hostpath", bin("csi-hostpath"), [
    `--endpoint=${socket}`, `--drivername=${CSI_DRIVER_NAME}`, `--nodeid=${nodeName}`,
    `--statedir=${join(slot.dataDir, "csi-hostpath")}`,
    `--registration-path=${join(kubeletRoot(slot), "plugins_registry", `${CSI_DRIVER_NAME}-reg.sock`)}`,
  ], join(logDir, "csi-hostpath.log")));
  const common = [`--kubeconfig=${kubeconfig}`, "--leader-election=false", "--v=2"];
  procs.set("snapshot-controller", startProcess("snapshot-controller", bin("snapshot-controller"), common, join(logDir, "snapshot-controller.log")));
  // Each sidecar waits for the driver's socket by itself.
  procs.set("csi-snapshotter", startProcess("csi-snapshotter", bin("csi-snapshotter"), [...common, `--csi-address=${socket}`, "--timeout=60s"], join(logDir, "csi-snapshotter.log")));
  procs.set("csi-provisioner", startProcess("csi-provisioner", bin("csi-provisioner"), [...common, `--csi-address=${socket}`, "--timeout=60s"], join(logDir, "csi-provisioner.log")));
}

export { KUBERNETES_VERSION };
