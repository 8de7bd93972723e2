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

/**
 * Go's %q, as kubectl's go-template prints a string: the form collect.sh reads
 * each value from the API in. Quotes, backslashes, controls and Unicode's
 * invisible format characters are escaped; the rest is kept.
 */
function goQuote(s: string): string {
  const named: Record<string, string> = {
    '"': '\\"',
    '\\': '\\\\',
    '\x07': '\\a',
    '\b': '\\b',
    '\f': '\\f',
    '\n': '\\n',
    '\r': '\\r',
    '\t': '\\t',
    '\v': '\\v',
  };
  let q = '';
  for (const c of s) {
    const code = c.codePointAt(0) ?? 0;
    if (named[c] !== undefined) q += named[c];
    else if (code < 0x20 || code === 0x7f) q += `\\x${code.toString(16).padStart(2, '0')}`;
    else if ((code >= 0x80 && code <= 0xa0) || /\p{Cf}|\p{Zl}|\p{Zp}/u.test(c)) q += `\\u${code.toString(16).padStart(4, '0')}`;
    else q += c;
  }
  return `"${q}"`;
}

const COLLECT = join(DIR, 'collect.sh');
const JOB = 'ipcns-bench-userns';
const UID = '0b7c3e1a-5f00-4c1e-9d2a-8a8e3f6b1c20';

/** A pod as the API holds it, in the fields collect.sh reads; undefined: the field is not there. */
interface Pod {
  name: string;
  index?: string | undefined;
  jobLabel?: string | undefined;
  uidLabel?: string | undefined;
  owner?: { kind: string; name: string; uid: string } | undefined;
  /** Its log; none: `kubectl logs` fails. */
  log?: string | undefined;
}
const ownPod = (name: string, index: string, log: string): Pod => ({
  name,
  index,
  jobLabel: JOB,
  uidLabel: UID,
  owner: { kind: 'Job', name: JOB, uid: UID },
  log,
});

/** What collect.sh's go-template makes of a pod on a real kubectl (the last test checks it against one). */
function podRecord(p: Pod): string {
  const q = (v: string | undefined): string => (v === undefined ? '%!q(<nil>)' : goQuote(v));
  const owner = p.owner ? `\t${goQuote(p.owner.kind)}\t${goQuote(p.owner.name)}\t${goQuote(p.owner.uid)}` : '';
  return `${goQuote(p.name)}\t${q(p.index)}\t${q(p.jobLabel)}\t${q(p.uidLabel)}${owner}\n`;
}

interface Collected {
  status: number | null;
  stderr: string;
  out: string;
  /** Every file under the scenario's folder, relative to it: what was written where. */
  files: string[];
  fleet?: { runs: { label: string; source: string; document: { scenarios: { throughput: { estimate: number } }[] } }[] };
  calls: string[];
}

describe('deploy/kubernetes/collect.sh', () => {
  const docs: Record<string, string> = {};
  let root = '';
  let cases = 0;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'ipcns-collect-'));
    const suite = expand(loadSuite('ci')).slice(0, 6);
    for (const [i, node] of ['node-a', 'node-b', 'node-c'].entries()) {
      const doc = await runDocument(suite, { seed: 11 + i, budget: { capMs: 400, windowMs: 10 } });
      doc.env.label = node;
      docs[node] = documentText(doc);
    }
    // node-a's document with every throughput figure ten times what was measured.
    const inflated = JSON.parse(docs['node-a'] ?? '') as { scenarios: { throughput: Record<string, unknown> }[] };
    for (const s of inflated.scenarios) {
      for (const [k, v] of Object.entries(s.throughput)) {
        if (typeof v === 'number' && k !== 'samples' && k !== 'ciLevel' && k !== 'rme') s.throughput[k] = v * 10;
        if (Array.isArray(v)) s.throughput[k] = v.map((x: number) => x * 10);
      }
    }
    docs['node-a-x10'] = `${JSON.stringify(inflated, null, 2)}\n`;
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** A pod's log: a message of the run's (stderr) and its document (stdout). */
  const logOf = (node: string): string => `ipcns-bench: warning from the run\n${docs[node]}`;

  /**
   * Runs collect.sh against a stand-in kubectl that serves a Job of
   * `completions` Indexed pods and each pod's log. The pods are served as
   * go-template records, the form collect.sh asks for, and to a jsonpath
   * query as lines of index and name, so that a collector that reads those
   * can be held to the same cases.
   */
  function collect(pods: Pod[], o: { completions?: number; job?: string; mode?: string } = {}): Collected {
    const dir = join(root, `case-${++cases}`);
    const logs = join(dir, 'logs');
    spawnSync('mkdir', ['-p', logs]);
    for (const p of pods) if (p.log !== undefined) writeFileSync(join(logs, p.name), p.log);
    writeFileSync(join(dir, 'job.txt'), `${UID}\t${o.mode ?? 'Indexed'}\t${o.completions ?? 3}\tSuccessCriteriaMet Complete\n`);
    writeFileSync(join(dir, 'pods.txt'), pods.map(podRecord).join(''));
    writeFileSync(join(dir, 'pods-jsonpath.txt'), pods.map((p) => `${p.index ?? ''} ${p.name}\n`).join(''));
    const fake = join(dir, 'kubectl');
    writeFileSync(
      fake,
      `#!/bin/sh
case "$1" in --namespace=*) shift ;; esac
printf '%s\\n' "$*" >> '${dir}/calls'
for last in "$@"; do :; done
case "$1 $2" in
  "get job/"*) case "$*" in *.metadata.uid*) cat '${dir}/job.txt' ;; *) echo Complete ;; esac ;;
  "get pods") case "$*" in *go-template=*) cat '${dir}/pods.txt' ;; *) cat '${dir}/pods-jsonpath.txt' ;; esac ;;
  "logs "*) cat '${logs}'/"\${last#pod/}" ;;
  *) echo "unexpected: $*" >&2; exit 2 ;;
esac
`,
    );
    chmodSync(fake, 0o755);
    // Two levels down: an index of ../../x would land in the case's folder, where the test looks.
    spawnSync('mkdir', [join(dir, 'out')]);
    const out = join(dir, 'out', 'fleet');
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${dir}:${process.env['PATH'] ?? ''}`, IPCNS_BENCH: `${process.execPath} ${CLI}` };
    delete env['KUBECTL_NAMESPACE'];
    const r = spawnSync(COLLECT, [o.job ?? JOB, out], { encoding: 'utf8', env, cwd: dir });
    const files = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => !f.startsWith('logs')).sort();
    const fleetPath = join(out, 'fleet.json');
    return {
      status: r.status,
      stderr: r.stderr,
      out,
      files,
      fleet: existsSync(fleetPath) ? JSON.parse(readFileSync(fleetPath, 'utf8')) : undefined,
      calls: existsSync(join(dir, 'calls')) ? readFileSync(join(dir, 'calls'), 'utf8').split('\n') : [],
    };
  }
  const labels = (c: Collected): string[] | undefined => c.fleet?.runs.map((r) => r.label);
  /** No byte a terminal acts on: ESC, BEL, C1 controls, bidirectional overrides. */
  const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

  /** Each scenario is collected once, by the first test that reads it. */
  const once = <T>(make: () => T): (() => T) => {
    let made: { value: T } | undefined;
    return () => {
      made ??= { value: make() };
      return made.value;
    };
  };
  const measured = (node: string): number[] =>
    (JSON.parse(docs[node] ?? '') as { scenarios: { throughput: { estimate: number } }[] }).scenarios.map((s) => s.throughput.estimate);

  const good = once(() => collect([ownPod('pod-0', '0', logOf('node-a')), ownPod('pod-1', '1', logOf('node-b')), ownPod('pod-2', '2', logOf('node-c'))]));
  // Pods 0 and 1 of a Job of two completions, and every other claim a pod can make to a place in its fleet.
  const BAD_INDEXES = ['01', '+1', '1e0', ' 1', '1\n0', '-0', '2'];
  const hostile = once(() =>
    collect(
      [
        ownPod('pod-0', '0', logOf('node-a')),
        ownPod('pod-1', '1', logOf('node-b')),
        ownPod('dotdot', '../../x', logOf('node-c')),
        ownPod('star', '*', logOf('node-c')),
        ...BAD_INDEXES.map((index, n) => ownPod(`bad-${n}`, index, logOf('node-c'))),
        { ...ownPod('other-0', '0', logOf('node-a-x10')), uidLabel: 'f00d', owner: { kind: 'Job', name: JOB, uid: 'f00d' } },
        { name: 'loose-1', index: '1', jobLabel: JOB, log: logOf('node-c') },
        { ...ownPod('no-uid-1', '1', logOf('node-c')), uidLabel: undefined },
        ownPod('pod 1', '1', logOf('node-c')),
        ownPod('pod-*', '1', logOf('node-c')),
        ownPod('pod-\x1b]0;x\x07', '1', logOf('node-c')),
      ],
      { completions: 2 },
    ),
  );
  const duplicate = once(() =>
    collect([ownPod('pod-0', '0', logOf('node-a')), ownPod('pod-1', '1', logOf('node-b')), ownPod('pod-0-again', '0', logOf('node-a-x10'))], {
      completions: 2,
    }),
  );
  const HOSTILE_LOG = 'ipcns-bench: \x1b[31mred\x1b[0m \x1b]0;owned\x07 \u009b2J \u202eevil\u202c é\n';
  const badLogs = once(() =>
    collect(
      [
        ownPod('pod-0', '0', logOf('node-a')),
        ownPod('pod-1', '1', 'ipcns-bench: no scenario can run: clone: Operation not permitted\n'),
        ownPod('pod-2', '2', logOf('node-b').slice(0, logOf('node-b').length / 2)),
        ownPod('pod-3', '3', logOf('node-c').replace('"schemaVersion"', '"schemaVersion": "x", "was"')),
        { ...ownPod('pod-4', '4', ''), log: undefined },
        ownPod('pod-5', '5', HOSTILE_LOG),
      ],
      { completions: 6 },
    ),
  );

  it('saves each pod document from its log, merges them into a fleet and reports it', () => {
    const c = good();
    expect(c.stderr).not.toContain('collect.sh:');
    expect(c.status).toBe(0);
    expect(labels(c)).toEqual(['node-a', 'node-b', 'node-c']);
    expect(readFileSync(join(c.out, 'fleet.html'), 'utf8')).toContain('<h1>ipcns-bench fleet: 3 machines, reference node-a</h1>');
    expect(readFileSync(join(c.out, 'fleet.txt'), 'utf8')).toContain('node-b against node-a');
  });

  it('an index of ../../x writes nothing outside the folder: the pod is named and left out', () => {
    const c = hostile();
    expect(c.files.filter((f) => !f.startsWith('out') && !['kubectl', 'calls', 'job.txt', 'pods.txt', 'pods-jsonpath.txt'].includes(f))).toEqual([]);
    expect(c.stderr).toContain('pod dotdot of job/ipcns-bench-userns has completion index "../../x", not a decimal index below its completions (2): left out');
  });

  it('an index of * is one word, not a glob', () => {
    expect(hostile().stderr).toContain('pod star of job/ipcns-bench-userns has completion index "*", not a decimal');
  });

  it('only decimal indexes below completions: a leading zero, a sign, an exponent, a space, a newline and index 2 of 2 are refused', () => {
    const c = hostile();
    for (const [n, index] of BAD_INDEXES.entries()) {
      expect(c.stderr).toContain(
        `pod bad-${n} of job/ipcns-bench-userns has completion index ${goQuote(index)}, not a decimal index below its completions (2)`,
      );
    }
  });

  it("a pod of another Job claiming index 0 is refused, and so are pods no Job owns or that lack the Job's uid label", () => {
    const c = hostile();
    expect(c.stderr).toMatch(
      /pod other-0 is labelled job\/ipcns-bench-userns but is not that Job's \(its controller: "Job" "ipcns-bench-userns" "f00d"; .*: left out/,
    );
    expect(c.stderr).toMatch(/pod loose-1 is labelled job\/ipcns-bench-userns but is not that Job's \(its controller: none/);
    expect(c.stderr).toMatch(/pod no-uid-1 is labelled job\/ipcns-bench-userns but is not that Job's .*its controller-uid label: %!q\(<nil>\)/);
  });

  it('a pod with a space, a glob or a control in its name is named escaped, and its log is never asked for', () => {
    const c = hostile();
    expect(c.stderr).toContain('a pod named "pod 1" is not one the API gives: left out');
    expect(c.stderr).toContain('a pod named "pod-*" is not one the API gives: left out');
    expect(c.stderr).toContain('a pod named "pod-\\x1b]0;x\\a" is not one the API gives: left out');
    expect(c.stderr).not.toMatch(RAW_CONTROL);
    expect(c.calls.filter((l) => l.startsWith('logs '))).toEqual(['logs --limit-bytes=68157440 pod/pod-0', 'logs --limit-bytes=68157440 pod/pod-1']);
  });

  it("with every refused pod named, the fleet holds the Job's own two, with the figures they measured, and collect.sh exits 1", () => {
    const c = hostile();
    expect(labels(c)).toEqual(['node-a', 'node-b']);
    expect(c.fleet?.runs[0]?.document.scenarios.map((s) => s.throughput.estimate)).toEqual(measured('node-a'));
    expect(c.stderr).toContain(`collect.sh: ${BAD_INDEXES.length + 8} problems above: the fleet holds 2 of job/ipcns-bench-userns's 2 pods`);
    expect(c.status).toBe(1);
  });

  it('a second pod of the Job claiming index 0: both are named, neither is merged', () => {
    const c = duplicate();
    expect(c.stderr).toContain('index 0 is claimed by pods pod-0 and pod-0-again of job/ipcns-bench-userns');
    expect(labels(c)).toEqual(['node-b']);
    expect(c.status).toBe(1);
  });

  it('a pod that wrote no document, a cut-off one, a broken one or an unreadable log is named; the others are merged, and it exits 1', () => {
    const c = badLogs();
    expect(c.stderr).toContain('pod pod-1 (index 1) wrote no result document; the end of its log');
    expect(c.stderr).toContain('no scenario can run: clone: Operation not permitted');
    expect(c.stderr).toContain('pod pod-2 (index 2): its result document is cut off');
    expect(c.stderr).toContain('pod pod-3 (index 3): its log holds a document the tool does not read back');
    expect(c.stderr).toContain('pod pod-4 (index 4): its log could not be read');
    expect(labels(c)).toEqual(['node-a']);
    expect(c.status).toBe(1);
  });

  it('a log with escape sequences is shown escaped: ESC, OSC, a C1 CSI and U+202E do not reach the terminal', () => {
    const c = badLogs();
    expect(c.stderr).toContain('pod pod-5 (index 5) wrote no result document');
    expect(c.stderr).toContain('ipcns-bench: \\x1b[31mred\\x1b[0m \\x1b]0;owned\\x07 \\x9b2J \\u{202e}evil\\u{202c} é');
    expect(c.stderr).not.toMatch(RAW_CONTROL);
  });

  it('refuses a Job name that is not one (a selector), a Job that is not Indexed, and a folder that is already there', () => {
    const selector = collect([], { job: 'ipcns-bench-userns,app=x' });
    expect(selector.status).toBe(2);
    expect(selector.stderr).toContain("is not a Job's name");
    expect(selector.calls).toEqual([]);
    const notIndexed = collect([], { mode: 'NonIndexed' });
    expect(notIndexed.stderr).toContain('job/ipcns-bench-userns is not an Indexed Job (completionMode NonIndexed)');
    expect(notIndexed.status).toBe(1);
    const taken = join(root, 'taken');
    spawnSync('mkdir', [taken]);
    const r = spawnSync(COLLECT, [JOB, taken], { encoding: 'utf8', env: { ...process.env, PATH: `${root}:${process.env['PATH'] ?? ''}` } });
    expect(r.status).toBe(2);
    expect(readdirSync(taken)).toEqual([]);
  });

  // Where kubectl is installed: its go-template, as collect.sh writes it, gives the records the stand-in above serves.
  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!kubectl)("kubectl renders collect.sh's pod template as the stand-in serves it: one line a pod, every value quoted", () => {
    const script = readFileSync(COLLECT, 'utf8');
    const fields = /^pod_fields=((?:'[^']*'\\\n)*'[^']*')$/m.exec(script)?.[1];
    expect(fields).toBeDefined();
    const template = (fields ?? '')
      .split(/'\\\n'/)
      .join('')
      .slice(1, -1);
    const pods: Pod[] = [
      ownPod('pod-0', '0', ''),
      { ...ownPod('evil', '0\tx\n1 pod-1\x1b]0;t\x07\u202e', ''), uidLabel: undefined, owner: undefined },
      { name: 'bare', jobLabel: JOB },
    ];
    const api = {
      apiVersion: 'v1',
      kind: 'List',
      items: pods.map((p) => ({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: p.name,
          ...(p.index === undefined ? {} : { annotations: { 'batch.kubernetes.io/job-completion-index': p.index } }),
          labels: {
            'batch.kubernetes.io/job-name': p.jobLabel,
            ...(p.uidLabel === undefined ? {} : { 'batch.kubernetes.io/controller-uid': p.uidLabel }),
          },
          ...(p.owner === undefined
            ? {}
            : {
                ownerReferences: [
                  { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'x', uid: 'y' },
                  { apiVersion: 'batch/v1', ...p.owner, controller: true },
                ],
              }),
        },
      })),
    };
    const file = join(root, 'pods.json');
    writeFileSync(file, JSON.stringify(api));
    // Offline, kubectl applies a template to each object of a list in turn: the pod fields, without the range over .items.
    const r = spawnSync('kubectl', ['annotate', '--local', '-f', file, 'x=y', '-o', `go-template=${template}{{"\\n"}}`], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(pods.map(podRecord).join(''));
  });
});
