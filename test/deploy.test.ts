/**
 * The Kubernetes recipe (deploy/kubernetes/): each manifest is a valid
 * object of the Kubernetes API (checked against the kubernetes-models
 * package's schemas of the API), holds what a fleet run needs (an Indexed
 * Job spread one pod per node, the document on stdout under the node's name,
 * a deadline, resource requests), asks for exactly the privilege its route
 * needs, and runs arguments the tool itself accepts. collect.sh is run for
 * real against a stand-in kubectl that serves recorded pod logs.
 */
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Job } from 'kubernetes-models/batch/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseRunArgs } from '../src/commands/run.js';
import { PACKAGE_ROOT } from '../src/common/paths.js';
import { documentText } from '../src/document/writer.js';
import { expand, loadSuite } from '../src/plan/suite.js';
import { CLI } from './helpers/cli.js';
import { runDocument } from './helpers/fixtures.js';

const DIR = join(PACKAGE_ROOT, 'deploy', 'kubernetes');
const MANIFESTS = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function load(file: string): Obj[] {
  const docs = parseAllDocuments(readFileSync(join(DIR, file), 'utf8'));
  for (const d of docs) if (d.errors.length > 0) throw new Error(`${file}: ${d.errors[0]?.message}`);
  return docs.map((d) => obj(d.toJS()));
}

/** The API's own checks: types, required fields and enums, as kubernetes-models' schemas of the Kubernetes API have them. */
function apiProblems(o: Obj): string[] {
  if (o['apiVersion'] !== 'batch/v1' || o['kind'] !== 'Job') return [`not a batch/v1 Job: ${String(o['apiVersion'])} ${String(o['kind'])}`];
  try {
    new Job(o as ConstructorParameters<typeof Job>[0]).validate();
    return [];
  } catch (e) {
    return [(e as Error).message];
  }
}

/**
 * What a fleet run needs of its Job, beyond what the API checks: a field the
 * API does not know is ignored by it (a typo of hostUsers would put the pod
 * in the node's user namespace), so the fields that matter are read back.
 */
function fleetProblems(o: Obj, route: 'userns' | 'host'): string[] {
  const out: string[] = [];
  const spec = obj(o['spec']);
  const template = obj(spec['template']);
  const pod = obj(template['spec']);
  const labels = obj(obj(template['metadata'])['labels']);
  const containers = list(pod['containers']).map(obj);
  const c = containers[0] ?? {};
  const sc = obj(c['securityContext']);
  const caps = obj(sc['capabilities']);
  const need = (ok: boolean, what: string): void => {
    if (!ok) out.push(what);
  };
  need(spec['completionMode'] === 'Indexed', 'spec.completionMode: Indexed (one pod per completion index)');
  need(
    typeof spec['completions'] === 'number' && spec['completions'] === spec['parallelism'],
    'spec.completions equal to spec.parallelism (every node at once)',
  );
  need(spec['backoffLimit'] === 0, 'spec.backoffLimit: 0 (a failed run is a finding, not retried on another node)');
  need(typeof spec['activeDeadlineSeconds'] === 'number', 'spec.activeDeadlineSeconds (a deadline)');
  need(pod['restartPolicy'] === 'Never', 'restartPolicy: Never');
  const selects = (sel: unknown): boolean => {
    const m = obj(obj(sel)['matchLabels']);
    return Object.keys(m).length > 0 && Object.entries(m).every(([k, v]) => labels[k] === v);
  };
  const spread = list(pod['topologySpreadConstraints'])
    .map(obj)
    .some(
      (t) => t['topologyKey'] === 'kubernetes.io/hostname' && t['maxSkew'] === 1 && t['whenUnsatisfiable'] === 'DoNotSchedule' && selects(t['labelSelector']),
    );
  const anti = list(obj(obj(pod['affinity'])['podAntiAffinity'])['requiredDuringSchedulingIgnoredDuringExecution'])
    .map(obj)
    .some((t) => t['topologyKey'] === 'kubernetes.io/hostname' && selects(t['labelSelector']));
  need(spread && anti, "one pod per node: a hostname topology spread and a required anti-affinity that select the template's labels");
  need(containers.length === 1, 'one container');
  const args = list(c['args']).map(String);
  need(args[0] === 'run' && args.join(' ').includes('--json -'), 'args: run ... --json - (the document is the log)');
  need(args[args.indexOf('--label') + 1] === '$(NODE_NAME)', 'args: --label $(NODE_NAME)');
  const nodeName = list(c['env'])
    .map(obj)
    .find((e) => e['name'] === 'NODE_NAME');
  need(obj(obj(obj(nodeName)['valueFrom'])['fieldRef'])['fieldPath'] === 'spec.nodeName', 'env NODE_NAME from spec.nodeName');
  const requests = obj(obj(c['resources'])['requests']);
  need(requests['cpu'] !== undefined && requests['memory'] !== undefined, 'resources.requests: cpu and memory');
  need(obj(obj(c['resources'])['limits'])['cpu'] === undefined, 'no CPU limit (throttling would be measured)');
  need(sc['privileged'] !== true && sc['allowPrivilegeEscalation'] === false, 'not privileged, no privilege escalation');
  need(JSON.stringify(caps['drop']) === '["ALL"]', 'capabilities.drop: [ALL]');
  const podSc = obj(pod['securityContext']);
  const runAsUser = sc['runAsUser'] ?? podSc['runAsUser'];
  if (route === 'userns') {
    need(
      (sc['runAsNonRoot'] ?? podSc['runAsNonRoot']) === true && typeof runAsUser === 'number' && runAsUser !== 0,
      'runAsNonRoot: true and a runAsUser other than 0 (the route needs no root)',
    );
    need(pod['hostUsers'] === false, 'hostUsers: false (a user-namespaced pod)');
    need(caps['add'] === undefined, 'no capability added (the user-namespace route needs none)');
    need(pod['hostIPC'] !== true, 'not in the node IPC namespace');
    need(!args.includes('host') && args[args.indexOf('--mode') + 1] === 'shared,isolated', '--mode shared,isolated (host would be the pod namespace)');
  } else {
    need(pod['hostIPC'] === true, 'hostIPC: true (host mode measures the node IPC namespace)');
    need(JSON.stringify(caps['add']) === '["SYS_ADMIN"]', 'capabilities.add: [SYS_ADMIN], and nothing else');
    need(pod['hostUsers'] !== false, 'hostUsers not false (CAP_SYS_ADMIN must hold in the node user namespace)');
    need(runAsUser === 0, 'runAsUser: 0 (an added capability is effective only in root, and the image runs as 65534)');
  }
  return out;
}

const routeOf = (file: string): 'userns' | 'host' => (file.includes('userns') ? 'userns' : 'host');

const CONTAINERFILE = readFileSync(join(PACKAGE_ROOT, 'Containerfile'), 'utf8');

/** The Containerfile's instructions: continuation lines joined, comments and blank lines left out. */
function instructions(text: string): { op: string; args: string }[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const [op = '', ...rest] = l.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

/** The image's user (its last USER), or undefined when it has none and runs as root. */
function imageUser(text: string): string | undefined {
  return instructions(text)
    .filter((i) => i.op === 'USER')
    .at(-1)?.args;
}

/** What the image must be: built from a base pinned by digest, and run as a user other than root. */
function containerProblems(text: string): string[] {
  const out: string[] = [];
  const from = instructions(text).filter((i) => i.op === 'FROM');
  if (from.length === 0) out.push('no FROM');
  for (const f of from) {
    if (!/^(?:--platform=\S+\s+)?\S+@sha256:[0-9a-f]{64}(?:\s+AS\s+\S+)?$/i.test(f.args))
      out.push(`FROM ${f.args}: not pinned by digest (@sha256: and 64 hex digits)`);
  }
  const user = imageUser(text);
  const name = user?.split(':')[0] ?? '';
  if (user === undefined) out.push('no USER: the image runs as root');
  else if (name === '' || name === '0' || name === 'root') out.push(`USER ${user}: root`);
  const ops = instructions(text).map((i) => i.op);
  if (ops.lastIndexOf('USER') < ops.lastIndexOf('FROM')) out.push('USER before the last FROM: the image does not keep it');
  return out;
}

describe('Containerfile', () => {
  it('builds from a base image pinned by digest, and runs as a user other than root', () => {
    expect(containerProblems(CONTAINERFILE)).toEqual([]);
    expect(imageUser(CONTAINERFILE)).toBe('65534:65534');
  });

  it('fails a tag instead of a digest, a short digest, USER root or 0, and no USER', () => {
    const from = /^FROM .*$/m.exec(CONTAINERFILE)?.[0] ?? '';
    expect(from).toMatch(/@sha256:/);
    const replaced = (a: string | RegExp, b: string): string[] => containerProblems(CONTAINERFILE.replace(a, b));
    expect(replaced(from, 'FROM docker.io/library/node:20-bookworm-slim').join()).toMatch(/not pinned by digest/);
    expect(replaced(from, from.slice(0, -1)).join()).toMatch(/not pinned by digest/);
    expect(replaced(/^USER .*$/m, 'USER root').join()).toMatch(/root/);
    expect(replaced(/^USER .*$/m, 'USER 0:0').join()).toMatch(/root/);
    expect(replaced(/^USER .*$/m, '').join()).toMatch(/no USER/);
  });

  it("the user-namespace Job runs as the image's user; the host-mode Job as root, holding only CAP_SYS_ADMIN", () => {
    const podOf = (file: string): Obj => obj(obj(obj(obj(load(file)[0])['spec'])['template'])['spec']);
    expect(`${obj(podOf('job-userns.yaml')['securityContext'])['runAsUser']}:${obj(podOf('job-userns.yaml')['securityContext'])['runAsGroup']}`).toBe(
      imageUser(CONTAINERFILE),
    );
    expect(obj(podOf('job-host.yaml')['securityContext'])['runAsUser']).toBe(0);
  });
});

describe('deploy/kubernetes manifests', () => {
  it('has the two Jobs: the user-namespace route and host mode', () => {
    expect(MANIFESTS.sort()).toEqual(['job-host.yaml', 'job-userns.yaml']);
  });

  for (const file of MANIFESTS) {
    it(`${file}: a valid batch/v1 Job that fits a fleet run, with the privilege of its route and no more`, () => {
      const docs = load(file);
      expect(docs).toHaveLength(1);
      const job = docs[0] as Obj;
      expect(apiProblems(job)).toEqual([]);
      expect(fleetProblems(job, routeOf(file))).toEqual([]);
    });

    it(`${file}: its container's arguments are ones ipcns-bench run accepts`, () => {
      const job = load(file)[0] as Obj;
      const c = obj(list(obj(obj(obj(job['spec'])['template'])['spec'])['containers'])[0]);
      // Kubernetes expands $(NODE_NAME) before the tool sees it; a node name is a DNS name.
      const args = list(c['args']).map((a) => String(a).replace('$(NODE_NAME)', 'node-1.example.internal'));
      const parsed = parseRunArgs(args.slice(1));
      expect(parsed.label).toBe('node-1.example.internal');
      expect(expand(loadSuite(parsed.suite)).length).toBeGreaterThan(0);
    });
  }

  it('fails a broken manifest: a wrong type, a missing field, a typo of a field that matters, too much privilege', () => {
    const good = load('job-userns.yaml')[0] as Obj;
    const broken = (edit: (j: Obj) => void): Obj => {
      const j = structuredClone(good);
      edit(j);
      return j;
    };
    const podOf = (j: Obj): Obj => obj(obj(obj(j['spec'])['template'])['spec']);
    const containerOf = (j: Obj): Obj => obj(list(podOf(j)['containers'])[0]);
    // The API refuses these.
    expect(
      apiProblems(
        broken((j) => {
          obj(j['spec'])['completions'] = 'three';
        }),
      ).join(),
    ).toMatch(/completions must be integer/);
    expect(
      apiProblems(
        broken((j) => {
          delete obj(j['spec'])['template'];
        }),
      ).join(),
    ).toMatch(/template/);
    expect(
      apiProblems(
        broken((j) => {
          obj(containerOf(j)['securityContext'])['capabilities'] = { add: 'SYS_ADMIN' };
        }),
      ).join(),
    ).toMatch(/add must be array/);
    // The API takes these; the fleet checks do not.
    const typo = broken((j) => {
      const pod = podOf(j);
      pod['hostUser'] = pod['hostUsers'];
      delete pod['hostUsers'];
    });
    expect(apiProblems(typo)).toEqual([]);
    expect(fleetProblems(typo, 'userns')).toContain('hostUsers: false (a user-namespaced pod)');
    const privileged = broken((j) => {
      obj(containerOf(j)['securityContext'])['privileged'] = true;
    });
    expect(fleetProblems(privileged, 'userns')).toContain('not privileged, no privilege escalation');
    const shared = broken((j) => {
      delete podOf(j)['affinity'];
    });
    expect(fleetProblems(shared, 'userns').join()).toMatch(/one pod per node/);
    const noLabel = broken((j) => {
      containerOf(j)['args'] = ['run', '--json', '-'];
    });
    expect(fleetProblems(noLabel, 'userns')).toContain('args: --label $(NODE_NAME)');
    // Host mode as the image's user: CAP_SYS_ADMIN would be in its bounding set only, not held.
    const host = load('job-host.yaml')[0] as Obj;
    const hostAsNobody = structuredClone(host);
    delete obj(podOf(hostAsNobody)['securityContext'])['runAsUser'];
    expect(apiProblems(hostAsNobody)).toEqual([]);
    expect(fleetProblems(hostAsNobody, 'host')).toContain('runAsUser: 0 (an added capability is effective only in root, and the image runs as 65534)');
    const usernsAsRoot = broken((j) => {
      obj(podOf(j)['securityContext'])['runAsUser'] = 0;
    });
    expect(fleetProblems(usernsAsRoot, 'userns')).toContain('runAsNonRoot: true and a runAsUser other than 0 (the route needs no root)');
    // The userns Job's settings are wrong for host mode, and the other way round.
    expect(fleetProblems(good, 'host').length).toBeGreaterThan(0);
    expect(fleetProblems(load('job-host.yaml')[0] as Obj, 'userns').length).toBeGreaterThan(0);
  });
});

describe('deploy/kubernetes/collect.sh', () => {
  let dir = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ipcns-collect-'));
    const suite = expand(loadSuite('ci')).slice(0, 6);
    const logs: Record<string, string> = {};
    for (const [i, node] of ['node-a', 'node-b'].entries()) {
      const doc = await runDocument(suite, { seed: 11 + i, budget: { capMs: 400, windowMs: 10 } });
      doc.env.label = node;
      // What a pod's log holds: a message of the run's (stderr) and the document (stdout).
      logs[`pod-${i}`] = `ipcns-bench: warning from the run\n${documentText(doc)}`;
    }
    logs['pod-2'] = 'ipcns-bench: no scenario can run: clone: Operation not permitted\n';
    for (const [pod, text] of Object.entries(logs)) writeFileSync(join(dir, `${pod}.log`), text);
    // A stand-in for kubectl: the Job is Complete, its pods are indexed 0..2, their logs are the files above.
    const fake = join(dir, 'kubectl');
    writeFileSync(
      fake,
      `#!/bin/sh
case "$1 $2" in
  "get job/"*) echo Complete ;;
  "get pods") printf '0 pod-0\\n1 pod-1\\n2 pod-2\\n' ;;
  "logs "*) cat "${dir}/$2.log" ;;
  *) echo "unexpected: $*" >&2; exit 2 ;;
esac
`,
    );
    chmodSync(fake, 0o755);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('saves each pod document from its log, merges them into a fleet, reports it, and names the pod that wrote none', () => {
    const out = join(dir, 'fleet');
    const r = spawnSync(join(DIR, 'collect.sh'), ['ipcns-bench-userns', out], {
      encoding: 'utf8',
      env: { ...process.env, PATH: `${dir}:${process.env['PATH'] ?? ''}`, IPCNS_BENCH: `${process.execPath} ${CLI}` },
    });
    expect(r.stderr).toContain('pod 2 wrote no result document');
    expect(r.stderr).toContain('no scenario can run');
    expect(r.status).toBe(0);
    const fleet = JSON.parse(readFileSync(join(out, 'fleet.json'), 'utf8')) as { kind: string; runs: { label: string; source: string }[] };
    expect(fleet.kind).toBe('ipcns-bench-fleet');
    expect(fleet.runs.map((x) => x.label)).toEqual(['node-a', 'node-b']);
    expect(readFileSync(join(out, 'fleet.html'), 'utf8')).toContain('<h1>ipcns-bench fleet: 2 machines, reference node-a</h1>');
    expect(readFileSync(join(out, 'fleet.txt'), 'utf8')).toContain('node-b against node-a');
  });

  it('refuses a folder that is already there, and writes nothing into it', () => {
    const out = join(dir, 'taken');
    spawnSync('mkdir', [out]);
    const r = spawnSync(join(DIR, 'collect.sh'), ['ipcns-bench-userns', out], {
      encoding: 'utf8',
      env: { ...process.env, PATH: `${dir}:${process.env['PATH'] ?? ''}` },
    });
    expect(r.status).not.toBe(0);
    expect(readdirSync(out)).toEqual([]);
    expect(existsSync(join(out, 'fleet.json'))).toBe(false);
  });
});
