// The certificates a test cluster needs, made with openssl: one CA, serving certificates for the API
// server and the kubelet, client certificates for each component and the admin, and the service
// account signing key. EC P-256 keys keep this to a few tens of milliseconds.
import { writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { sh } from "./proc";

export interface CertRequest {
  /** File stem: writes NAME.crt and NAME.key. */
  name: string;
  cn: string;
  org?: string;
  /** Subject alternative names, e.g. "IP:10.0.0.1", "DNS:kubernetes". */
  sans?: string[];
  usage: "server" | "client" | "both";
}

export interface Pki {
  dir: string;
  ca: string;
  caKey: string;
  cert(name: string): string;
  key(name: string): string;
}

function newKey(path: string): void {
  sh("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path]);
}

export function createPki(dir: string, caName: string, requests: CertRequest[]): Pki {
  mkdirSync(dir, { recursive: true });
  const ca = join(dir, "ca.crt");
  const caKey = join(dir, "ca.key");
  newKey(caKey);
  sh("openssl", ["req", "-x509", "-new", "-key", caKey, "-subj", `/CN=${caName}`, "-days", "3650", "-out", ca,
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);

  for (const r of requests) {
    const key = join(dir, `${r.name}.key`);
    const csr = join(dir, `${r.name}.csr`);
    const ext = join(dir, `${r.name}.ext`);
    newKey(key);
    const subject = `/CN=${r.cn}${r.org ? `/O=${r.org}` : ""}`;
    sh("openssl", ["req", "-new", "-key", key, "-subj", subject, "-out", csr]);
    const eku = { server: "serverAuth", client: "clientAuth", both: "serverAuth,clientAuth" }[r.usage];
    writeFileSync(ext, [
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature,keyEncipherment",
      `extendedKeyUsage=${eku}`,
      ...(r.sans?.length ? [`subjectAltName=${r.sans.join(",")}`] : []),
    ].join("\n") + "\n");
    sh("openssl", ["x509", "-req", "-in", csr, "-CA", ca, "-CAkey", caKey, "-CAcreateserial", "-days", "3650",
      "-extfile", ext, "-out", join(dir, `${r.name}.crt`)]);
  }
  // Service account tokens are signed with this key pair.
  newKey(join(dir, "sa.key"));
  sh("openssl", ["pkey", "-in", join(dir, "sa.key"), "-pubout", "-out", join(dir, "sa.pub")]);

  return {
    dir,
    ca,
    caKey,
    cert: (name) => join(dir, `${name}.crt`),
    key: (name) => join(dir, `${name}.key`),
  };
}

export interface KubeconfigUser {
  name: string;
  cert: string;
  key: string;
}

/** A kubeconfig with embedded certificates, so it stays valid when copied elsewhere. */
export function kubeconfigYaml(opts: { cluster: string; server: string; caFile: string; user: KubeconfigUser; namespace?: string; readFile: (p: string) => string }): string {
  const b64 = (p: string) => Buffer.from(opts.readFile(p)).toString("base64");
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    `- name: ${opts.cluster}`,
    "  cluster:",
    `    server: ${opts.server}`,
    `    certificate-authority-data: ${b64(opts.caFile)}`,
    "users:",
    `- name: ${opts.user.name}`,
    "  user:",
    `    client-certificate-data: ${b64(opts.user.cert)}`,
    `    client-key-data: ${b64(opts.user.key)}`,
    "contexts:",
    `- name: ${opts.cluster}`,
    "  context:",
    `    cluster: ${opts.cluster}`,
    `    user: ${opts.user.name}`,
    ...(opts.namespace ? [`    namespace: ${opts.namespace}`] : []),
    `current-context: ${opts.cluster}`,
    "",
  ].join("\n");
}
