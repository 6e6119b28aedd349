#!/usr/bin/env python3
"""Compare what two tools created from one compose file, as the engine reports it.

  scripts/inspect-diff.py dump PROJECT OUT.json   normalised `docker inspect` of the project's
                                                  containers, networks and volumes
  scripts/inspect-diff.py diff THEIRS.json OURS.json   the fields that differ, one per line

Typical use, in one directory (absolute paths are part of the config hash):
  docker compose -p ref up -d; scripts/inspect-diff.py dump ref ref.json; docker compose -p ref down
  rcompose -p ours up -d;      scripts/inspect-diff.py dump ours ours.json; rcompose -p ours down
  scripts/inspect-diff.py diff ref.json ours.json

Ids become container or network names, the project name becomes PROJECT, timestamps and
engine-assigned addresses go, and lists Docker Compose builds from Go maps (random order) are
sorted. AUTO_NETS=PROJECT_a,PROJECT_b also drops the pools of networks whose subnet the engine
picks. integration/inspect_diff.rs does the same for the integration tests.
"""
import json, os, subprocess, sys

def sh(*a):
    return subprocess.run(a, check=True, capture_output=True, text=True).stdout

def inspect(kind, ids):
    return json.loads(sh('docker', kind, 'inspect', *ids)) if ids else []

def dump(project):
    f = f'label=com.docker.compose.project={project}'
    cids = sh('docker', 'ps', '-aq', '--no-trunc', '--filter', f).split()
    nids = sh('docker', 'network', 'ls', '-q', '--no-trunc', '--filter', f).split()
    vids = sh('docker', 'volume', 'ls', '-q', '--filter', f).split()
    cs, ns, vs = inspect('container', cids), inspect('network', nids), inspect('volume', vids)
    subst = {}
    for c in cs:
        subst[c['Id']] = '<' + c['Name'].lstrip('/') + '>'
        subst[c['Id'][:12]] = '<' + c['Name'].lstrip('/') + '-short>'
    for n in ns:
        subst[n['Id']] = '<net ' + n['Name'] + '>'
    def fix(v):
        if isinstance(v, str) and v in names:
            return ('<' + v + '>').replace(project, 'PROJECT')
        if isinstance(v, str):
            for k, r in subst.items():
                v = v.replace(k, r)
            return v.replace(project, 'PROJECT')
        if isinstance(v, list):
            return [fix(x) for x in v]
        if isinstance(v, dict):
            return {fix(k): fix(x) for k, x in v.items()}
        return v
    names = {c['Name'].lstrip('/') for c in cs}
    out = {}
    for c in cs:
        for k in ['Created', 'State', 'ResolvConfPath', 'HostnamePath', 'HostsPath', 'LogPath', 'GraphDriver', 'RestartCount', 'Id']:
            c.pop(k, None)
        ns_ = c['NetworkSettings']
        for k in ['SandboxID', 'SandboxKey', 'Ports', 'IPAddress', 'MacAddress', 'Gateway', 'EndpointID']:
            ns_.pop(k, None)
        for name, ep in (ns_.get('Networks') or {}).items():
            for k in ['NetworkID', 'EndpointID', 'IPAddress', 'Gateway'] + ([] if ep.get('IPAMConfig') else ['MacAddress']):
                ep.pop(k, None)
        c['Config']['Env'] = sorted(c['Config'].get('Env') or [])
        lab = c['Config']['Labels']
        if 'com.docker.compose.depends_on' in lab:
            lab['com.docker.compose.depends_on'] = ','.join(sorted(lab['com.docker.compose.depends_on'].split(',')))
        for name, ep in (c['NetworkSettings'].get('Networks') or {}).items():
            if name.replace(project, 'PROJECT') in os.environ.get('AUTO_NETS', '').split(','):
                ep.pop('IPPrefixLen', None)
        hc = c['HostConfig']
        hc['Ulimits'] = sorted(hc.get('Ulimits') or [], key=lambda u: u['Name'])
        hc['Mounts'] = sorted(hc.get('Mounts') or [], key=lambda m: m['Target'])
        c['Mounts'] = sorted(c.get('Mounts') or [], key=lambda m: m['Destination'])
        hc['VolumesFrom'] = [subst.get(v, v) for v in hc.get('VolumesFrom') or []]
        out['container ' + c['Name']] = c
    for n in ns:
        for k in ['Created', 'Id']:
            n.pop(k, None)
        n['Containers'] = sorted(x['Name'] for x in (n.get('Containers') or {}).values())
        if n['Name'].replace(project, 'PROJECT') in os.environ.get('AUTO_NETS', '').split(','):
            n['IPAM']['Config'] = '<engine-assigned>'
        out['network ' + n['Name']] = n
    for v in vs:
        v.pop('CreatedAt', None)
        out['volume ' + v['Name']] = v
    return fix(out)

def flat(v, p=''):
    if isinstance(v, dict):
        if not v: yield p, {}
        for k in sorted(v): yield from flat(v[k], f'{p}.{k}' if p else k)
    elif isinstance(v, list) and v and all(not isinstance(x, (dict, list)) for x in v):
        yield p, v
    elif isinstance(v, list):
        if not v: yield p, []
        for i, x in enumerate(v): yield from flat(x, f'{p}[{i}]')
    else:
        yield p, v

if __name__ == '__main__':
    if len(sys.argv) != 4 or sys.argv[1] not in ('dump', 'diff'):
        sys.exit(__doc__)
    if sys.argv[1] == 'dump':
        with open(sys.argv[3], 'w') as f:
            json.dump(dump(sys.argv[2]), f, indent=1, sort_keys=True)
    else:
        a = dict(flat(json.load(open(sys.argv[2])))); b = dict(flat(json.load(open(sys.argv[3]))))
        for k in sorted(set(a) | set(b)):
            if a.get(k, '<absent>') != b.get(k, '<absent>'):
                print(f'{k}\n   ref: {json.dumps(a.get(k, "<absent>"))}\n   rc:  {json.dumps(b.get(k, "<absent>"))}')
