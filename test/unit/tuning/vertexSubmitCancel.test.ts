import assert from 'node:assert/strict';
import { VertexBackend, type VertexTuningClient } from '../../../src/core/tuning/vertexBackend';
import type { UploadOptions } from '../../../src/core/vertex/storageUpload';
import type { CreateTuningJobRequest, TuningJob } from '../../../src/core/vertex/types';

/** A client whose create call runs `during` while it is in flight, and honours the signal it is given. */
function fakeClient(during: () => void): { client: VertexTuningClient; creates: CreateTuningJobRequest[] } {
  const creates: CreateTuningJobRequest[] = [];
  const tuningJobs = {
    create: async (body: CreateTuningJobRequest, opts: { signal?: AbortSignal } = {}): Promise<TuningJob> => {
      during();
      await new Promise((resolve) => setImmediate(resolve));
      if (opts.signal?.aborted) throw new Error('create aborted in flight');
      creates.push(body);
      return { name: 'projects/1/locations/us-central1/tuningJobs/7', baseModel: body.baseModel, state: 'JOB_STATE_PENDING' };
    },
  };
  return { client: { tuningJobs, readLoss: async () => ({ train: [], eval: [] }) } as unknown as VertexTuningClient, creates };
}

const uploader = {
  upload: async (opts: UploadOptions) => {
    opts.onProgress?.({ sentBytes: 10, totalBytes: 10 });
    return { gcsUri: `gs://${opts.bucket}/${opts.object}`, object: {}, resumable: false, resumes: 0 };
  },
};

const request = { baseModel: 'gemini-2.5-flash', training: { examples: [{ textInput: 'a', output: 'b' }] } };

describe('Vertex AI backend: Cancel while a spec is submitted', () => {
  it('a cancel during the upload creates no job', async () => {
    const controller = new AbortController();
    const { client, creates } = fakeClient(() => {});
    const backend = new VertexBackend({ client, uploader, stagingBucket: 'b' });
    await assert.rejects(backend.submitJob(request, { signal: controller.signal, onUploadProgress: () => controller.abort() }), /no job was made/);
    assert.deepEqual(creates, []);
  });

  it('a cancel once the create is under way does not cut it: the job the service makes is returned, never lost', async () => {
    const controller = new AbortController();
    const { client, creates } = fakeClient(() => controller.abort());
    const backend = new VertexBackend({ client, uploader, stagingBucket: 'b' });
    const job = await backend.submitJob(request, { signal: controller.signal });
    assert.equal(job.model.name, 'projects/1/locations/us-central1/tuningJobs/7');
    assert.equal(creates.length, 1);
  });
});
