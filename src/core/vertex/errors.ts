import { ApiError, NetworkError } from '../api/errors';
import { ADC_LOGIN_COMMAND, CredentialsError } from './auth';
import { UploadIncompleteError } from './storageUpload';

/**
 * One message for a person about a failed Vertex AI or Cloud Storage call: what failed, why, and
 * what to do. The service's own text is kept; the advice is added where the failure is a known one.
 */
export function explainVertexError(err: unknown): string {
  if (err instanceof CredentialsError || err instanceof UploadIncompleteError) return err.message;
  if (err instanceof NetworkError) return err.message;
  if (!(err instanceof ApiError)) return err instanceof Error ? err.message : String(err);
  const where = err.resource ? `${err.method} ${err.resource}` : err.method;
  const said = err.message.trim();
  const storage = err.resource?.startsWith('gs://') === true;
  const bucket = storage ? /^gs:\/\/([^/]+)/.exec(err.resource ?? '')?.[1] : undefined;
  let advice: string;
  switch (err.httpStatus) {
    case 401:
      advice = `The credentials were refused (missing or expired). Run \`${ADC_LOGIN_COMMAND}\` and try again.`;
      break;
    case 403: {
      const permission = permissionOf(err);
      advice = permission
        ? `The account lacks the permission ${permission}. Ask a project owner to grant a role that has it${storage ? ` on the bucket ${bucket ?? ''}` : ' (for tuning, Vertex AI User: roles/aiplatform.user)'}, or check that the API is enabled in the project.`
        : storage
          ? `The account may not write to the bucket ${bucket ?? ''}; it needs storage.objects.create there (e.g. Storage Object User).`
          : 'The account may not do this in the project, or the Vertex AI API is not enabled there: check the project in geminiTuning.vertex.project and the account\'s roles (Vertex AI User).';
      break;
    }
    case 404:
      advice = storage
        ? `Check that the bucket ${bucket ?? ''} exists and is spelled right in geminiTuning.vertex.stagingBucket (create it with \`gcloud storage buckets create gs://${bucket ?? 'BUCKET'} --location=REGION\`).`
        : 'It may have been deleted, or belong to another project or location: refresh the view, and check geminiTuning.vertex.project and .location.';
      break;
    case 429:
      advice = err.retryDelayMs !== undefined
        ? `The quota is used up; try again in ${Math.ceil(err.retryDelayMs / 1000)} s, or ask for more quota in the Google Cloud console (IAM & Admin → Quotas).`
        : 'The quota is used up; try again later, or ask for more quota in the Google Cloud console (IAM & Admin → Quotas).';
      break;
    case 400:
      advice = /location|region/i.test(said)
        ? 'Pick a location that serves Gemini tuning, such as us-central1, in geminiTuning.vertex.location.'
        : err.fieldViolations.length > 0
          ? `Fix: ${err.fieldViolations.map((v) => `${v.field ?? ''} ${v.description ?? ''}`.trim()).join('; ')}.`
          : 'Check the tuning spec against the service\'s message.';
      break;
    default:
      advice = err.httpStatus >= 500 ? 'The service failed on its side; try again in a minute.' : '';
  }
  const code = err.status ? `${err.httpStatus} ${err.status}` : String(err.httpStatus);
  return `${where} failed (${code}): ${said}${advice ? ` ${advice}` : ''}`;
}

/** The permission a 403 names: ErrorInfo's `metadata.permission`, or the text `Permission 'x' denied`. */
export function permissionOf(err: ApiError): string | undefined {
  const fromInfo = err.errorInfo?.metadata?.permission;
  if (typeof fromInfo === 'string' && fromInfo) return fromInfo;
  return /Permission '([^']+)' denied/.exec(err.message)?.[1] ?? /does not have ([a-z]+\.[a-zA-Z.]+) access/.exec(err.message)?.[1];
}
