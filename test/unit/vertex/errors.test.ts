import assert from 'node:assert/strict';
import { ApiError, type ApiErrorInit } from '../../../src/core/api/errors';
import { explainVertexError, permissionOf } from '../../../src/core/vertex/errors';

const JOBS = 'projects/my-proj/locations/us-central1';
const api = (init: Partial<ApiErrorInit> & { httpStatus: number; message: string }) =>
  new ApiError({ method: 'tuningJobs.create', httpMethod: 'POST', resource: JOBS, ...init });

describe('Vertex AI errors for people', () => {
  it('401: run the login command', () => {
    const text = explainVertexError(api({ httpStatus: 401, status: 'UNAUTHENTICATED', message: 'Request had invalid authentication credentials.' }));
    assert.match(text, /^tuningJobs\.create projects\/my-proj\/locations\/us-central1 failed \(401 UNAUTHENTICATED\): Request had invalid/);
    assert.match(text, /gcloud auth application-default login/);
  });

  it('403: names the missing permission from ErrorInfo or from the message', () => {
    const info = api({
      httpStatus: 403,
      status: 'PERMISSION_DENIED',
      message: "Permission denied on resource project my-proj.",
      details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'IAM_PERMISSION_DENIED', domain: 'aiplatform.googleapis.com', metadata: { permission: 'aiplatform.tuningJobs.create' } }],
    });
    assert.equal(permissionOf(info), 'aiplatform.tuningJobs.create');
    assert.match(explainVertexError(info), /lacks the permission aiplatform\.tuningJobs\.create.*roles\/aiplatform\.user/);
    const text = api({ httpStatus: 403, status: 'PERMISSION_DENIED', message: "Permission 'aiplatform.endpoints.predict' denied on resource '//aiplatform.googleapis.com/projects/p' (or it may not exist)." });
    assert.equal(permissionOf(text), 'aiplatform.endpoints.predict');
    const bucket = new ApiError({ httpStatus: 403, status: 'forbidden', message: 'sa@p.iam.gserviceaccount.com does not have storage.objects.create access to the Google Cloud Storage object.', method: 'storage.objects.insert', httpMethod: 'POST', resource: 'gs://b/x.jsonl' });
    assert.match(explainVertexError(bucket), /lacks the permission storage\.objects\.create.*on the bucket b/);
  });

  it('404 on a bucket says how to create it; 404 on a job says to refresh', () => {
    const missing = new ApiError({ httpStatus: 404, status: 'notFound', message: 'The specified bucket does not exist.', method: 'storage.objects.insert', httpMethod: 'POST', resource: 'gs://no-such/x.jsonl' });
    assert.match(explainVertexError(missing), /bucket no-such exists .*geminiTuning\.vertex\.stagingBucket.*gcloud storage buckets create gs:\/\/no-such/);
    assert.match(explainVertexError(api({ httpStatus: 404, status: 'NOT_FOUND', message: 'The TuningJob does not exist.' })), /refresh the view/);
  });

  it('429 says when to try again, 400 on a location names the setting, 5xx says to retry', () => {
    const quota = api({ httpStatus: 429, status: 'RESOURCE_EXHAUSTED', message: 'Resource exhausted.', retryAfterMs: 30_000 });
    assert.match(explainVertexError(quota), /try again in 30 s.*Quotas/);
    assert.match(explainVertexError(api({ httpStatus: 429, message: 'Resource exhausted.' })), /try again later/);
    assert.match(explainVertexError(api({ httpStatus: 400, status: 'INVALID_ARGUMENT', message: 'Tuning is not supported in location asia-south2.' })), /geminiTuning\.vertex\.location/);
    const fields = api({ httpStatus: 400, status: 'INVALID_ARGUMENT', message: 'bad', details: [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field: 'tuning_job.base_model', description: 'is required.' }] }] });
    assert.match(explainVertexError(fields), /Fix: tuning_job\.base_model is required\./);
    assert.match(explainVertexError(api({ httpStatus: 503, message: 'unavailable' })), /try again in a minute/);
    assert.equal(explainVertexError(new Error('plain')), 'plain');
  });
});
