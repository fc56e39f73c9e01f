import { type Exchange, sendJson } from '../exchange';
import { ServerError, invalidField } from '../httpErrors';
import { queryParam } from '../wire';
import { parentName } from './names';
import type { TuningJobRecord, TuningJobStore } from './tuningJobStore';
import { experimentName } from './tuningJobWire';

/** The run every tuning experiment has. */
const RUN_ID = 'run-1';

/** A time series of the run: its id, its tag, and its points among a job's step snapshots. */
interface SeriesKind {
  id: string;
  tag: string;
  points(job: TuningJobRecord): { step: number; value: number; wallTime: string }[];
}

const SERIES: readonly SeriesKind[] = [
  { id: '1', tag: '/train_total_loss', points: (job) => job.snapshots.map((s) => ({ step: s.step, value: s.meanLoss, wallTime: s.computeTime })) },
  {
    id: '2',
    tag: '/eval_total_loss',
    points: (job) => job.snapshots.flatMap((s) => (s.evalLoss === undefined ? [] : [{ step: s.step, value: s.evalLoss, wallTime: s.computeTime }])),
  },
];

/** A job has the validation series only when it was given a validation dataset. */
function seriesOf(job: TuningJobRecord): readonly SeriesKind[] {
  return job.spec.validationDatasetUri ? SERIES : SERIES.filter((k) => !k.tag.startsWith('/eval_'));
}

const PREFIX = String.raw`^\/(?:v1|v1beta1)\/projects\/([^/]+)\/locations\/([^/]+)\/`;
const CONTEXT_RE = new RegExp(`${PREFIX}metadataStores\\/default\\/contexts(?:\\/([^/:]+))?$`);
const SERIES_RE = new RegExp(`${PREFIX}tensorboards\\/(\\d+)\\/experiments\\/([^/]+)\\/runs\\/([^/]+)\\/timeSeries(?:\\/([^/:]+)(?::(read))?)?$`);
const BATCH_RE = new RegExp(`${PREFIX}tensorboards\\/(\\d+):batchRead$`);

/**
 * The read side of a tuning job's metrics, as a client walks it: the experiment Context (its
 * backing TensorBoard), the ExperimentRun context under it, the run's time series, and their
 * values. Each job has its own TensorBoard (numbered like the job) with one run and the series
 * `/train_total_loss`, one point per completed step, and with a validation set
 * `/eval_total_loss` at each evaluation step, both live while the job runs.
 */
export class MetricsApi {
  constructor(private readonly jobs: TuningJobStore) {}

  static serves(pathname: string): boolean {
    return CONTEXT_RE.test(pathname) || SERIES_RE.test(pathname) || BATCH_RE.test(pathname);
  }

  handle(ex: Exchange, projectNumberOf: (p: string) => string): void {
    if (ex.method !== 'GET') throw new ServerError('NOT_FOUND', `No method serves ${ex.method} ${ex.url.pathname} on this server.`);
    const pathname = ex.url.pathname;
    let m = CONTEXT_RE.exec(pathname);
    if (m) {
      const parent = parentName(projectNumberOf(m[1]), m[2]);
      if (m[3] !== undefined) return sendJson(ex, 200, this.context(parent, decodeURIComponent(m[3])));
      return sendJson(ex, 200, this.listContexts(parent, queryParam(ex.url.searchParams, 'filter') ?? ''));
    }
    m = SERIES_RE.exec(pathname);
    if (m) {
      const job = this.jobOfTensorboard(parentName(projectNumberOf(m[1]), m[2]), m[3]);
      if (decodeURIComponent(m[4]) !== job.experimentId || m[5] !== RUN_ID) throw new ServerError('NOT_FOUND', `TensorboardRun ${pathname} not found.`);
      if (m[6] === undefined) return sendJson(ex, 200, { tensorboardTimeSeries: seriesOf(job).map((kind) => this.series(job, kind)) });
      const kind = seriesOf(job).find((k) => k.id === m?.[6]);
      if (!kind) throw new ServerError('NOT_FOUND', `TensorboardTimeSeries ${pathname} not found.`);
      if (m[7] === 'read') return sendJson(ex, 200, { timeSeriesData: this.data(job, kind) });
      return sendJson(ex, 200, this.series(job, kind));
    }
    m = BATCH_RE.exec(pathname);
    if (m) {
      const job = this.jobOfTensorboard(parentName(projectNumberOf(m[1]), m[2]), m[3]);
      const wanted = ex.url.searchParams.getAll('timeSeries').concat(ex.url.searchParams.getAll('time_series'));
      if (wanted.length === 0) throw invalidField('time_series', 'name at least one time series.');
      const withoutProject = (name: string): string => name.replace(/^projects\/[^/]+/, '');
      return sendJson(ex, 200, {
        timeSeriesData: wanted.map((name) => {
          const kind = seriesOf(job).find((k) => withoutProject(this.series(job, k).name as string) === withoutProject(name));
          if (!kind) throw new ServerError('NOT_FOUND', `TensorboardTimeSeries ${name} not found.`);
          return this.data(job, kind);
        }),
      });
    }
    throw new ServerError('NOT_FOUND', `No method serves GET ${pathname} on this server.`);
  }

  private jobByExperiment(parent: string, contextId: string): TuningJobRecord | undefined {
    return this.jobs.all().find((j) => j.plan && parentName(j.projectNumber, j.location) === parent && j.experimentId === contextId);
  }

  private jobOfTensorboard(parent: string, tensorboardId: string): TuningJobRecord {
    const job = this.jobs.get(tensorboardId);
    if (!job || !job.plan || parentName(job.projectNumber, job.location) !== parent) throw new ServerError('NOT_FOUND', `Tensorboard ${parent}/tensorboards/${tensorboardId} not found.`);
    return job;
  }

  private tensorboard(job: TuningJobRecord): string {
    return `${parentName(job.projectNumber, job.location)}/tensorboards/${job.id}`;
  }

  private context(parent: string, contextId: string): unknown {
    const runSuffix = `-${RUN_ID}`;
    const isRun = contextId.endsWith(runSuffix);
    const job = this.jobByExperiment(parent, isRun ? contextId.slice(0, -runSuffix.length) : contextId);
    if (!job) throw new ServerError('NOT_FOUND', `Context ${parent}/metadataStores/default/contexts/${contextId} not found.`);
    return isRun ? this.runContext(job) : this.experimentContext(job);
  }

  private experimentContext(job: TuningJobRecord): Record<string, unknown> {
    return {
      name: experimentName(job),
      displayName: job.experimentId,
      etag: job.updateTime,
      createTime: job.startTime ?? job.createTime,
      updateTime: job.updateTime,
      schemaTitle: 'system.Experiment',
      schemaVersion: '0.0.1',
      metadata: { experiment_deleted: false, backing_tensorboard_resource: this.tensorboard(job) },
    };
  }

  private runContext(job: TuningJobRecord): Record<string, unknown> {
    return {
      name: `${experimentName(job)}-${RUN_ID}`,
      displayName: RUN_ID,
      etag: job.updateTime,
      createTime: job.startTime ?? job.createTime,
      updateTime: job.updateTime,
      parentContexts: [experimentName(job)],
      schemaTitle: 'system.ExperimentRun',
      schemaVersion: '0.0.1',
      metadata: { state: job.state === 'JOB_STATE_RUNNING' ? 'RUNNING' : 'COMPLETE' },
    };
  }

  /** Supports the filter python-aiplatform builds: `schema_title="…" AND parent_contexts:"…"`. */
  private listContexts(parent: string, filter: string): unknown {
    let schema: string | undefined;
    let parentContext: string | undefined;
    for (const term of filter.split(/\s+AND\s+/).filter((t) => t.trim() !== '')) {
      const s = /^\s*schema_title\s*=\s*"([^"]*)"\s*$/.exec(term);
      const p = /^\s*parent_contexts\s*:\s*"([^"]*)"\s*$/.exec(term);
      if (s) schema = s[1];
      else if (p) parentContext = p[1];
      else throw invalidField('filter', `supports schema_title="…" and parent_contexts:"…" joined by AND; got ${JSON.stringify(term)}.`);
    }
    const contexts: Record<string, unknown>[] = [];
    for (const job of this.jobs.all()) {
      if (!job.plan || parentName(job.projectNumber, job.location) !== parent) continue;
      for (const c of [this.experimentContext(job), this.runContext(job)]) {
        if (schema !== undefined && c.schemaTitle !== schema) continue;
        if (parentContext !== undefined && !((c.parentContexts as string[] | undefined) ?? []).some((pc) => pc.replace(/^projects\/[^/]+/, '') === parentContext.replace(/^projects\/[^/]+/, ''))) continue;
        contexts.push(c);
      }
    }
    return contexts.length > 0 ? { contexts } : {};
  }

  private series(job: TuningJobRecord, kind: SeriesKind): Record<string, unknown> {
    const points = kind.points(job);
    const last = points[points.length - 1];
    return {
      name: `${this.tensorboard(job)}/experiments/${job.experimentId}/runs/${RUN_ID}/timeSeries/${kind.id}`,
      displayName: kind.tag,
      valueType: 'SCALAR',
      pluginName: 'scalars',
      createTime: job.startTime ?? job.createTime,
      updateTime: job.updateTime,
      ...(last ? { metadata: { maxStep: String(last.step), maxWallTime: last.wallTime } } : {}),
    };
  }

  private data(job: TuningJobRecord, kind: SeriesKind): Record<string, unknown> {
    return {
      tensorboardTimeSeriesId: kind.id,
      valueType: 'SCALAR',
      values: kind.points(job).map((p) => ({ wallTime: p.wallTime, step: String(p.step), scalar: { value: p.value } })),
    };
  }
}
