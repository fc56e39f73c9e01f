// Loaded with `import()` only once the Vertex AI backend is chosen, so that activation pays nothing for it.
import { ApplicationDefaultCredentials, staticAccessToken, type AccessTokenProvider } from '../../core/vertex/auth';
import { VertexClient } from '../../core/vertex/client';
import { StorageUploader } from '../../core/vertex/storageUpload';
import { VertexBackend } from '../../core/tuning/vertexBackend';
import type { ProxySettings } from './settings';

/** Where training data goes on the local server's Vertex AI twin when no staging bucket is set. */
export const LOCAL_SERVER_STAGING_BUCKET = 'local-tuning-staging';

export interface VertexConnectionOptions {
  readonly project: string;
  readonly location: string;
  /** The Vertex AI endpoint override; undefined for Google's regional host. */
  readonly baseUrl?: string;
  readonly stagingBucket?: string;
  /** Set when `baseUrl` is a local tuning server: the token its Vertex AI twin expects, instead of Google credentials. */
  readonly localServerToken?: string;
  /** Set for "Vertex AI, offline": the staging bucket (by default LOCAL_SERVER_STAGING_BUCKET) is made on first upload. */
  readonly onLocalServer?: boolean;
  readonly proxy: ProxySettings;
  readonly env: NodeJS.ProcessEnv;
  readonly log: (line: string) => void;
}

export interface VertexConnection {
  readonly backend: VertexBackend;
  close(): Promise<void>;
}

/** A Vertex AI client, an uploader and the backend over them, for the given settings. */
export function openVertexConnection(opts: VertexConnectionOptions): VertexConnection {
  const credentials: AccessTokenProvider =
    opts.localServerToken !== undefined ? staticAccessToken(opts.localServerToken) : new ApplicationDefaultCredentials({ project: opts.project, env: opts.env });
  const accessToken = () => credentials.getToken();
  const client = new VertexClient({
    project: opts.project,
    location: opts.location,
    baseUrl: opts.baseUrl,
    accessToken,
    proxy: opts.proxy,
    log: opts.log,
  });
  const uploader = new StorageUploader({
    // The local server serves the Cloud Storage subset on the same port as its Vertex AI twin.
    baseUrl: opts.localServerToken !== undefined ? opts.baseUrl : undefined,
    accessToken,
    proxy: opts.proxy,
    log: opts.log,
  });
  const onLocalServer = opts.onLocalServer === true;
  const stagingBucket = opts.stagingBucket ?? (onLocalServer ? LOCAL_SERVER_STAGING_BUCKET : undefined);
  let bucketReady: Promise<void> | undefined;
  // The local server's Cloud Storage is this machine's own folder, so its staging bucket is made on first use.
  const upload: StorageUploader['upload'] = async (upload) => {
    if (onLocalServer && stagingBucket) {
      bucketReady ??= uploader.ensureBucket(stagingBucket, opts.project, upload.signal).catch((error: unknown) => {
        bucketReady = undefined;
        throw error;
      });
      await bucketReady;
    }
    return uploader.upload(upload);
  };
  const backend = new VertexBackend({ client, uploader: { upload }, stagingBucket, log: opts.log });
  return {
    backend,
    close: async () => {
      await Promise.allSettled([client.close(), uploader.close()]);
    },
  };
}
