import { Alert, Checkbox, FormGroup, Radio } from "@patternfly/react-core";
import { effectivePathStyle, isS3, type AzureAuthType, type LocationForm } from "./LocationForm";
import { LocationTextField } from "./LocationTextField";

/** The connection and credential fields of one location type; secrets are password fields. */
export function LocationConnectionFields({ form, set }: { form: LocationForm; set(patch: Partial<LocationForm>): void }) {
  const f = form;
  if (isS3(f.type)) {
    return (
      <>
        <LocationTextField
          id="loc-endpoint"
          label="Endpoint"
          isRequired={f.type !== "aws"}
          value={f.endpoint}
          onChange={(endpoint) => set({ endpoint })}
          placeholder={f.type === "aws" ? "" : f.type === "minio" ? "http://10.0.0.5:9000" : "https://flashblade.example.com"}
          helper={f.type === "aws" ? "Leave empty for AWS; set it only for a VPC or FIPS endpoint." : "The S3 URL of the object store, with http:// or https://."}
        />
        <LocationTextField id="loc-region" label="Region" isRequired value={f.region} onChange={(region) => set({ region })} helper={f.type === "aws" ? "The bucket's region, e.g. eu-west-1." : "MinIO and FlashBlade accept any region; us-east-1 is fine."} />
        <LocationTextField id="loc-bucket" label="Bucket" isRequired value={f.bucket} onChange={(bucket) => set({ bucket })} placeholder="backups" />
        <LocationTextField id="loc-prefix" label="Prefix" value={f.prefix} onChange={(prefix) => set({ prefix })} placeholder="clusters/prod" helper="Optional: a folder inside the bucket, so several repositories can share it." />
        <LocationTextField id="loc-access-key" label="Access key ID" isRequired value={f.accessKeyId} onChange={(accessKeyId) => set({ accessKeyId })} />
        <LocationTextField id="loc-secret-key" label="Secret access key" type="password" isRequired value={f.secretAccessKey} onChange={(secretAccessKey) => set({ secretAccessKey })} />
        {f.type === "aws" && (
          <LocationTextField id="loc-session-token" label="Session token" type="password" value={f.sessionToken} onChange={(sessionToken) => set({ sessionToken })} helper="Optional: only for temporary credentials." />
        )}
        <FormGroup role="group" fieldId="loc-s3-options" label="Options" isStack>
          <Checkbox
            id="loc-path-style"
            label="Use path-style addressing"
            description="https://host/bucket/key instead of https://bucket.host/key; needed by most MinIO and FlashBlade setups."
            isChecked={effectivePathStyle(f)}
            onChange={(_e, forcePathStyle) => set({ forcePathStyle })}
          />
          <Checkbox
            id="loc-skip-tls"
            label="Skip TLS verification"
            description="Accepts any certificate the endpoint presents."
            isChecked={f.insecureSkipTlsVerify}
            onChange={(_e, insecureSkipTlsVerify) => set({ insecureSkipTlsVerify })}
          />
        </FormGroup>
        {f.insecureSkipTlsVerify && (
          <Alert component="h3" variant="warning" isInline title="TLS verification is off">
            Anyone between Lifeboat and the object store could read or change backups in transit. Prefer giving the CA certificate below.
          </Alert>
        )}
        <LocationTextField id="loc-ca" label="CA certificate (PEM)" multiline value={f.caBundle} onChange={(caBundle) => set({ caBundle })} placeholder="-----BEGIN CERTIFICATE-----" helper="Optional: the CA that signed the endpoint's certificate, for a private CA." />
      </>
    );
  }
  if (f.type === "azure") {
    const auth = (a: AzureAuthType, label: string) => (
      <Radio id={`loc-azure-${a}`} name="loc-azure-auth" label={label} isChecked={f.azureAuth === a} onChange={() => set({ azureAuth: a })} />
    );
    return (
      <>
        <FormGroup role="radiogroup" fieldId="loc-azure-auth" label="Authentication" isStack>
          {auth("account-key", "Account key")}
          {auth("sas", "SAS token")}
          {auth("connection-string", "Connection string")}
        </FormGroup>
        {f.azureAuth === "account-key" && (
          <>
            <LocationTextField id="loc-azure-account" label="Account name" isRequired value={f.accountName} onChange={(accountName) => set({ accountName })} placeholder="mystorageaccount" />
            <LocationTextField id="loc-azure-key" label="Account key" type="password" isRequired value={f.accountKey} onChange={(accountKey) => set({ accountKey })} helper="The base64 key under Access keys in the Azure portal." />
            <LocationTextField id="loc-azure-endpoint" label="Endpoint" value={f.azureEndpoint} onChange={(azureEndpoint) => set({ azureEndpoint })} helper="Optional: defaults to https://<account name>.blob.core.windows.net." />
          </>
        )}
        {f.azureAuth === "sas" && (
          <>
            <LocationTextField id="loc-azure-endpoint" label="Endpoint" isRequired value={f.azureEndpoint} onChange={(azureEndpoint) => set({ azureEndpoint })} placeholder="https://mystorageaccount.blob.core.windows.net" />
            <LocationTextField id="loc-azure-sas" label="SAS token" type="password" isRequired value={f.sasToken} onChange={(sasToken) => set({ sasToken })} helper="sv=…&sig=…; it needs read, write, list and delete permissions." />
          </>
        )}
        {f.azureAuth === "connection-string" && (
          <LocationTextField id="loc-azure-cs" label="Connection string" type="password" isRequired value={f.connectionString} onChange={(connectionString) => set({ connectionString })} helper="DefaultEndpointsProtocol=…;AccountName=…;AccountKey=…" />
        )}
        <LocationTextField id="loc-container" label="Container" isRequired value={f.container} onChange={(container) => set({ container })} placeholder="backups" />
        <LocationTextField id="loc-prefix" label="Prefix" value={f.prefix} onChange={(prefix) => set({ prefix })} placeholder="clusters/prod" helper="Optional: a folder inside the container." />
      </>
    );
  }
  if (f.type === "gcs") {
    return (
      <>
        <LocationTextField id="loc-gcs-access" label="Access key ID" isRequired value={f.hmacAccessId} onChange={(hmacAccessId) => set({ hmacAccessId })} placeholder="GOOG1E…" helper="An HMAC key of a service account (Cloud Storage → Settings → Interoperability)." />
        <LocationTextField id="loc-gcs-secret" label="Secret" type="password" isRequired value={f.hmacSecret} onChange={(hmacSecret) => set({ hmacSecret })} />
        <LocationTextField id="loc-bucket" label="Bucket" isRequired value={f.bucket} onChange={(bucket) => set({ bucket })} placeholder="backups" />
        <LocationTextField id="loc-prefix" label="Prefix" value={f.prefix} onChange={(prefix) => set({ prefix })} placeholder="clusters/prod" helper="Optional: a folder inside the bucket." />
        <LocationTextField id="loc-endpoint" label="Endpoint" value={f.endpoint} onChange={(endpoint) => set({ endpoint })} helper="Optional: defaults to https://storage.googleapis.com." />
      </>
    );
  }
  return (
    <LocationTextField
      id="loc-folder"
      label="Folder path"
      isRequired
      value={f.path}
      onChange={(path) => set({ path })}
      placeholder="/mnt/backups"
      helper="An absolute path on the machine running the engine, e.g. /mnt/backups or \\nas\backups."
    />
  );
}
