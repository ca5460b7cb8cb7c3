#!/usr/bin/env python3
"""kube-standin: a Kubernetes API server STAND-IN for the gitops-tools tests. Not an API server.

The real kubectl 1.32 talks to it over HTTPS with a bearer token, as it talks to a cluster:
/version, health, aggregated and legacy discovery, an empty /openapi/v2, and the resources of the
built-in kinds the tools touch plus any kind a CRD registers. Writes follow the API server where
kubectl and gitops-tools can see it: server-side apply with managedFields, conflicts (409 in the
real Status format) and force; merge, strategic (approximated) and JSON patches; dryRun=All;
resourceVersion/generation; defaulting; finalizers and namespace termination; watches; workload
status that becomes ready after a delay. Faults, per-token forbids, seeding and the request log are
driven through the admin endpoints under /_sim/ (see tests/servers/README.md).

Python 3 standard library only; one process; listens on 127.0.0.1 only. Known divergences from a
real API server are listed in the README.
"""
import argparse
import collections
import copy
import datetime
import http.server
import json
import os
import re
import select
import signal
import socket
import socketserver
import ssl
import struct
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
import base64
import email.utils

MISSING = object()
ELEMENT = '"<list element>"'  # canonical value of an associative-list element's own "." path
SERVER_VERSION = 'v1.32.4'
EVENT_RING = 20000           # watch history kept, in events
LOG_RING = 50000             # request log entries kept in memory
LOG_BODY_MAX = 65536         # request bodies longer than this are logged truncated
MAX_BODY = 16 << 20          # largest request body accepted
WATCH_MAX = 60.0             # no watch stream lasts longer, whatever timeoutSeconds says
HANG_MAX = 30.0              # a "hang" fault holds a request at most this long by default

ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']
SYSTEM_META = ('name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp',
               'managedFields', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink')


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def canon(v):
    return json.dumps(v, sort_keys=True, separators=(',', ':'))


def clone(v):
    return copy.deepcopy(v)


# ---------------------------------------------------------------------------------------------
# Errors in the API's Status format


class ApiError(Exception):
    def __init__(self, code, reason, message, details=None, headers=None):
        super().__init__(message)
        self.code, self.reason, self.message, self.details = code, reason, message, details
        self.headers = headers or []

    def status(self):
        st = {'kind': 'Status', 'apiVersion': 'v1', 'metadata': {}, 'status': 'Failure',
              'message': self.message, 'reason': self.reason}
        if self.details is not None:
            st['details'] = self.details
        st['code'] = self.code
        return st


REASONS = {400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound',
           405: 'MethodNotAllowed', 406: 'NotAcceptable', 409: 'Conflict', 410: 'Expired',
           413: 'RequestEntityTooLarge', 415: 'UnsupportedMediaType', 422: 'Invalid',
           429: 'TooManyRequests', 500: 'InternalError', 503: 'ServiceUnavailable', 504: 'Timeout'}


def details(t, name=None, **extra):
    d = {}
    if name:
        d['name'] = name
    if t is not None and t.group:
        d['group'] = t.group
    if t is not None:
        d['kind'] = t.resource
    d.update(extra)
    return d


def err_not_found(t, name):
    return ApiError(404, 'NotFound', f'{t.qualified} "{name}" not found', details(t, name))


def err_no_resource():
    return ApiError(404, 'NotFound', 'the server could not find the requested resource', {})


def err_bad(msg):
    return ApiError(400, 'BadRequest', msg)


def err_invalid(t, name, field, value, detail):
    msg = f'{t.qualified_kind} "{name}" is invalid: {field}: Invalid value: {json.dumps(value)}: {detail}'
    cause = {'reason': 'FieldValueInvalid', 'message': f'Invalid value: {json.dumps(value)}: {detail}',
             'field': field}
    d = {'name': name}
    if t.group:
        d['group'] = t.group
    d['kind'] = t.kind
    d['causes'] = [cause]
    return ApiError(422, 'Invalid', msg, d)


def err_ns_not_found(ns):
    return ApiError(404, 'NotFound', f'namespaces "{ns}" not found', {'name': ns, 'kind': 'namespaces'})


# ---------------------------------------------------------------------------------------------
# Types


class RType:
    def __init__(self, group, versions, resource, kind, namespaced, short=(), categories=(),
                 status=False, scale=False, generation=False, crd=None, singular=None):
        self.group, self.versions, self.resource, self.kind = group, list(versions), resource, kind
        self.namespaced, self.short, self.categories = namespaced, list(short), list(categories)
        self.status, self.scale, self.generation, self.crd = status, scale, generation, crd
        self.singular = singular or kind.lower()
        self.qualified = resource + ('.' + group if group else '')
        self.qualified_kind = kind + ('.' + group if group else '')

    def gv(self, version=None):
        v = version or self.versions[0]
        return f'{self.group}/{v}' if self.group else v


# group, versions, resource, kind, flags (N namespaced, S status, C scale, G generation),
# shortNames, categories
BUILTIN = [
    ('', 'v1', 'namespaces', 'Namespace', 'S', 'ns', ''),
    ('', 'v1', 'configmaps', 'ConfigMap', 'N', 'cm', ''),
    ('', 'v1', 'secrets', 'Secret', 'N', '', ''),
    ('', 'v1', 'services', 'Service', 'NS', 'svc', 'all'),
    ('', 'v1', 'serviceaccounts', 'ServiceAccount', 'N', 'sa', ''),
    ('', 'v1', 'pods', 'Pod', 'NS', 'po', 'all'),
    ('', 'v1', 'persistentvolumeclaims', 'PersistentVolumeClaim', 'NS', 'pvc', ''),
    ('', 'v1', 'persistentvolumes', 'PersistentVolume', 'S', 'pv', ''),
    ('', 'v1', 'endpoints', 'Endpoints', 'N', 'ep', ''),
    ('', 'v1', 'events', 'Event', 'N', 'ev', ''),
    ('', 'v1', 'limitranges', 'LimitRange', 'N', 'limits', ''),
    ('', 'v1', 'resourcequotas', 'ResourceQuota', 'NS', 'quota', ''),
    ('', 'v1', 'nodes', 'Node', 'S', 'no', ''),
    ('apiregistration.k8s.io', 'v1', 'apiservices', 'APIService', 'S', '', 'api-extensions'),
    ('apps', 'v1', 'deployments', 'Deployment', 'NSCG', 'deploy', 'all'),
    ('apps', 'v1', 'statefulsets', 'StatefulSet', 'NSCG', 'sts', 'all'),
    ('apps', 'v1', 'daemonsets', 'DaemonSet', 'NSG', 'ds', 'all'),
    ('apps', 'v1', 'replicasets', 'ReplicaSet', 'NSCG', 'rs', 'all'),
    ('apps', 'v1', 'controllerrevisions', 'ControllerRevision', 'N', '', ''),
    ('autoscaling', 'v2 v1', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', 'NS', 'hpa', 'all'),
    ('batch', 'v1', 'jobs', 'Job', 'NSG', '', 'all'),
    ('batch', 'v1', 'cronjobs', 'CronJob', 'NSG', 'cj', 'all'),
    ('networking.k8s.io', 'v1', 'ingresses', 'Ingress', 'NSG', 'ing', ''),
    ('networking.k8s.io', 'v1', 'ingressclasses', 'IngressClass', '', '', ''),
    ('networking.k8s.io', 'v1', 'networkpolicies', 'NetworkPolicy', 'NG', 'netpol', ''),
    ('policy', 'v1', 'poddisruptionbudgets', 'PodDisruptionBudget', 'NSG', 'pdb', ''),
    ('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', 'ClusterRoleBinding', '', '', ''),
    ('rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', '', '', ''),
    ('rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding', 'N', '', ''),
    ('rbac.authorization.k8s.io', 'v1', 'roles', 'Role', 'N', '', ''),
    ('storage.k8s.io', 'v1', 'storageclasses', 'StorageClass', '', 'sc', ''),
    ('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', 'SG',
     'crd crds', 'api-extensions'),
]


def builtin_types():
    out = []
    for g, vs, res, kind, fl, short, cat in BUILTIN:
        out.append(RType(g, vs.split(), res, kind, 'N' in fl, short.split(), cat.split(),
                         'S' in fl, 'C' in fl, 'G' in fl))
    return out


WORKLOADS = {('apps', 'Deployment'), ('apps', 'StatefulSet'), ('apps', 'DaemonSet'),
             ('apps', 'ReplicaSet'), ('batch', 'Job'), ('', 'Pod'), ('', 'PersistentVolumeClaim'),
             ('', 'Service'), ('networking.k8s.io', 'Ingress')}

# ---------------------------------------------------------------------------------------------
# Selectors


def split_top(s):
    parts, depth, cur = [], 0, ''
    for ch in s:
        if ch == '(':
            depth += 1
        elif ch == ')':
            depth -= 1
        if ch == ',' and depth == 0:
            parts.append(cur)
            cur = ''
        else:
            cur += ch
    parts.append(cur)
    return [p.strip() for p in parts if p.strip()]


def parse_label_selector(s):
    reqs = []
    for part in split_top(s or ''):
        m = re.fullmatch(r'([^\s!=(),]+)\s+(in|notin)\s+\(([^()]*)\)', part)
        if m:
            reqs.append((m.group(1), m.group(2), {v.strip() for v in m.group(3).split(',') if v.strip()}))
            continue
        m = re.fullmatch(r'!\s*([^\s!=(),]+)', part)
        if m:
            reqs.append((m.group(1), '!', None))
            continue
        m = re.fullmatch(r'([^\s!=(),]+)\s*(==|=|!=)\s*([^\s!=(),]*)', part)
        if m:
            reqs.append((m.group(1), '!=' if m.group(2) == '!=' else '=', m.group(3)))
            continue
        m = re.fullmatch(r'([^\s!=(),]+)', part)
        if m:
            reqs.append((m.group(1), 'exists', None))
            continue
        raise err_bad(f'unable to parse requirement: {part!r}')
    return reqs


def labels_match(reqs, obj):
    labels = (obj.get('metadata') or {}).get('labels') or {}
    for k, op, v in reqs:
        has = k in labels
        if op == '=' and not (has and labels[k] == v):
            return False
        if op == '!=' and has and labels[k] == v:
            return False
        if op == 'in' and not (has and labels[k] in v):
            return False
        if op == 'notin' and has and labels[k] in v:
            return False
        if op == 'exists' and not has:
            return False
        if op == '!' and has:
            return False
    return True


def parse_field_selector(s):
    reqs = []
    for part in split_top(s or ''):
        m = re.fullmatch(r'([^\s!=]+)\s*(==|=|!=)\s*(.*)', part)
        if not m:
            raise err_bad(f'invalid selector: {part!r}; can\'t understand {part!r}')
        reqs.append((m.group(1), m.group(2) != '!=', m.group(3).strip()))
    return reqs


def fields_match(reqs, obj):
    for key, eq, val in reqs:
        cur = obj
        for p in key.split('.'):
            cur = cur.get(p) if isinstance(cur, dict) else None
        got = '' if cur is None else (json.dumps(cur) if not isinstance(cur, str) else cur)
        if isinstance(cur, bool):
            got = 'true' if cur else 'false'
        if (got == val) != eq:
            return False
    return True


# ---------------------------------------------------------------------------------------------
# Field sets: the managedFields model (see README, "server-side apply")


def is_assoc(lst):
    if not isinstance(lst, list) or not lst:
        return False
    names = set()
    for e in lst:
        if not isinstance(e, dict) or not isinstance(e.get('name'), str) or e['name'] in names:
            return False
        names.add(e['name'])
    return True


def elem_key(name):
    return 'k:' + json.dumps({'name': name}, separators=(',', ':'))


def _walk(v, path, out):
    if isinstance(v, dict) and v:
        for k, vv in v.items():
            if vv is not None:
                _walk(vv, path + ('f:' + k,), out)
    elif is_assoc(v):
        for e in v:
            kp = path + (elem_key(e['name']),)
            out[kp + ('.',)] = ELEMENT
            for k, vv in e.items():
                if vv is not None:
                    _walk(vv, kp + ('f:' + k,), out)
    else:
        out[path] = canon(v)


def flatten(obj, skip_status):
    """Leaf paths of an object's user-owned fields -> canonical value."""
    out = {}
    for k, v in (obj or {}).items():
        if k in ('apiVersion', 'kind') or v is None or (k == 'status' and skip_status):
            continue
        if k == 'metadata':
            m = {mk: mv for mk, mv in (v or {}).items() if mk not in SYSTEM_META and mv is not None}
            if m:
                _walk(m, ('f:metadata',), out)
            continue
        _walk(v, ('f:' + k,), out)
    return out


def flatten_key(obj, key):
    out = {}
    if obj and obj.get(key) is not None:
        _walk(obj[key], ('f:' + key,), out)
    return out


def get_path(obj, path):
    cur = obj
    for el in path:
        if el == '.':
            return cur
        if el.startswith('f:'):
            if not isinstance(cur, dict) or el[2:] not in cur:
                return MISSING
            cur = cur[el[2:]]
        elif el.startswith('k:'):
            try:
                key = json.loads(el[2:])
            except ValueError:
                return MISSING
            if not isinstance(cur, list):
                return MISSING
            for e in cur:
                if isinstance(e, dict) and all(e.get(a) == b for a, b in key.items()):
                    cur = e
                    break
            else:
                return MISSING
        else:
            return MISSING
    return cur


def canon_at(obj, path):
    v = get_path(obj, path)
    return '<missing>' if v is MISSING else canon(v)


def path_str(path):
    s = ''
    for el in path:
        if el.startswith('f:'):
            s += '.' + el[2:]
        elif el.startswith('k:'):
            try:
                key = json.loads(el[2:])
                s += '[' + ','.join(f'{k}={json.dumps(v)}' for k, v in key.items()) + ']'
            except ValueError:
                s += '[' + el[2:] + ']'
        elif el.startswith('v:'):
            s += '[=' + el[2:] + ']'
        elif el.startswith('i:'):
            s += '[' + el[2:] + ']'
    return s


def to_fields(paths):
    root = {}
    for p in sorted(paths):
        node = root
        for el in p:
            node = node.setdefault(el, {})
    return root


def from_fields(f, prefix=()):
    out = set()
    for k, v in (f or {}).items():
        p = prefix + (k,)
        if k == '.' or not v:
            out.add(p)
        else:
            out |= from_fields(v, p)
    return out


class Entry:
    def __init__(self, e):
        self.e = dict(e)
        self.set = from_fields(e.get('fieldsV1') or {})
        self.orig = set(self.set)

    def ident(self):
        return (self.e.get('manager', ''), self.e.get('operation', ''), self.e.get('subresource', ''))

    def render(self):
        e = dict(self.e)
        e['fieldsType'] = 'FieldsV1'
        e['fieldsV1'] = to_fields(self.set)
        order = ['manager', 'operation', 'apiVersion', 'time', 'fieldsType', 'fieldsV1', 'subresource']
        return {k: e[k] for k in order if k in e}


def parse_entries(obj):
    return [Entry(e) for e in ((obj or {}).get('metadata') or {}).get('managedFields') or []
            if isinstance(e, dict)]


def render_entries(entries):
    return [x.render() for x in entries if x.set]


def manager_label(x):
    s = json.dumps(x.e.get('manager', ''))
    if x.e.get('subresource'):
        s += f' with subresource {json.dumps(x.e["subresource"])}'
    if x.e.get('operation') == 'Update':
        s += f' using {x.e.get("apiVersion", "")}'
        if x.e.get('time'):
            s += f' at {x.e["time"]}'
    return s


def conflict_error(conflicts):
    causes = [{'reason': 'FieldManagerConflict', 'message': f'conflict with {manager_label(x)}',
               'field': path_str(p)} for x, p in conflicts]
    if len(conflicts) == 1:
        x, p = conflicts[0]
        msg = f'Apply failed with 1 conflict: conflict with {manager_label(x)}: {path_str(p)}'
    else:
        by = collections.OrderedDict()
        for x, p in sorted(conflicts, key=lambda c: (c[0].ident(), path_str(c[1]))):
            by.setdefault(id(x), (x, []))[1].append(p)
        lines = []
        for x, paths in by.values():
            lines.append(f'conflicts with {manager_label(x)}:')
            lines += [f'- {path_str(p)}' for p in paths]
        msg = f'Apply failed with {len(conflicts)} conflicts: ' + '\n'.join(lines)
    return ApiError(409, 'Conflict', msg, {'causes': causes})


def strip_nulls(v):
    if isinstance(v, dict):
        return {k: strip_nulls(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [strip_nulls(x) for x in v]
    return v


def merge_value(dst, src):
    if dst is MISSING or dst is None:
        return clone(src)
    if isinstance(dst, dict) and isinstance(src, dict):
        out = dict(dst)
        for k, v in src.items():
            out[k] = merge_value(dst.get(k, MISSING), v)
        return out
    if isinstance(dst, list) and isinstance(src, list) and is_assoc(src) and (is_assoc(dst) or not dst):
        by = {e['name']: e for e in dst}
        out, seen = [], set()
        for e in src:
            out.append(merge_value(by.get(e['name'], MISSING), e))
            seen.add(e['name'])
        out += [clone(e) for e in dst if e['name'] not in seen]
        return out
    return clone(src)


def delete_path(obj, path):
    """Remove the field (or list element, for a "." path) at path; report the container path."""
    if path[-1] == '.':
        lst_path, key = path[:-2], path[-2]
        lst = get_path(obj, lst_path)
        elem = get_path(obj, path[:-1])
        if isinstance(lst, list) and elem is not MISSING:
            lst.remove(elem)
        return lst_path
    parent = get_path(obj, path[:-1]) if len(path) > 1 else obj
    if isinstance(parent, dict) and path[-1].startswith('f:'):
        parent.pop(path[-1][2:], None)
    return path[:-1]


def prune_empty(obj, path, owned):
    while len(path) >= 1:
        if path == ('f:metadata',) or path[-1].startswith('k:'):
            return
        v = get_path(obj, path)
        if v is MISSING or (v in ({}, []) and path not in owned):
            if v is not MISSING:
                delete_path(obj, path)
            path = path[:-1]
            continue
        return


def all_prefixes(paths):
    out = set()
    for p in paths:
        for i in range(1, len(p) + 1):
            out.add(p[:i])
    return out


def ssa_merge(t, live, applied, manager, force, api_version):
    """Server-side apply of `applied` over `live` (None to create) by `manager`.

    Returns (merged object without system metadata fixes, new managedFields, conflicts)."""
    app = strip_nulls(applied)
    newf = flatten(app, t.status)
    newset = set(newf)
    entries = parse_entries(live)
    mine = next((x for x in entries if x.ident() == (manager, 'Apply', '')), None)
    base = clone(live) if live else {}
    merged = clone(base)
    for k, v in app.items():
        if k in ('apiVersion', 'kind') or (k == 'status' and t.status):
            continue
        if k == 'metadata':
            m = merged.setdefault('metadata', {})
            for mk, mv in (v or {}).items():
                if mk not in SYSTEM_META:
                    m[mk] = merge_value(m.get(mk, MISSING), mv)
            continue
        merged[k] = merge_value(merged.get(k, MISSING), v)

    prefixes = all_prefixes(newset)
    conflicts = []
    for x in entries:
        if x is mine:
            continue
        for q in sorted(x.set):
            if q[-1] == '.':
                continue
            overlap = q in prefixes or any(q[:i] in newset for i in range(1, len(q)))
            if overlap and canon_at(base, q) != canon_at(merged, q):
                conflicts.append((x, q))
    if conflicts and not force:
        return None, None, conflicts
    for x, q in conflicts:
        x.set.discard(q)
        # ownership of what lies below a forced atomic field goes too
        x.set = {p for p in x.set if p[:len(q)] != q}

    if mine is not None:
        others = set()
        for x in entries:
            if x is not mine:
                others |= x.set
        others_pre = all_prefixes(others)
        for r in sorted(mine.set - newset, key=len, reverse=True):
            probe = r[:-1] if r[-1] == '.' else r
            if probe in others_pre or any(r[:i] in others for i in range(1, len(r))):
                continue
            if get_path(merged, r) is MISSING:
                continue
            container = delete_path(merged, r)
            prune_empty(merged, container, others | newset)

    if mine is None:
        mine = Entry({'manager': manager, 'operation': 'Apply'})
        mine.orig = None
        entries.append(mine)
    if mine.orig != newset or mine.e.get('apiVersion') != api_version:
        mine.e['time'] = now_iso()
    mine.e['apiVersion'] = api_version
    mine.set = newset
    return merged, render_entries(entries), []


def track_update(t, live, new, manager, api_version, sub=''):
    """managedFields after a non-apply write by `manager` that turned `live` into `new`."""
    if sub == 'status':
        oldf, newf = flatten_key(live, 'status'), flatten_key(new, 'status')
    elif sub == 'scale':
        p = ('f:spec', 'f:replicas')
        oldf = {p: canon_at(live, p)} if live and get_path(live, p) is not MISSING else {}
        newf = {p: canon_at(new, p)} if get_path(new, p) is not MISSING else {}
    else:
        oldf, newf = flatten(live, t.status), flatten(new, t.status)
    changed = {p for p, v in newf.items() if oldf.get(p) != v}
    removed = set(oldf) - set(newf)
    entries = parse_entries(live)
    if not changed and not removed:
        return render_entries(entries)
    mine = next((x for x in entries if x.ident() == (manager, 'Update', sub)), None)
    if mine is None:
        e = {'manager': manager, 'operation': 'Update'}
        if sub:
            e['subresource'] = sub
        mine = Entry(e)
        entries.append(mine)
    gone = changed | removed
    for x in entries:
        if x is not mine:
            x.set = {p for p in x.set if p not in gone}
    mine.set = (mine.set | changed) - removed
    mine.e['apiVersion'] = api_version
    mine.e['time'] = now_iso()
    return render_entries(entries)


# ---------------------------------------------------------------------------------------------
# Patches


def merge_patch(dst, patch):
    if not isinstance(patch, dict):
        return clone(patch)
    out = dict(dst) if isinstance(dst, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


def _named(lst):
    return isinstance(lst, list) and all(isinstance(e, dict) and 'name' in e for e in lst)


def strategic_patch(dst, patch):
    """Strategic merge patch, approximated: lists of objects with a `name` merge by name."""
    if not isinstance(patch, dict):
        return clone(patch)
    if patch.get('$patch') == 'replace':
        return {k: clone(v) for k, v in patch.items() if not k.startswith('$')}
    out = dict(dst) if isinstance(dst, dict) else {}
    for k, v in patch.items():
        if k.startswith('$'):
            continue
        if v is None:
            out.pop(k, None)
        elif isinstance(v, dict):
            if v.get('$patch') == 'delete':
                out.pop(k, None)
            else:
                out[k] = strategic_patch(out.get(k), v)
        elif isinstance(v, list) and v and _named(v) and _named(out.get(k)):
            cur = [clone(e) for e in out[k]]
            for e in v:
                idx = next((i for i, c in enumerate(cur) if c.get('name') == e['name']), None)
                if e.get('$patch') == 'delete':
                    if idx is not None:
                        cur.pop(idx)
                elif idx is None:
                    cur.append(strategic_patch({}, e))
                else:
                    cur[idx] = strategic_patch(cur[idx], e)
            out[k] = cur
        else:
            out[k] = clone(v)
    return out


def _ptr(path):
    if path == '':
        return []
    if not path.startswith('/'):
        raise ValueError(f'invalid JSON pointer {path!r}')
    return [p.replace('~1', '/').replace('~0', '~') for p in path[1:].split('/')]


def _ptr_parent(doc, toks):
    cur = doc
    for tk in toks[:-1]:
        if isinstance(cur, dict) and tk in cur:
            cur = cur[tk]
        elif isinstance(cur, list) and tk.isdigit() and int(tk) < len(cur):
            cur = cur[int(tk)]
        else:
            raise ValueError(f'missing path: {"/" + "/".join(toks)}')
    return cur


def json_patch(doc, ops):
    if not isinstance(ops, list):
        raise ValueError('a JSON patch is a list of operations')
    doc = clone(doc)
    for op in ops:
        kind = op.get('op')
        toks = _ptr(op.get('path', ''))

        def get(tk_list):
            if not tk_list:
                return doc
            par = _ptr_parent(doc, tk_list)
            last = tk_list[-1]
            if isinstance(par, dict) and last in par:
                return par[last]
            if isinstance(par, list) and last.isdigit() and int(last) < len(par):
                return par[int(last)]
            raise ValueError(f'missing path: {"/" + "/".join(tk_list)}')

        def remove(tk_list):
            par = _ptr_parent(doc, tk_list)
            last = tk_list[-1]
            if isinstance(par, dict) and last in par:
                return par.pop(last)
            if isinstance(par, list) and last.isdigit() and int(last) < len(par):
                return par.pop(int(last))
            raise ValueError(f'missing path: {"/" + "/".join(tk_list)}')

        def add(tk_list, value):
            nonlocal doc
            if not tk_list:
                doc = value
                return
            par = _ptr_parent(doc, tk_list)
            last = tk_list[-1]
            if isinstance(par, dict):
                par[last] = value
            elif isinstance(par, list):
                if last == '-':
                    par.append(value)
                elif last.isdigit() and int(last) <= len(par):
                    par.insert(int(last), value)
                else:
                    raise ValueError(f'bad index {last}')
            else:
                raise ValueError('cannot add to a scalar')

        if kind == 'test':
            if canon(get(toks)) != canon(op.get('value')):
                raise ValueError(f'testing value {op.get("path")} failed')
        elif kind == 'remove':
            remove(toks)
        elif kind == 'add':
            add(toks, clone(op.get('value')))
        elif kind == 'replace':
            get(toks)
            if toks:
                remove(toks)
            add(toks, clone(op.get('value')))
        elif kind == 'move':
            frm = _ptr(op.get('from', ''))
            add(toks, remove(frm))
        elif kind == 'copy':
            add(toks, clone(get(_ptr(op.get('from', '')))))
        else:
            raise ValueError(f'unexpected op {kind!r}')
    return doc


# ---------------------------------------------------------------------------------------------
# Protobuf request bodies. kubectl's typed commands (`kubectl create configmap|secret|namespace|
# serviceaccount`) send application/vnd.kubernetes.protobuf and do not fall back to JSON on a 415,
# so the few kinds tests create that way are decoded here; every other protobuf body gets a 415.

_META = {1: ('name', 's'), 2: ('generateName', 's'), 3: ('namespace', 's'), 5: ('uid', 's'),
         6: ('resourceVersion', 's'), 7: ('generation', 'i'), 11: ('labels', ('map', 's')),
         12: ('annotations', ('map', 's')), 14: ('finalizers', ('rep', 's')),
         13: ('ownerReferences', ('repmsg', {5: ('apiVersion', 's'), 1: ('kind', 's'), 3: ('name', 's'),
                                              4: ('uid', 's'), 6: ('controller', 'b'),
                                              7: ('blockOwnerDeletion', 'b')}))}
_REF = {1: ('name', 's')}
PROTO_SCHEMAS = {
    ('v1', 'ConfigMap'): {1: ('metadata', ('msg', _META)), 2: ('data', ('map', 's')),
                          3: ('binaryData', ('map', 'y')), 4: ('immutable', 'b')},
    ('v1', 'Secret'): {1: ('metadata', ('msg', _META)), 2: ('data', ('map', 'y')), 3: ('type', 's'),
                       4: ('stringData', ('map', 's')), 5: ('immutable', 'b')},
    ('v1', 'Namespace'): {1: ('metadata', ('msg', _META)), 2: ('spec', ('msg', {1: ('finalizers', ('rep', 's'))}))},
    ('v1', 'ServiceAccount'): {1: ('metadata', ('msg', _META)), 2: ('secrets', ('repmsg', _REF)),
                               3: ('imagePullSecrets', ('repmsg', _REF)),
                               4: ('automountServiceAccountToken', 'b')},
}


def _pb_fields(buf):
    i = 0
    while i < len(buf):
        key, i = _pb_varint(buf, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            val, i = _pb_varint(buf, i)
        elif wt == 2:
            n, i = _pb_varint(buf, i)
            val, i = buf[i:i + n], i + n
        elif wt == 1:
            val, i = buf[i:i + 8], i + 8
        elif wt == 5:
            val, i = buf[i:i + 4], i + 4
        else:
            raise ValueError(f'protobuf wire type {wt}')
        yield num, val


def _pb_varint(buf, i):
    shift = result = 0
    while True:
        if i >= len(buf):
            raise ValueError('truncated protobuf')
        b = buf[i]
        i += 1
        result |= (b & 0x7f) << shift
        if not b & 0x80:
            return result, i
        shift += 7


def _pb_scalar(kind, val):
    if kind == 's':
        return val.decode('utf-8')
    if kind == 'y':
        return base64.b64encode(val).decode()
    if kind == 'b':
        return bool(val)
    return val if val < (1 << 63) else val - (1 << 64)


def _pb_message(buf, schema):
    out = {}
    for num, val in _pb_fields(buf):
        if num not in schema:
            continue
        name, kind = schema[num]
        if isinstance(kind, tuple) and kind[0] == 'map':
            entry = dict(_pb_fields(val))
            out.setdefault(name, {})[entry.get(1, b'').decode('utf-8')] = _pb_scalar(kind[1], entry.get(2, b''))
        elif isinstance(kind, tuple) and kind[0] == 'rep':
            out.setdefault(name, []).append(_pb_scalar(kind[1], val))
        elif isinstance(kind, tuple) and kind[0] == 'repmsg':
            out.setdefault(name, []).append(_pb_message(val, kind[1]))
        elif isinstance(kind, tuple) and kind[0] == 'msg':
            out[name] = _pb_message(val, kind[1])
        else:
            v = _pb_scalar(kind, val)
            if v not in ('', 0, False):  # gogo protobuf writes empty optional fields; JSON omits them
                out[name] = v
    return out


def decode_protobuf(body):
    """A `k8s\\0` protobuf envelope of a known kind -> the object as JSON would carry it, else None."""
    if body[:4] != b'k8s\x00':
        return None
    unknown = dict(_pb_fields(body[4:]))
    tm = dict(_pb_fields(unknown.get(1, b'')))
    api_version, kind = tm.get(1, b'').decode(), tm.get(2, b'').decode()
    schema = PROTO_SCHEMAS.get((api_version, kind))
    if schema is None:
        return None
    obj = {'apiVersion': api_version, 'kind': kind}
    obj.update(_pb_message(unknown.get(2, b''), schema))
    return obj


# ---------------------------------------------------------------------------------------------
# Defaulting and simulated controllers


def image_pull_policy(image):
    if '@' in image:
        return 'IfNotPresent'
    last = image.rsplit('/', 1)[-1]
    if ':' not in last or last.endswith(':latest'):
        return 'Always'
    return 'IfNotPresent'


def default_pod_spec(spec, pod=False, restart='Always'):
    if not isinstance(spec, dict):
        return
    spec.setdefault('restartPolicy', restart)
    spec.setdefault('terminationGracePeriodSeconds', 30)
    spec.setdefault('dnsPolicy', 'ClusterFirst')
    spec.setdefault('securityContext', {})
    spec.setdefault('schedulerName', 'default-scheduler')
    if pod:
        spec.setdefault('serviceAccountName', 'default')
        spec.setdefault('serviceAccount', spec['serviceAccountName'])
        spec.setdefault('enableServiceLinks', True)
        spec.setdefault('preemptionPolicy', 'PreemptLowerPriority')
        spec.setdefault('priority', 0)
    for key in ('containers', 'initContainers'):
        for c in spec.get(key) or []:
            if not isinstance(c, dict):
                continue
            c.setdefault('terminationMessagePath', '/dev/termination-log')
            c.setdefault('terminationMessagePolicy', 'File')
            c.setdefault('imagePullPolicy', image_pull_policy(str(c.get('image', ''))))
            c.setdefault('resources', {})
            for p in c.get('ports') or []:
                if isinstance(p, dict):
                    p.setdefault('protocol', 'TCP')


def default_template(spec, restart='Always'):
    tpl = spec.get('template') if isinstance(spec, dict) else None
    if isinstance(tpl, dict):
        default_pod_spec(tpl.get('spec'), restart=restart)


# ---------------------------------------------------------------------------------------------
# The state


class Fault:
    FIELDS = ('id', 'method', 'path', 'query', 'header', 'skip', 'times', 'action', 'delay',
              'status', 'reason', 'message', 'details', 'causes', 'retryAfter', 'body',
              'contentType', 'phase', 'seconds', 'warning')

    def __init__(self, spec, fid):
        unknown = set(spec) - set(self.FIELDS) - {'matched', 'fired'}
        if unknown:
            raise ValueError(f'unknown fault fields: {", ".join(sorted(unknown))}')
        self.spec = {k: v for k, v in spec.items() if k in self.FIELDS}
        self.spec['id'] = str(spec.get('id') or fid)
        self.id = self.spec['id']
        try:
            self.method = re.compile(spec.get('method') or '.*', re.I)
            self.path = re.compile(spec.get('path') or '')
            self.query = re.compile(spec.get('query') or '')
            self.header = re.compile(spec['header'], re.I) if spec.get('header') else None
        except re.error as e:
            raise ValueError(f'bad regex: {e}')
        self.skip = int(spec.get('skip') or 0)
        self.times = int(spec.get('times') or 0)
        action = spec.get('action')
        if not action:
            action = 'status' if 'status' in spec or 'body' in spec else (
                'warning' if 'warning' in spec else 'delay')
        if action not in ('status', 'delay', 'hang', 'drop', 'reset', 'truncate', 'warning'):
            raise ValueError(f'unknown fault action {action!r}')
        if action == 'status' and not spec.get('status'):
            raise ValueError('a status fault needs "status": CODE')
        self.action = action
        self.spec['action'] = action
        self.matched = 0
        self.fired = 0

    def matches(self, method, path, query, header_lines):
        if not self.method.fullmatch(method) or not self.path.search(path) or not self.query.search(query):
            return False
        if self.header and not any(self.header.search(h) for h in header_lines):
            return False
        return True

    def view(self):
        v = dict(self.spec)
        v['matched'], v['fired'] = self.matched, self.fired
        return v


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.RLock()
        self.cond = threading.Condition(self.lock)
        self.log = collections.deque(maxlen=LOG_RING)
        self.log_lock = threading.Lock()  # entries are completed after they are in the log
        self.log_file = open(args.log, 'a', buffering=1) if args.log else None
        self.reset()

    def default_config(self):
        a = self.args
        return {'readyDelay': a.ready_delay, 'nsDeleteDelay': a.ns_delete_delay,
                'crdEstablishDelay': a.crd_establish_delay, 'discovery': 'aggregated',
                'version': a.server_version, 'hangMax': HANG_MAX, 'watchMax': WATCH_MAX,
                'logBodies': True}

    def reset(self):
        with self.lock:
            self.config = self.default_config()
            self.types = builtin_types()
            self.objs = {}
            self.rv = 1000
            self.events = collections.deque(maxlen=EVENT_RING)
            self.faults = []
            self.fault_seq = 0
            with self.log_lock:
                self.log.clear()
            self.ip_seq = 10
            self.port_seq = 30000
            self.tokens = {}
            for tok in self.args.token or []:
                token, _, user = tok.partition('=')
                self.tokens[token] = {'token': token, 'user': user or 'admin', 'forbid': []}
            self.timers_gen = getattr(self, 'timers_gen', 0) + 1
            self.terminated = set()  # namespaces whose contents are being removed
            self.crd_terminated = set()  # CRDs whose custom resources are being removed
            for ns in ('default', 'kube-node-lease', 'kube-public', 'kube-system'):
                t = self.find_type('', 'v1', 'namespaces')
                obj = {'apiVersion': 'v1', 'kind': 'Namespace', 'metadata': {'name': ns}}
                self.finalize(t, None, obj, False)
                obj['status'] = {'phase': 'Active'}
                self.store(t, obj, 'ADDED')
            self.cond.notify_all()

    # -- types
    def find_type(self, group, version, resource):
        for t in self.types:
            if t.group == group and t.resource == resource and (version is None or version in t.versions):
                return t
        return None

    def type_for(self, api_version, kind):
        group, _, version = api_version.rpartition('/')
        for t in self.types:
            if t.group == group and t.kind == kind and version in t.versions:
                return t
        return None

    def groups(self):
        out = collections.OrderedDict()
        for t in self.types:
            out.setdefault(t.group, []).append(t)
        return out

    # -- objects
    def table(self, t):
        return self.objs.setdefault((t.group, t.resource), {})

    def get(self, t, ns, name):
        return self.table(t).get((ns or '', name))

    def next_rv(self):
        self.rv += 1
        return str(self.rv)

    def store(self, t, obj, etype):
        md = obj['metadata']
        md['resourceVersion'] = self.next_rv()
        self.table(t)[(md.get('namespace', ''), md['name'])] = obj
        self.event(t, etype, obj)

    def event(self, t, etype, obj):
        self.events.append((int(obj['metadata']['resourceVersion']), etype, t.group, t.resource, clone(obj)))
        self.cond.notify_all()

    def remove(self, t, obj):
        md = obj['metadata']
        key = (md.get('namespace', ''), md['name'])
        if self.table(t).pop(key, None) is None:
            return
        gone = clone(obj)
        gone['metadata']['resourceVersion'] = self.next_rv()
        self.event(t, 'DELETED', gone)
        if t.group == 'apiextensions.k8s.io' and t.resource == 'customresourcedefinitions':
            self.unregister_crd(obj)
        if t.namespaced:
            self.ns_try_finish(md.get('namespace', ''))
        if t.crd:
            self.crd_try_finish(t.crd)

    def objects(self, t, ns=None):
        tab = self.table(t)
        return [tab[k] for k in sorted(tab) if ns is None or k[0] == ns]

    # -- namespaces
    def ns_check_create(self, ns):
        nst = self.find_type('', 'v1', 'namespaces')
        obj = self.get(nst, '', ns)
        if obj is None:
            raise err_ns_not_found(ns)
        return obj

    def ns_start_termination(self, nsobj):
        delay = float(self.config['nsDeleteDelay'])
        name = nsobj['metadata']['name']
        gen = self.timers_gen
        timer = threading.Timer(delay, self.ns_terminate, args=(name, gen))
        timer.daemon = True
        timer.start()

    def ns_terminate(self, name, gen):
        with self.lock:
            if gen != self.timers_gen:
                return
            for t in list(self.types):
                if not t.namespaced:
                    continue
                for obj in list(self.objects(t, name)):
                    if obj['metadata'].get('finalizers'):
                        if not obj['metadata'].get('deletionTimestamp'):
                            new = clone(obj)
                            new['metadata']['deletionTimestamp'] = now_iso()
                            new['metadata']['deletionGracePeriodSeconds'] = 0
                            self.store(t, new, 'MODIFIED')
                    else:
                        self.remove(t, obj)
            nst = self.find_type('', 'v1', 'namespaces')
            ns = self.get(nst, '', name)
            if ns is not None:
                self.terminated.add(name)
            self.ns_try_finish(name)

    def ns_try_finish(self, name):
        nst = self.find_type('', 'v1', 'namespaces')
        ns = self.get(nst, '', name)
        if ns is None or name not in self.terminated:
            return
        for t in self.types:
            if t.namespaced and self.objects(t, name):
                return
        if ns['metadata'].get('finalizers'):
            return
        self.terminated.discard(name)
        self.remove(nst, ns)

    # -- CRDs
    def crd_start_termination(self, crd):
        name, gen = crd['metadata']['name'], self.timers_gen

        def cleanup():
            with self.lock:
                if gen != self.timers_gen:
                    return
                self.crd_terminated.add(name)
                for t in [t for t in self.types if t.crd == name]:
                    for obj in list(self.objects(t)):
                        if obj['metadata'].get('finalizers'):
                            if not obj['metadata'].get('deletionTimestamp'):
                                new = clone(obj)
                                new['metadata']['deletionTimestamp'] = now_iso()
                                new['metadata']['deletionGracePeriodSeconds'] = 0
                                self.store(t, new, 'MODIFIED')
                        else:
                            self.remove(t, obj)
                self.crd_try_finish(name)

        timer = threading.Timer(float(self.config['nsDeleteDelay']), cleanup)
        timer.daemon = True
        timer.start()

    def crd_try_finish(self, name):
        if name not in self.crd_terminated:
            return
        ct = self.find_type('apiextensions.k8s.io', None, 'customresourcedefinitions')
        crd = self.get(ct, '', name)
        if crd is None:
            self.crd_terminated.discard(name)
            return
        for t in self.types:
            if t.crd == name and self.objects(t):
                return
        if crd['metadata'].get('finalizers'):
            return
        self.crd_terminated.discard(name)
        self.remove(ct, crd)

    def crd_types(self, crd):
        spec = crd.get('spec') or {}
        names = spec.get('names') or {}
        group = spec.get('group', '')
        versions = [v for v in spec.get('versions') or [] if v.get('served', True)]
        versions.sort(key=lambda v: not v.get('storage', False))
        if not versions or not names.get('plural') or not names.get('kind'):
            return None
        subs = versions[0].get('subresources') or spec.get('subresources') or {}
        return RType(group, [v['name'] for v in versions], names['plural'], names['kind'],
                     spec.get('scope', 'Namespaced') == 'Namespaced', names.get('shortNames') or [],
                     names.get('categories') or [], 'status' in subs, 'scale' in subs, True,
                     crd=crd['metadata']['name'], singular=names.get('singular'))

    def register_crd(self, crd):
        nt = self.crd_types(crd)
        if nt is None:
            return
        for i, t in enumerate(self.types):
            if t.crd == crd['metadata']['name']:
                self.types[i] = nt
                return
        self.types.append(nt)

    def unregister_crd(self, crd):
        name = crd['metadata']['name']
        for t in [t for t in self.types if t.crd == name]:
            for obj in list(self.objects(t)):
                self.table(t).pop((obj['metadata'].get('namespace', ''), obj['metadata']['name']), None)
                gone = clone(obj)
                gone['metadata']['resourceVersion'] = self.next_rv()
                self.event(t, 'DELETED', gone)
            self.types.remove(t)

    def crd_established(self, crd):
        return any(c.get('type') == 'Established' and c.get('status') == 'True'
                   for c in (crd.get('status') or {}).get('conditions') or [])

    def crd_status(self, crd, established):
        spec = crd.get('spec') or {}
        ts = now_iso()
        conds = [{'type': 'NamesAccepted', 'status': 'True', 'lastTransitionTime': ts,
                  'reason': 'NoConflicts', 'message': 'no conflicts found'}]
        if established:
            conds.append({'type': 'Established', 'status': 'True', 'lastTransitionTime': ts,
                          'reason': 'InitialNamesAccepted', 'message': 'the initial names have been accepted'})
        else:
            conds.append({'type': 'Established', 'status': 'False', 'lastTransitionTime': ts,
                          'reason': 'Installing', 'message': 'the initial names have been accepted'})
        storage = [v['name'] for v in spec.get('versions') or [] if v.get('storage')]
        return {'acceptedNames': clone(spec.get('names') or {}), 'conditions': conds,
                'storedVersions': storage}

    def crd_after_write(self, t, obj, created):
        if self.crd_established(obj):
            self.register_crd(obj)
            return
        delay = float(self.config['crdEstablishDelay'])
        name, uid, gen = obj['metadata']['name'], obj['metadata']['uid'], self.timers_gen

        def establish():
            with self.lock:
                cur = self.get(t, '', name)
                if gen != self.timers_gen or cur is None or cur['metadata']['uid'] != uid:
                    return
                new = clone(cur)
                new['status'] = self.crd_status(new, True)
                new['metadata']['managedFields'] = track_update(
                    t, cur, new, 'kube-apiserver', t.gv(), 'status')
                self.store(t, new, 'MODIFIED')
                self.register_crd(new)

        timer = threading.Timer(delay, establish)
        timer.daemon = True
        timer.start()

    # -- defaulting, status, bookkeeping shared by every write
    def alloc_ip(self):
        self.ip_seq += 1
        return f'10.96.{self.ip_seq // 250}.{self.ip_seq % 250 + 1}'

    def alloc_port(self):
        self.port_seq += 1
        return self.port_seq

    def apply_defaults(self, t, obj, live):
        key = (t.group, t.kind)
        spec = obj.get('spec') if isinstance(obj.get('spec'), dict) else None
        md = obj['metadata']
        if key == ('', 'Namespace'):
            md.setdefault('labels', {})['kubernetes.io/metadata.name'] = md['name']
            obj.setdefault('spec', {}).setdefault('finalizers', ['kubernetes'])
        elif key == ('', 'Secret'):
            obj.setdefault('type', 'Opaque')
            sd = obj.pop('stringData', None)
            if isinstance(sd, dict):
                data = obj.setdefault('data', {})
                for k, v in sd.items():
                    data[k] = base64.b64encode(str(v).encode()).decode()
        elif key == ('', 'Service'):
            spec = obj.setdefault('spec', {})
            old = (live or {}).get('spec') or {}
            typ = spec.setdefault('type', 'ClusterIP')
            if typ != 'ExternalName':
                if not spec.get('clusterIP'):
                    spec['clusterIP'] = old.get('clusterIP') or self.alloc_ip()
                spec.setdefault('clusterIPs', [spec['clusterIP']])
                if spec['clusterIP'] != 'None':
                    spec.setdefault('ipFamilies', ['IPv4'])
                    spec.setdefault('ipFamilyPolicy', 'SingleStack')
                spec.setdefault('internalTrafficPolicy', 'Cluster')
            spec.setdefault('sessionAffinity', 'None')
            oldports = {(p.get('port'), p.get('protocol', 'TCP')): p for p in old.get('ports') or []
                        if isinstance(p, dict)}
            for p in spec.get('ports') or []:
                if not isinstance(p, dict):
                    continue
                p.setdefault('protocol', 'TCP')
                p.setdefault('targetPort', p.get('port'))
                if typ in ('NodePort', 'LoadBalancer') and not p.get('nodePort'):
                    p['nodePort'] = oldports.get((p.get('port'), p['protocol']), {}).get('nodePort') \
                        or self.alloc_port()
            if typ in ('NodePort', 'LoadBalancer'):
                spec.setdefault('externalTrafficPolicy', 'Cluster')
            if typ == 'LoadBalancer':
                spec.setdefault('allocateLoadBalancerNodePorts', True)
        elif key == ('', 'Pod') and spec is not None:
            default_pod_spec(spec, pod=True)
        elif key == ('', 'PersistentVolumeClaim') and spec is not None:
            spec.setdefault('volumeMode', 'Filesystem')
        elif key == ('apps', 'Deployment') and spec is not None:
            spec.setdefault('replicas', 1)
            st = spec.setdefault('strategy', {})
            st.setdefault('type', 'RollingUpdate')
            if st['type'] == 'RollingUpdate':
                ru = st.setdefault('rollingUpdate', {})
                ru.setdefault('maxUnavailable', '25%')
                ru.setdefault('maxSurge', '25%')
            spec.setdefault('revisionHistoryLimit', 10)
            spec.setdefault('progressDeadlineSeconds', 600)
            default_template(spec)
        elif key == ('apps', 'StatefulSet') and spec is not None:
            spec.setdefault('replicas', 1)
            spec.setdefault('podManagementPolicy', 'OrderedReady')
            us = spec.setdefault('updateStrategy', {})
            us.setdefault('type', 'RollingUpdate')
            if us['type'] == 'RollingUpdate':
                us.setdefault('rollingUpdate', {}).setdefault('partition', 0)
            spec.setdefault('revisionHistoryLimit', 10)
            pr = spec.setdefault('persistentVolumeClaimRetentionPolicy', {})
            pr.setdefault('whenDeleted', 'Retain')
            pr.setdefault('whenScaled', 'Retain')
            default_template(spec)
        elif key == ('apps', 'DaemonSet') and spec is not None:
            us = spec.setdefault('updateStrategy', {})
            us.setdefault('type', 'RollingUpdate')
            if us['type'] == 'RollingUpdate':
                ru = us.setdefault('rollingUpdate', {})
                ru.setdefault('maxUnavailable', 1)
                ru.setdefault('maxSurge', 0)
            spec.setdefault('revisionHistoryLimit', 10)
            default_template(spec)
        elif key == ('apps', 'ReplicaSet') and spec is not None:
            spec.setdefault('replicas', 1)
            default_template(spec)
        elif key == ('batch', 'Job') and spec is not None:
            for k, v in (('backoffLimit', 6), ('completions', 1), ('parallelism', 1),
                         ('completionMode', 'NonIndexed'), ('suspend', False),
                         ('podReplacementPolicy', 'TerminatingOrFailed')):
                spec.setdefault(k, v)
            uid = md.get('uid', '')
            if 'selector' not in spec:
                spec['selector'] = {'matchLabels': {'batch.kubernetes.io/controller-uid': uid}}
            tpl = spec.get('template')
            if isinstance(tpl, dict):
                lab = tpl.setdefault('metadata', {}).setdefault('labels', {})
                lab.setdefault('batch.kubernetes.io/controller-uid', uid)
                lab.setdefault('batch.kubernetes.io/job-name', md['name'])
                lab.setdefault('controller-uid', uid)
                lab.setdefault('job-name', md['name'])
                default_pod_spec(tpl.get('spec'), restart='Never')
        elif key == ('batch', 'CronJob') and spec is not None:
            for k, v in (('concurrencyPolicy', 'Allow'), ('suspend', False),
                         ('successfulJobsHistoryLimit', 3), ('failedJobsHistoryLimit', 1)):
                spec.setdefault(k, v)
            jt = spec.get('jobTemplate')
            if isinstance(jt, dict) and isinstance(jt.get('spec'), dict):
                default_template(jt['spec'], restart='Never')
        elif key == ('apiextensions.k8s.io', 'CustomResourceDefinition') and spec is not None:
            spec.setdefault('conversion', {'strategy': 'None'})

    def initial_status(self, t, obj):
        key = (t.group, t.kind)
        if key == ('', 'Namespace'):
            return {'phase': 'Active'}
        if key in (('', 'Service'), ('networking.k8s.io', 'Ingress')):
            return {'loadBalancer': {}}
        if key == ('apiextensions.k8s.io', 'CustomResourceDefinition'):
            return self.crd_status(obj, float(self.config['crdEstablishDelay']) <= 0)
        if key == ('apiregistration.k8s.io', 'APIService'):
            return {'conditions': [{'type': 'Available', 'status': 'True', 'lastTransitionTime': now_iso(),
                                    'reason': 'Local', 'message': 'Local APIServices are always available'}]}
        return {} if t.status else None

    def rollout(self, obj):
        ann = (obj['metadata'].get('annotations') or {})
        outcome = ann.get('kube-standin/rollout', 'ready')
        try:
            delay = float(ann.get('kube-standin/ready-delay', self.config['readyDelay']))
        except ValueError:
            delay = float(self.config['readyDelay'])
        return outcome, max(0.0, delay)

    def workload_status(self, t, obj, phase):
        """Status of a workload that is progressing, ready or failed (phase)."""
        key = (t.group, t.kind)
        spec = obj.get('spec') or {}
        md = obj['metadata']
        gen = md.get('generation')
        ts = now_iso()
        n = spec.get('replicas', 1) if isinstance(spec.get('replicas', 1), int) else 1

        def cond(typ, status, reason, message):
            return {'type': typ, 'status': status, 'lastUpdateTime': ts, 'lastTransitionTime': ts,
                    'reason': reason, 'message': message}

        if key == ('apps', 'Deployment'):
            rs = f'{md["name"]}-{(md.get("uid") or "0000000000")[:10].replace("-", "")}'
            st = {'observedGeneration': gen, 'replicas': n, 'updatedReplicas': n}
            if phase == 'ready':
                if n:
                    st.update(readyReplicas=n, availableReplicas=n)
                st['conditions'] = [
                    cond('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'),
                    cond('Progressing', 'True', 'NewReplicaSetAvailable',
                         f'ReplicaSet "{rs}" has successfully progressed.')]
            else:
                st['unavailableReplicas'] = n
                prog = cond('Progressing', 'True', 'ReplicaSetUpdated', f'ReplicaSet "{rs}" is progressing.') \
                    if phase == 'progressing' else cond('Progressing', 'False', 'ProgressDeadlineExceeded',
                                                        f'ReplicaSet "{rs}" has timed out progressing.')
                st['conditions'] = [
                    cond('Available', 'False', 'MinimumReplicasUnavailable',
                         'Deployment does not have minimum availability.'), prog]
            return {k: v for k, v in st.items() if v not in (0, None)}
        if key == ('apps', 'StatefulSet'):
            rev = f'{md["name"]}-{(md.get("uid") or "0")[:10].replace("-", "")}'
            ready = n if phase == 'ready' else 0
            st = {'observedGeneration': gen, 'replicas': n, 'readyReplicas': ready, 'currentReplicas': n,
                  'updatedReplicas': n, 'availableReplicas': ready, 'currentRevision': rev,
                  'updateRevision': rev, 'collisionCount': 0}
            return {k: v for k, v in st.items() if v not in (0, None) or k == 'replicas'}
        if key == ('apps', 'DaemonSet'):
            ready = 1 if phase == 'ready' else 0
            st = {'currentNumberScheduled': 1, 'desiredNumberScheduled': 1, 'numberAvailable': ready,
                  'numberMisscheduled': 0, 'numberReady': ready, 'observedGeneration': gen,
                  'updatedNumberScheduled': 1}
            if not ready:
                st['numberUnavailable'] = 1
                del st['numberAvailable']
            return st
        if key == ('apps', 'ReplicaSet'):
            ready = n if phase == 'ready' else 0
            st = {'replicas': n, 'fullyLabeledReplicas': n, 'readyReplicas': ready,
                  'availableReplicas': ready, 'observedGeneration': gen}
            return {k: v for k, v in st.items() if v not in (0, None) or k == 'replicas'}
        if key == ('batch', 'Job'):
            start = (obj.get('status') or {}).get('startTime') or ts
            if phase == 'progressing':
                return {'active': 1, 'startTime': start, 'ready': 0, 'terminating': 0,
                        'uncountedTerminatedPods': {}}
            if phase == 'ready':
                return {'succeeded': 1, 'startTime': start, 'completionTime': ts, 'ready': 0,
                        'terminating': 0, 'uncountedTerminatedPods': {},
                        'conditions': [{'type': 'SuccessCriteriaMet', 'status': 'True', 'lastProbeTime': ts,
                                        'lastTransitionTime': ts},
                                       {'type': 'Complete', 'status': 'True', 'lastProbeTime': ts,
                                        'lastTransitionTime': ts}]}
            return {'failed': 1, 'startTime': start, 'ready': 0, 'terminating': 0,
                    'uncountedTerminatedPods': {},
                    'conditions': [{'type': 'Failed', 'status': 'True', 'lastProbeTime': ts,
                                    'lastTransitionTime': ts, 'reason': 'BackoffLimitExceeded',
                                    'message': 'Job has reached the specified backoff limit'}]}
        if key == ('', 'Pod'):
            conts = [c for c in (spec.get('containers') or []) if isinstance(c, dict)]
            if phase == 'progressing':
                return {'phase': 'Pending', 'conditions': [
                    {'type': 'PodScheduled', 'status': 'True', 'lastProbeTime': None, 'lastTransitionTime': ts}]}
            ok = phase == 'ready'
            cstat = []
            for c in conts:
                cs = {'name': c.get('name'), 'image': c.get('image'), 'imageID': '', 'ready': ok,
                      'started': ok, 'restartCount': 0 if ok else 5}
                cs['state'] = {'running': {'startedAt': ts}} if ok else {
                    'waiting': {'reason': 'CrashLoopBackOff',
                                'message': f'back-off 5m0s restarting failed container={c.get("name")}'}}
                cstat.append(cs)
            v = 'True' if ok else 'False'
            return {'phase': 'Running', 'startTime': ts, 'hostIP': '10.0.0.1', 'podIP': '10.244.0.10',
                    'conditions': [{'type': t_, 'status': s_, 'lastProbeTime': None, 'lastTransitionTime': ts}
                                   for t_, s_ in (('Initialized', 'True'), ('Ready', v),
                                                  ('ContainersReady', v), ('PodScheduled', 'True'))],
                    'containerStatuses': cstat}
        if key == ('', 'PersistentVolumeClaim'):
            if phase != 'ready':
                return {'phase': 'Pending'}
            req = ((spec.get('resources') or {}).get('requests') or {}).get('storage', '1Gi')
            return {'phase': 'Bound', 'accessModes': spec.get('accessModes') or ['ReadWriteOnce'],
                    'capacity': {'storage': req}}
        if key in (('', 'Service'), ('networking.k8s.io', 'Ingress')):
            if key == ('', 'Service') and spec.get('type') != 'LoadBalancer':
                return {'loadBalancer': {}}
            if phase != 'ready':
                return {'loadBalancer': {}}
            ing = {'ip': '127.0.0.2'}
            if key == ('', 'Service'):
                ing['ipMode'] = 'VIP'
            return {'loadBalancer': {'ingress': [ing]}}
        return None

    def finalize(self, t, live, new, dry, version=None):
        """System metadata, status, defaults and generation of an object about to be written.

        Returns whether the write starts a rollout (workload status to become ready later)."""
        md = new.setdefault('metadata', {})
        new['apiVersion'] = t.gv()
        new['kind'] = t.kind
        for k in ('resourceVersion', 'uid', 'creationTimestamp', 'generation', 'deletionTimestamp',
                  'deletionGracePeriodSeconds', 'selfLink'):
            md.pop(k, None)
        if live:
            lmd = live['metadata']
            for k in ('uid', 'creationTimestamp', 'resourceVersion', 'deletionTimestamp',
                      'deletionGracePeriodSeconds'):
                if k in lmd:
                    md[k] = lmd[k]
        else:
            md['uid'] = str(uuid.uuid4())
            md['creationTimestamp'] = now_iso()
        if t.status:
            if live and 'status' in live:
                new['status'] = clone(live['status'])
            else:
                new.pop('status', None)
                st = self.initial_status(t, new)
                if st is not None:
                    new['status'] = st
        self.apply_defaults(t, new, live)
        spec_changed = live is None or canon({k: v for k, v in live.items() if k not in ('metadata', 'status')}) \
            != canon({k: v for k, v in new.items() if k not in ('metadata', 'status')})
        if t.generation:
            gen = (live or {}).get('metadata', {}).get('generation', 0)
            md['generation'] = gen + 1 if spec_changed else gen
        # keys: the server orders metadata and top-level fields the way kubectl prints them
        order = ['name', 'generateName', 'namespace', 'uid', 'resourceVersion', 'generation',
                 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels',
                 'annotations', 'ownerReferences', 'finalizers', 'managedFields']
        new['metadata'] = {k: md[k] for k in order if k in md}
        new['metadata'].update({k: v for k, v in md.items() if k not in order})
        if (t.group, t.kind) in WORKLOADS and spec_changed and (t.generation or live is None):
            if dry:
                if live is None and t.status:
                    st = self.initial_status(t, new)
                    if st is None:
                        new.pop('status', None)
                    else:
                        new['status'] = st
                return False
            st = self.workload_status(t, new, 'progressing')
            if st is not None:
                new['status'] = st
                return True
        return False

    def start_rollout(self, t, obj):
        outcome, delay = self.rollout(obj)
        if outcome == 'never':
            return
        md = obj['metadata']
        key = (md.get('namespace', ''), md['name'])
        uid, gen, tgen = md['uid'], md.get('generation'), self.timers_gen

        def done():
            with self.lock:
                cur = self.table(t).get(key)
                if tgen != self.timers_gen or cur is None or cur['metadata']['uid'] != uid \
                        or cur['metadata'].get('generation') != gen or cur['metadata'].get('deletionTimestamp'):
                    return
                new = clone(cur)
                new['status'] = self.workload_status(t, new, 'failed' if outcome == 'fail' else 'ready')
                if canon(new) == canon(cur):
                    return
                new['metadata']['managedFields'] = track_update(
                    t, cur, new, 'kube-controller-manager', t.gv(), 'status')
                self.store(t, new, 'MODIFIED')

        if delay <= 0:
            done()
            return
        timer = threading.Timer(delay, done)
        timer.daemon = True
        timer.start()

    def validate_name(self, t, name):
        if t.kind == 'Service' and not t.group:
            ok = len(name) <= 63 and re.fullmatch(r'[a-z]([-a-z0-9]*[a-z0-9])?', name)
            detail = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
                      "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
                      "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')")
        elif t.kind == 'Namespace' and not t.group:
            ok = len(name) <= 63 and re.fullmatch(r'[a-z0-9]([-a-z0-9]*[a-z0-9])?', name)
            detail = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
                      "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
                      "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
        else:
            ok = len(name) <= 253 and re.fullmatch(r'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*',
                                                  name)
            detail = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
                      "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex "
                      "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
        if not ok:
            raise err_invalid(t, name, 'metadata.name', name, detail)

    def validate_object(self, t, obj):
        if t.group == 'apiextensions.k8s.io' and t.kind == 'CustomResourceDefinition':
            spec = obj.get('spec') or {}
            name = obj['metadata']['name']
            want = f'{(spec.get("names") or {}).get("plural", "")}.{spec.get("group", "")}'
            if name != want:
                raise err_invalid(t, name, 'metadata.name', name, 'must be spec.names.plural+"."+spec.group')
            if self.crd_types(obj) is None:
                raise ApiError(422, 'Invalid', f'{t.qualified_kind} "{name}" is invalid: spec: Required value: '
                               'names.plural, names.kind and a served version are required',
                               {'name': name, 'group': t.group, 'kind': t.kind})

    def check_create(self, t, ns, name):
        """Checks for a write that creates an object."""
        self.validate_name(t, name)
        if t.namespaced:
            nsobj = self.ns_check_create(ns)
            if nsobj['metadata'].get('deletionTimestamp'):
                raise ApiError(403, 'Forbidden',
                               f'{t.qualified} "{name}" is forbidden: unable to create new content in namespace '
                               f'{ns} because it is being terminated',
                               details(t, name, causes=[{
                                   'reason': 'NamespaceTerminating',
                                   'message': f'namespace {ns} is being terminated',
                                   'field': 'metadata.namespace'}]))

    def commit(self, t, live, new, dry, rollout):
        """Store new (replacing live); returns (code, object). No-op writes keep live as it is."""
        if live is not None and canon(new) == canon(live):
            return 200, live
        if dry:
            if live is None:
                new['metadata'].pop('resourceVersion', None)
            return (201 if live is None else 200), new
        if new['metadata'].get('deletionTimestamp') and not new['metadata'].get('finalizers'):
            self.remove(t, live or new)
            return 200, new
        self.store(t, new, 'ADDED' if live is None else 'MODIFIED')
        if t.group == 'apiextensions.k8s.io' and t.kind == 'CustomResourceDefinition':
            self.crd_after_write(t, new, live is None)
        if rollout:
            self.start_rollout(t, new)
        return (201 if live is None else 200), new


# ---------------------------------------------------------------------------------------------
# Certificates


def make_certs(d):
    os.makedirs(d, exist_ok=True)
    ca_key, ca_crt = os.path.join(d, 'ca.key'), os.path.join(d, 'ca.crt')
    key, csr, crt = os.path.join(d, 'tls.key'), os.path.join(d, 'tls.csr'), os.path.join(d, 'tls.crt')
    ext = os.path.join(d, 'tls.ext')
    ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']

    def run(*cmd):
        subprocess.run(['openssl', *cmd], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       timeout=30)

    run('req', '-x509', *ec, '-keyout', ca_key, '-out', ca_crt, '-days', '3',
        '-subj', '/CN=kube-standin test CA', '-addext', 'basicConstraints=critical,CA:TRUE',
        '-addext', 'keyUsage=critical,keyCertSign,cRLSign')
    run('req', '-new', *ec, '-keyout', key, '-out', csr, '-subj', '/CN=127.0.0.1')
    with open(ext, 'w') as f:
        f.write('subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n'
                'keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n')
    run('x509', '-req', '-in', csr, '-CA', ca_crt, '-CAkey', ca_key, '-set_serial',
        str(int.from_bytes(os.urandom(8), 'big')), '-days', '3', '-extfile', ext, '-out', crt)
    return ca_crt, crt, key


# ---------------------------------------------------------------------------------------------
# HTTP


class Response:
    def __init__(self, code, body=b'', ctype='application/json', headers=None, stream=None):
        self.code, self.body, self.ctype = code, body, ctype
        self.headers = headers or []
        self.stream = stream


def json_response(code, obj, headers=None, ctype='application/json'):
    return Response(code, json.dumps(obj, separators=(',', ':')).encode() + b'\n', ctype, headers)


class Dropped(Exception):
    pass


def present(obj, t, version):
    o = clone(obj)
    o['apiVersion'] = t.gv(version)
    o['kind'] = t.kind
    return o


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'kube-standin'
    sys_version = ''
    timeout = 300  # idle keep-alive connections end after this

    def log_message(self, fmt, *args):
        pass

    def setup(self):
        super().setup()
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    # every method goes through dispatch
    def do_GET(self):
        self.dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    @property
    def S(self):
        return self.server.state

    def read_body(self):
        if 'chunked' in (self.headers.get('Transfer-Encoding') or '').lower():
            out = b''
            while True:
                size = int(self.rfile.readline().split(b';')[0].strip() or b'0', 16)
                if size == 0:
                    while self.rfile.readline() not in (b'\r\n', b'\n', b''):
                        pass
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
                if len(out) > MAX_BODY:
                    raise ApiError(413, 'RequestEntityTooLarge', 'request body too large')
        n = int(self.headers.get('Content-Length') or 0)
        if n > MAX_BODY:
            raise ApiError(413, 'RequestEntityTooLarge', 'request body too large')
        return self.rfile.read(n) if n else b''

    def dispatch(self):
        t0 = time.monotonic()
        u = urllib.parse.urlsplit(self.path)
        path, query = u.path, u.query
        self.q = urllib.parse.parse_qs(query, keep_blank_values=True)
        entry = {'time': now_iso(), 'method': self.command, 'path': path, 'query': query,
                 'command': self.headers.get('Kubectl-Command', ''),
                 'session': self.headers.get('Kubectl-Session', ''),
                 'userAgent': self.headers.get('User-Agent', ''), 'accept': self.headers.get('Accept', ''),
                 'contentType': self.headers.get('Content-Type', '')}
        try:
            body = self.read_body()
        except ApiError as e:
            self.send(json_response(e.code, e.status()))
            self.close_connection = True
            return
        if path == '/_sim' or path.startswith('/_sim/'):
            self.send(self.admin(path, body))
            return
        if self.S.config.get('logBodies') and body:
            entry['body'] = body[:LOG_BODY_MAX].decode('utf-8', 'replace')
        fault = self.match_fault(path, query)
        resp = None
        logged = False
        try:
            if fault is not None:
                entry['fault'] = fault.id
                resp = self.fault_before(fault)
            if resp is None:
                try:
                    resp = self.app(path, body, entry)
                except ApiError as e:
                    resp = json_response(e.code, e.status(), e.headers)
            if fault is not None:
                self.fault_after(fault, resp)
            # In the log before the client has the answer: a test that saw a tool exit reads the
            # log complete, without waiting for the entries to land.
            logged = self.log_early(entry, resp.code)
            self.send(resp)
        except Dropped as d:
            with self.S.log_lock:
                entry['status'] = 0
                entry['dropped'] = str(d)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError) as e:
            with self.S.log_lock:
                entry['status'] = entry.get('status', 0)
                entry['error'] = str(e)
            self.close_connection = True
        with self.S.log_lock:
            entry['ms'] = round((time.monotonic() - t0) * 1000, 1)
        self.write_log(entry, logged)

    def log_early(self, entry, status):
        with self.S.log_lock:
            entry['status'] = status
            self.S.log.append(entry)
        return True

    def write_log(self, entry, logged=False):
        if not logged:
            with self.S.log_lock:
                self.S.log.append(entry)
        if self.S.log_file:
            try:
                self.S.log_file.write(json.dumps(entry) + '\n')
            except (OSError, ValueError):
                pass

    # -- responses
    def send(self, resp):
        if resp.stream is not None:
            head = [f'HTTP/1.1 {resp.code} {self.responses.get(resp.code, ("",))[0]}',
                    f'Content-Type: {resp.ctype}', 'Transfer-Encoding: chunked',
                    f'Date: {email.utils.formatdate(usegmt=True)}', 'Cache-Control: no-cache, private'] + resp.headers
            self.wfile.write(('\r\n'.join(head) + '\r\n\r\n').encode())
            for chunk in resp.stream():
                self.wfile.write(b'%x\r\n%s\r\n' % (len(chunk), chunk))
            self.wfile.write(b'0\r\n\r\n')
            return
        body = resp.body if self.command != 'HEAD' else b''
        # Date matters: the kubectl dispatcher caches /version only when the reply has one
        head = [f'HTTP/1.1 {resp.code} {self.responses.get(resp.code, ("Unknown",))[0]}',
                f'Date: {email.utils.formatdate(usegmt=True)}',
                f'Content-Type: {resp.ctype}', f'Content-Length: {len(resp.body)}'] + resp.headers
        if self.close_connection:
            head.append('Connection: close')
        data = ('\r\n'.join(head) + '\r\n\r\n').encode()
        if getattr(resp, 'truncate', False):
            self.wfile.write(data + body[:len(body) // 2])
            self.kill(False)
            raise Dropped('truncated')
        self.wfile.write(data + body)

    def kill(self, reset):
        """End the connection without (more of) a response: FIN, or RST when reset."""
        self.close_connection = True
        try:
            if reset:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
                for f in (self.rfile, self.wfile):
                    try:
                        f.close()
                    except OSError:
                        pass
                self.connection.close()
            else:
                self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # -- faults
    def match_fault(self, path, query):
        lines = [f'{k}: {v}' for k, v in self.headers.items()]
        with self.S.lock:
            for f in self.S.faults:
                if f.times and f.fired >= f.times:
                    continue
                if not f.matches(self.command, path, query, lines):
                    continue
                f.matched += 1
                if f.matched <= f.skip:
                    return None
                f.fired += 1
                return f
        return None

    def fault_before(self, f):
        s = f.spec
        if s.get('delay'):
            time.sleep(min(float(s['delay']), float(self.S.config['hangMax'])))
        if f.action == 'status':
            code = int(s['status'])
            headers = []
            if s.get('retryAfter') is not None:
                headers.append(f'Retry-After: {int(s["retryAfter"])}')
            if 'body' in s:
                return Response(code, str(s['body']).encode(), s.get('contentType', 'text/plain'), headers)
            d = clone(s.get('details')) if s.get('details') is not None else None
            if s.get('causes'):
                d = d or {}
                d['causes'] = s['causes']
            if s.get('retryAfter') is not None:
                d = d or {}
                d['retryAfterSeconds'] = int(s['retryAfter'])
            reason = s.get('reason') or REASONS.get(code, 'Unknown')
            msg = s.get('message') or f'injected fault {f.id}: {reason}'
            return json_response(code, ApiError(code, reason, msg, d).status(), headers)
        if f.action in ('drop', 'reset') and s.get('phase', 'before') == 'before':
            self.kill(f.action == 'reset')
            raise Dropped(f.action)
        if f.action == 'hang':
            limit = min(float(s.get('seconds') or self.S.config['hangMax']), float(self.S.config['hangMax']))
            end = time.monotonic() + limit
            while time.monotonic() < end:
                r, _, _ = select.select([self.connection], [], [], 0.1)
                if r:
                    break  # the client went away (or sent more): stop holding
            self.kill(False)
            raise Dropped('hang')
        return None

    def fault_after(self, f, resp):
        s = f.spec
        if f.action == 'warning' or s.get('warning'):
            text = s.get('warning') or s.get('message') or 'injected warning'
            resp.headers.append('Warning: 299 - ' + json.dumps(text))
        if f.action == 'truncate':
            resp.truncate = True
        if f.action in ('drop', 'reset') and s.get('phase') == 'after':
            self.kill(f.action == 'reset')
            raise Dropped(f.action + ' after')

    # -- the API
    def authenticate(self):
        S = self.S
        if S.args.no_auth:
            return {'user': 'admin', 'forbid': []}
        h = self.headers.get('Authorization') or ''
        if not h:
            return None
        if h.lower().startswith('bearer '):
            rec = S.tokens.get(h[7:].strip())
            if rec:
                return rec
        raise ApiError(401, 'Unauthorized', 'Unauthorized')

    def authorize(self, user, verb, t, ns, name, sub):
        res = t.resource + ('/' + sub if sub else '')

        def matches(rule):
            def m(key, val, alt=None):
                want = rule.get(key)
                if want is None or want == '*':
                    return True
                wants = want if isinstance(want, list) else [want]
                return val in wants or (alt is not None and alt in wants)
            return (m('verb', verb) and m('group', t.group) and m('namespace', ns or '')
                    and m('name', name or '') and (m('resource', res, t.resource) if 'resource' in rule
                                                   else m('kind', t.kind)))
        # RBAC as the API server has it: with an allow list (Roles and ClusterRoles: a rule with a
        # namespace is a Role there, without one a ClusterRole, which also covers the cluster scope),
        # only what a rule allows; then the forbid rules (a fault: refuse what would be allowed).
        allow = user.get('allow')
        if (allow is not None and not any(matches(r) and (r.get('namespace') is None or ns) for r in allow)) \
                or any(matches(r) for r in user.get('forbid') or []):
            where = f'in the namespace "{ns}"' if ns else 'at the cluster scope'
            why = f'User "{user["user"]}" cannot {verb} resource "{res}" in API group "{t.group}" {where}'
            msg = f'{t.qualified} "{name}" is forbidden: {why}' if name else f'{t.qualified} is forbidden: {why}'
            raise ApiError(403, 'Forbidden', msg, details(t, name))

    def app(self, path, body, entry):
        S = self.S
        user = self.authenticate()
        entry['user'] = user['user'] if user else 'system:anonymous'
        public = path in ('/version', '/healthz', '/livez', '/readyz') or path.startswith(
            ('/healthz/', '/livez/', '/readyz/'))
        if user is None and not public:
            raise ApiError(401, 'Unauthorized', 'Unauthorized')
        if path == '/version':
            v = S.config['version']
            m = re.match(r'v(\d+)\.(\d+)', v)
            return json_response(200, {
                'major': m.group(1) if m else '1', 'minor': m.group(2) if m else '32', 'emulationMajor':
                m.group(1) if m else '1', 'emulationMinor': m.group(2) if m else '32',
                'gitVersion': v, 'gitCommit': '0000000000000000000000000000000000000000',
                'gitTreeState': 'clean', 'buildDate': '2025-04-22T16:00:00Z', 'goVersion': 'go1.23.8',
                'compiler': 'gc', 'platform': 'linux/amd64'})
        if public:
            return Response(200, b'ok', 'text/plain; charset=utf-8')
        if path == '/openapi/v2':
            return Response(200, b'', 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf')
        if path in ('/api', '/api/', '/apis', '/apis/'):
            return self.discovery(path.rstrip('/'))
        if path.startswith('/api/') or path.startswith('/apis/'):
            return self.resource(path, body, user)
        raise err_no_resource()

    def discovery(self, path):
        S = self.S
        core = path == '/api'
        with S.lock:
            groups = S.groups()
            want = None
            if S.config['discovery'] != 'legacy':
                for part in (self.headers.get('Accept') or '').split(','):
                    params = dict(p.strip().split('=', 1) for p in part.split(';')[1:] if '=' in p)
                    if params.get('g') == 'apidiscovery.k8s.io' and params.get('as') == 'APIGroupDiscoveryList' \
                            and params.get('v') in ('v2', 'v2beta1'):
                        want = params['v']
                        break
            if want:
                items = []
                for g, types in groups.items():
                    if (g == '') != core:
                        continue
                    versions = []
                    for t in types:
                        for v in t.versions:
                            if v not in versions:
                                versions.append(v)
                    vitems = []
                    for v in versions:
                        res = []
                        for t in types:
                            if v not in t.versions:
                                continue
                            r = {'resource': t.resource, 'responseKind': {'group': g, 'version': v, 'kind': t.kind},
                                 'scope': 'Namespaced' if t.namespaced else 'Cluster',
                                 'singularResource': t.singular, 'verbs': ALL_VERBS}
                            if t.short:
                                r['shortNames'] = t.short
                            if t.categories:
                                r['categories'] = t.categories
                            subs = []
                            if t.status:
                                subs.append({'subresource': 'status', 'responseKind':
                                             {'group': g, 'version': v, 'kind': t.kind},
                                             'verbs': ['get', 'patch', 'update']})
                            if t.scale:
                                subs.append({'subresource': 'scale', 'responseKind':
                                             {'group': 'autoscaling', 'version': 'v1', 'kind': 'Scale'},
                                             'verbs': ['get', 'patch', 'update']})
                            if subs:
                                r['subresources'] = subs
                            res.append(r)
                        vitems.append({'version': v, 'resources': res, 'freshness': 'Current'})
                    md = {'creationTimestamp': None} if core else {'name': g, 'creationTimestamp': None}
                    items.append({'metadata': md, 'versions': vitems})
                doc = {'kind': 'APIGroupDiscoveryList', 'apiVersion': f'apidiscovery.k8s.io/{want}',
                       'metadata': {}, 'items': items}
                return json_response(200, doc, ctype=f'application/json;g=apidiscovery.k8s.io;v={want};'
                                                     'as=APIGroupDiscoveryList')
            if core:
                return json_response(200, {'kind': 'APIVersions', 'versions': ['v1'], 'serverAddressByClientCIDRs': [
                    {'clientCIDR': '0.0.0.0/0', 'serverAddress': f'127.0.0.1:{self.server.server_address[1]}'}]})
            return json_response(200, {'kind': 'APIGroupList', 'apiVersion': 'v1',
                                        'groups': [self.api_group(g, ts) for g, ts in groups.items() if g]})

    def api_group(self, g, types):
        versions = []
        for t in types:
            for v in t.versions:
                if v not in versions:
                    versions.append(v)
        gvs = [{'groupVersion': f'{g}/{v}', 'version': v} for v in versions]
        return {'name': g, 'versions': gvs, 'preferredVersion': gvs[0]}

    def resource_list(self, group, version):
        S = self.S
        res = []
        for t in S.types:
            if t.group != group or version not in t.versions:
                continue
            r = {'name': t.resource, 'singularName': t.singular, 'namespaced': t.namespaced, 'kind': t.kind,
                 'verbs': ALL_VERBS}
            if t.short:
                r['shortNames'] = t.short
            if t.categories:
                r['categories'] = t.categories
            res.append(r)
            if t.status:
                res.append({'name': t.resource + '/status', 'singularName': '', 'namespaced': t.namespaced,
                            'kind': t.kind, 'verbs': ['get', 'patch', 'update']})
            if t.scale:
                res.append({'name': t.resource + '/scale', 'singularName': '', 'namespaced': t.namespaced,
                            'group': 'autoscaling', 'version': 'v1', 'kind': 'Scale',
                            'verbs': ['get', 'patch', 'update']})
        if not res:
            raise err_no_resource()
        gv = f'{group}/{version}' if group else version
        return json_response(200, {'kind': 'APIResourceList', 'apiVersion': 'v1', 'groupVersion': gv,
                                   'resources': res})

    def resource(self, path, body, user):
        S = self.S
        parts = [urllib.parse.unquote(p) for p in path.strip('/').split('/')]
        if parts[0] == 'api':
            group, version, rest = '', parts[1], parts[2:]
        else:
            if len(parts) == 2:
                with S.lock:
                    types = [t for t in S.types if t.group == parts[1]]
                    if not types:
                        raise err_no_resource()
                    return json_response(200, dict(kind='APIGroup', apiVersion='v1', **self.api_group(parts[1], types)))
            group, version, rest = parts[1], parts[2], parts[3:]
        if not rest:
            with S.lock:
                return self.resource_list(group, version)
        ns = None
        if rest[0] == 'namespaces' and len(rest) >= 3 and rest[2] not in ('status', 'finalize'):
            ns, rest = rest[1], rest[2:]
        if len(rest) > 3 or not all(rest):
            raise err_no_resource()
        resource, name, sub = rest[0], (rest[1] if len(rest) > 1 else None), (rest[2] if len(rest) > 2 else None)
        with S.lock:
            t = S.find_type(group, version, resource)
        if t is None or (ns is not None and not t.namespaced) or (t.namespaced and name and ns is None):
            raise err_no_resource()
        if sub and not ((sub == 'status' and t.status) or (sub == 'scale' and t.scale)):
            raise err_no_resource()
        m = self.command
        q = self.q
        watch = q.get('watch', [''])[0] in ('true', '1')
        verb = {'GET': 'watch' if watch else ('get' if name else 'list'), 'POST': 'create', 'PUT': 'update',
                'PATCH': 'patch', 'DELETE': 'delete' if name else 'deletecollection'}.get(m)
        if verb is None:
            raise ApiError(405, 'MethodNotAllowed', f'the server does not allow this method on the requested resource')
        self.authorize(user, verb, t, ns, name, sub)
        dry = 'All' in q.get('dryRun', [])
        if m == 'GET':
            if watch:
                return self.watch(t, version, ns, name)
            with S.lock:
                if name:
                    obj = S.get(t, ns, name)
                    if obj is None:
                        raise err_not_found(t, name)
                    if sub == 'scale':
                        return json_response(200, self.scale_of(t, obj))
                    return json_response(200, present(obj, t, version))
                return json_response(200, self.list_of(t, version, ns))
        if m == 'POST':
            if name:
                raise ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource')
            return self.create(t, version, ns, body, dry, user)
        if m == 'DELETE':
            if not name:
                return self.delete_collection(t, version, ns, body, dry)
            return self.delete(t, version, ns, name, body, dry)
        obj = self.parse_json(body)
        if m == 'PUT':
            return self.update(t, version, ns, name, sub, obj, dry, user)
        ctype = (self.headers.get('Content-Type') or '').split(';')[0].strip().lower()
        if ctype == 'application/apply-patch+yaml':
            if sub:
                return self.patch(t, version, ns, name, sub, obj, 'merge', dry)
            return self.apply(t, version, ns, name, obj, dry, user)
        kinds = {'application/merge-patch+json': 'merge', 'application/strategic-merge-patch+json': 'strategic',
                 'application/json-patch+json': 'json'}
        if ctype not in kinds:
            raise ApiError(415, 'UnsupportedMediaType', f'the body of the request was in an unknown format - '
                           f'accepted media types include: application/json-patch+json, application/merge-patch+json, '
                           f'application/apply-patch+yaml, application/strategic-merge-patch+json')
        return self.patch(t, version, ns, name, sub, obj, kinds[ctype], dry)

    def parse_json(self, body):
        ctype = (self.headers.get('Content-Type') or '').split(';')[0].strip().lower()
        if 'protobuf' in ctype:
            try:
                obj = decode_protobuf(body)
            except (ValueError, UnicodeDecodeError):
                obj = None
            if obj is not None:
                return obj
        if 'protobuf' in ctype or 'cbor' in ctype:
            raise ApiError(415, 'UnsupportedMediaType', f'the body of the request was in an unknown format - '
                           f'accepted media types include: application/json, application/yaml')
        try:
            return json.loads(body or b'null')
        except ValueError as e:
            raise err_bad(f'kube-standin accepts JSON bodies only (kubectl sends JSON): {e}')

    def manager(self, default=None):
        fm = self.q.get('fieldManager', [''])[0]
        if fm:
            return fm
        if default:
            return default
        return (self.headers.get('User-Agent') or 'unknown').split('/')[0].strip() or 'unknown'

    def list_of(self, t, version, ns):
        S = self.S
        lsel = parse_label_selector(self.q.get('labelSelector', [''])[0])
        fsel = parse_field_selector(self.q.get('fieldSelector', [''])[0])
        items = [present(o, t, version) for o in S.objects(t, ns) if labels_match(lsel, o) and fields_match(fsel, o)]
        return {'kind': t.kind + 'List', 'apiVersion': t.gv(version),
                'metadata': {'resourceVersion': str(S.rv)}, 'items': items}

    def scale_of(self, t, obj):
        md = obj['metadata']
        sel = ((obj.get('spec') or {}).get('selector') or {}).get('matchLabels') or {}
        return {'kind': 'Scale', 'apiVersion': 'autoscaling/v1',
                'metadata': {k: md[k] for k in ('name', 'namespace', 'uid', 'resourceVersion', 'creationTimestamp')
                             if k in md},
                'spec': {'replicas': (obj.get('spec') or {}).get('replicas', 0)},
                'status': {'replicas': (obj.get('status') or {}).get('replicas', 0),
                           'selector': ','.join(f'{k}={v}' for k, v in sel.items())}}

    def check_identity(self, t, version, ns, name, obj, need_kind):
        if not isinstance(obj, dict):
            raise err_bad('the request body must be a JSON object')
        md = obj.get('metadata') if isinstance(obj.get('metadata'), dict) else {}
        if need_kind and (not obj.get('apiVersion') or not obj.get('kind')):
            raise err_bad('invalid object: apiVersion and kind are required')
        if obj.get('kind') and obj['kind'] != t.kind:
            raise err_bad(f'the kind of the object ({obj["kind"]}) does not match the kind on the URL ({t.kind})')
        if obj.get('apiVersion') and obj['apiVersion'] != t.gv(version):
            raise err_bad(f'the API version in the data ({obj["apiVersion"]}) does not match the expected API '
                          f'version ({t.gv(version)})')
        if name is not None and md.get('name') not in (None, name):
            raise err_bad(f'the name of the object ({md.get("name")}) does not match the name on the URL ({name})')
        if md.get('namespace') not in (None, '', ns or ''):
            raise err_bad('the namespace of the provided object does not match the namespace sent on the request')
        md = dict(md)
        if name is not None:
            md['name'] = name
        if t.namespaced:
            md['namespace'] = ns
        else:
            md.pop('namespace', None)
        obj = dict(obj)
        obj['metadata'] = md
        return obj

    def result(self, code, obj, t, version):
        return json_response(code, present(obj, t, version))

    def create(self, t, version, ns, body, dry, user):
        S = self.S
        obj = self.check_identity(t, version, ns, None, self.parse_json(body), False)
        md = obj['metadata']
        with S.lock:
            if not md.get('name') and md.get('generateName'):
                md['name'] = md['generateName'] + uuid.uuid4().hex[:5]
            name = md.get('name')
            if not name:
                raise ApiError(422, 'Invalid', f'{t.kind} "" is invalid: metadata.name: Required value: name or '
                               'generateName is required', {'kind': t.kind})
            S.check_create(t, ns, name)
            if S.get(t, ns, name) is not None:
                raise ApiError(409, 'AlreadyExists', f'{t.qualified} "{name}" already exists', details(t, name))
            S.validate_object(t, obj)
            new = clone(obj)
            new['metadata'].pop('managedFields', None)
            rollout = S.finalize(t, None, new, dry, version)
            new['metadata']['managedFields'] = track_update(t, None, new, self.manager(), t.gv(version))
            code, out = S.commit(t, None, new, dry, rollout)
            return self.result(code, out, t, version)

    def update(self, t, version, ns, name, sub, obj, dry, user):
        S = self.S
        with S.lock:
            live = S.get(t, ns, name)
            if sub == 'scale':
                if live is None:
                    raise err_not_found(t, name)
                new = clone(live)
                new.setdefault('spec', {})['replicas'] = ((obj or {}).get('spec') or {}).get('replicas', 0)
                return self.write_sub(t, version, live, new, 'scale', dry)
            obj = self.check_identity(t, version, ns, name, obj, False)
            if live is None:
                # PUT creates when the object is missing, as for most built-in kinds
                self.authorize(user, 'create', t, ns, name, None)
                S.check_create(t, ns, name)
                S.validate_object(t, obj)
                new = clone(obj)
                new['metadata'].pop('managedFields', None)
                rollout = S.finalize(t, None, new, dry, version)
                new['metadata']['managedFields'] = track_update(t, None, new, self.manager(), t.gv(version))
                code, out = S.commit(t, None, new, dry, rollout)
                return self.result(code, out, t, version)
            rv = obj['metadata'].get('resourceVersion')
            if rv and rv != live['metadata']['resourceVersion']:
                raise ApiError(409, 'Conflict', f'Operation cannot be fulfilled on {t.qualified} "{name}": the object '
                               'has been modified; please apply your changes to the latest version and try again',
                               details(t, name))
            if sub == 'status':
                new = clone(live)
                new['status'] = clone(obj.get('status'))
                return self.write_sub(t, version, live, new, 'status', dry)
            S.validate_object(t, obj)
            new = clone(obj)
            new['metadata'].pop('managedFields', None)
            rollout = S.finalize(t, live, new, dry, version)
            new['metadata']['managedFields'] = track_update(t, live, new, self.manager(), t.gv(version))
            code, out = S.commit(t, live, new, dry, rollout)
            return self.result(code, out, t, version)

    def write_sub(self, t, version, live, new, sub, dry):
        """A write through the status or scale subresource."""
        S = self.S
        if sub == 'scale':
            gen_before = live['metadata'].get('generation')
            rollout = S.finalize(t, live, new, dry, version)
            new['metadata']['managedFields'] = track_update(t, live, new, self.manager(), t.gv(version), 'scale')
            code, out = S.commit(t, live, new, dry, rollout and new['metadata'].get('generation') != gen_before)
            return json_response(200, self.scale_of(t, out))
        new['metadata']['managedFields'] = track_update(t, live, new, self.manager(), t.gv(version), 'status')
        code, out = S.commit(t, live, new, dry, False)
        return self.result(200, out, t, version)

    def patch(self, t, version, ns, name, sub, patch, kind, dry):
        S = self.S
        with S.lock:
            live = S.get(t, ns, name)
            if live is None:
                raise err_not_found(t, name)
            base = self.scale_of(t, live) if sub == 'scale' else present(live, t, version)
            try:
                if kind == 'json':
                    got = json_patch(base, patch)
                elif kind == 'strategic':
                    got = strategic_patch(clone(base), patch)
                else:
                    got = merge_patch(clone(base), patch)
            except ValueError as e:
                raise ApiError(422, 'Invalid', f'{t.qualified_kind} "{name}" is invalid: {e}',
                               {'name': name, 'kind': t.kind})
            if not isinstance(got, dict):
                raise err_bad('the patch did not produce an object')
            if sub == 'scale':
                new = clone(live)
                new.setdefault('spec', {})['replicas'] = (got.get('spec') or {}).get('replicas', 0)
                return self.write_sub(t, version, live, new, 'scale', dry)
            got = self.check_identity(t, version, ns, name, got, False)
            if sub == 'status':
                new = clone(live)
                new['status'] = clone(got.get('status'))
                return self.write_sub(t, version, live, new, 'status', dry)
            S.validate_object(t, got)
            new = clone(got)
            new['metadata'].pop('managedFields', None)
            rollout = S.finalize(t, live, new, dry, version)
            new['metadata']['managedFields'] = track_update(t, live, new, self.manager(), t.gv(version))
            code, out = S.commit(t, live, new, dry, rollout)
            return self.result(200, out, t, version)

    def apply(self, t, version, ns, name, obj, dry, user):
        S = self.S
        obj = self.check_identity(t, version, ns, name, obj, True)
        manager = self.q.get('fieldManager', [''])[0]
        if not manager:
            raise ApiError(422, 'Invalid', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: '
                           'is required for apply patch', {'group': 'meta.k8s.io', 'kind': 'PatchOptions'})
        force = self.q.get('force', ['false'])[0] == 'true'
        with S.lock:
            live = S.get(t, ns, name)
            if live is None:
                self.authorize(user, 'create', t, ns, name, None)
                S.check_create(t, ns, name)
            merged, mf, conflicts = ssa_merge(t, live, obj, manager, force, t.gv(version))
            if conflicts:
                raise conflict_error(conflicts)
            merged['metadata']['name'] = name
            if t.namespaced:
                merged['metadata']['namespace'] = ns
            S.validate_object(t, merged)
            rollout = S.finalize(t, live, merged, dry, version)
            merged['metadata']['managedFields'] = mf
            code, out = S.commit(t, live, merged, dry, rollout)
            return self.result(code, out, t, version)

    def delete_options(self, body):
        if not body:
            return {}
        try:
            opts = json.loads(body)
        except ValueError:
            raise err_bad('DeleteOptions: not JSON')
        return opts if isinstance(opts, dict) else {}

    def delete(self, t, version, ns, name, body, dry):
        S = self.S
        opts = self.delete_options(body)
        dry = dry or 'All' in (opts.get('dryRun') or [])
        with S.lock:
            live = S.get(t, ns, name)
            if live is None:
                raise err_not_found(t, name)
            pre = opts.get('preconditions') or {}
            if (pre.get('uid') and pre['uid'] != live['metadata']['uid']) or (
                    pre.get('resourceVersion') and pre['resourceVersion'] != live['metadata']['resourceVersion']):
                raise ApiError(409, 'Conflict', f'Operation cannot be fulfilled on {t.qualified} "{name}": '
                               'Precondition failed', details(t, name))
            is_ns = t.group == '' and t.resource == 'namespaces'
            is_crd = t.group == 'apiextensions.k8s.io' and t.resource == 'customresourcedefinitions'
            if live['metadata'].get('finalizers') or is_ns or is_crd:
                if live['metadata'].get('deletionTimestamp'):
                    return self.result(200, live, t, version)
                new = clone(live)
                new['metadata']['deletionTimestamp'] = now_iso()
                new['metadata']['deletionGracePeriodSeconds'] = 0
                if is_ns:
                    new['status'] = {'phase': 'Terminating'}
                if is_crd:
                    st = new.setdefault('status', {})
                    st['conditions'] = [c for c in st.get('conditions') or [] if c.get('type') != 'Terminating'] + [
                        {'type': 'Terminating', 'status': 'True', 'lastTransitionTime': now_iso(),
                         'reason': 'InstanceDeletionInProgress', 'message': 'CustomResource deletion is in progress'}]
                if dry:
                    return self.result(200, new, t, version)
                S.store(t, new, 'MODIFIED')
                if is_ns:
                    S.ns_start_termination(new)
                if is_crd and not live['metadata'].get('finalizers'):
                    S.crd_start_termination(new)
                return self.result(200, new, t, version)
            if not dry:
                S.remove(t, live)
            if t.resource == 'pods':
                return self.result(200, live, t, version)
            return json_response(200, {'kind': 'Status', 'apiVersion': 'v1', 'metadata': {}, 'status': 'Success',
                                       'details': details(t, name, uid=live['metadata']['uid'])})

    def delete_collection(self, t, version, ns, body, dry):
        S = self.S
        opts = self.delete_options(body)
        dry = dry or 'All' in (opts.get('dryRun') or [])
        with S.lock:
            lst = self.list_of(t, version, ns)
            for item in lst['items']:
                live = S.get(t, item['metadata'].get('namespace'), item['metadata']['name'])
                if live is None or dry:
                    continue
                if live['metadata'].get('finalizers'):
                    if not live['metadata'].get('deletionTimestamp'):
                        new = clone(live)
                        new['metadata']['deletionTimestamp'] = now_iso()
                        new['metadata']['deletionGracePeriodSeconds'] = 0
                        S.store(t, new, 'MODIFIED')
                else:
                    S.remove(t, live)
            return json_response(200, lst)

    def watch(self, t, version, ns, name):
        S = self.S
        q = self.q
        lsel = parse_label_selector(q.get('labelSelector', [''])[0])
        fsel = parse_field_selector(q.get('fieldSelector', [''])[0])
        if name:
            fsel.append(('metadata.name', True, name))
        try:
            timeout = float(q.get('timeoutSeconds', ['0'])[0] or 0)
        except ValueError:
            timeout = 0
        limit = float(S.config['watchMax'])
        timeout = min(timeout, limit) if timeout > 0 else limit
        rv_s = q.get('resourceVersion', [''])[0]

        def match(g, r, obj):
            return g == t.group and r == t.resource and (
                ns is None or obj['metadata'].get('namespace') == ns) and labels_match(lsel, obj) and \
                fields_match(fsel, obj)

        def ev(etype, obj):
            return json.dumps({'type': etype, 'object': present(obj, t, version)},
                              separators=(',', ':')).encode() + b'\n'

        with S.lock:
            initial = []
            if rv_s in ('', '0'):
                last = S.rv
                initial = [ev('ADDED', o) for o in S.objects(t, ns) if match(t.group, t.resource, o)]
            else:
                try:
                    last = int(rv_s)
                except ValueError:
                    raise err_bad(f'invalid resourceVersion {rv_s!r}')
                oldest = S.events[0][0] if S.events else S.rv + 1
                if len(S.events) == S.events.maxlen and last < oldest - 1:
                    st = ApiError(410, 'Expired', f'too old resource version: {last} ({oldest - 1})').status()
                    initial = [json.dumps({'type': 'ERROR', 'object': st}).encode() + b'\n']
                    timeout = 0

        def stream():
            nonlocal last
            for chunk in initial:
                yield chunk
            end = time.monotonic() + timeout
            while True:
                out = []
                with S.cond:
                    for rv, etype, g, r, obj in list(S.events):
                        if rv > last:
                            last = rv
                            if match(g, r, obj):
                                out.append(ev(etype, obj))
                    if not out:
                        remaining = end - time.monotonic()
                        if remaining <= 0:
                            return
                        S.cond.wait(min(remaining, 0.5))
                        continue
                for chunk in out:
                    yield chunk

        return Response(200, ctype='application/json', stream=stream)

    # -- admin: /_sim/...
    def admin(self, path, body):
        try:
            return self.admin_inner(path, body)
        except ApiError as e:
            return json_response(e.code, e.status())
        except (ValueError, KeyError, TypeError) as e:
            return json_response(400, ApiError(400, 'BadRequest', f'{type(e).__name__}: {e}').status())

    def admin_body(self, body):
        """Objects in a body: one object, a JSON array, a List, or concatenated JSON / JSON Lines."""
        text = body.decode('utf-8')
        dec = json.JSONDecoder()
        i, out = 0, []
        while True:
            while i < len(text) and text[i].isspace():
                i += 1
            if i >= len(text):
                break
            v, i = dec.raw_decode(text, i)
            if isinstance(v, list):
                out += v
            elif isinstance(v, dict) and isinstance(v.get('items'), list) and str(v.get('kind', '')).endswith('List'):
                out += v['items']
            else:
                out.append(v)
        return out

    def admin_inner(self, path, body):
        S = self.S
        m = self.command
        q = {k: v[0] for k, v in self.q.items()}
        rest = path[len('/_sim'):].strip('/')
        if rest == '' and m == 'GET':
            return Response(200, b'kube-standin admin: /_sim/state /_sim/faults /_sim/log /_sim/config '
                                 b'/_sim/tokens /_sim/reset (see tests/servers/README.md)\n', 'text/plain')
        if rest == 'reset' and m == 'POST':
            S.reset()
            return json_response(200, {'reset': True})
        if rest == 'config':
            with S.lock:
                if m == 'POST':
                    for k, v in json.loads(body or b'{}').items():
                        if k not in S.config:
                            raise err_bad(f'unknown config key {k!r}; known: {", ".join(sorted(S.config))}')
                        S.config[k] = v
                return json_response(200, S.config)
        if rest == 'log':
            if m == 'DELETE':
                with S.log_lock:
                    S.log.clear()
                return json_response(200, {'cleared': True})
            with S.log_lock:
                lines = [json.dumps(e) + '\n' for e in S.log]
            return Response(200, ''.join(lines).encode(), 'application/x-ndjson')
        if rest == 'faults' or rest.startswith('faults/'):
            with S.lock:
                if m == 'GET':
                    return json_response(200, {'items': [f.view() for f in S.faults]})
                if m == 'DELETE':
                    fid = rest[len('faults/'):] if '/' in rest else None
                    before = len(S.faults)
                    S.faults = [f for f in S.faults if fid is not None and f.id != fid]
                    return json_response(200, {'removed': before - len(S.faults)})
                if m == 'POST':
                    added = []
                    for spec in self.admin_body(body):
                        S.fault_seq += 1
                        f = Fault(spec, f'f{S.fault_seq}')
                        S.faults = [x for x in S.faults if x.id != f.id] + [f]
                        added.append(f.view())
                    return json_response(200, {'items': added})
        if rest == 'tokens':
            with S.lock:
                if m == 'POST':
                    for spec in self.admin_body(body):
                        tok = spec.get('token')
                        if not tok:
                            raise err_bad('a token entry needs "token"')
                        rules = spec.get('forbid') or []
                        if isinstance(rules, dict):
                            rules = [rules]
                        allow = spec.get('allow')
                        if isinstance(allow, dict):
                            allow = [allow]
                        S.tokens[tok] = {'token': tok, 'user': spec.get('user') or 'user', 'forbid': rules,
                                         'allow': allow}
                return json_response(200, {'items': list(S.tokens.values())})
        if rest == 'state':
            if m == 'GET':
                with S.lock:
                    items = []
                    for t in S.types:
                        if q.get('kind') and t.kind != q['kind']:
                            continue
                        if q.get('resource') and t.resource != q['resource']:
                            continue
                        if 'group' in q and t.group != q['group']:
                            continue
                        for o in S.objects(t):
                            md = o['metadata']
                            if q.get('namespace') is not None and md.get('namespace', '') != q['namespace']:
                                continue
                            if q.get('name') and md['name'] != q['name']:
                                continue
                            items.append(clone(o))
                    return json_response(200, {'kind': 'List', 'apiVersion': 'v1',
                                               'metadata': {'resourceVersion': str(S.rv)}, 'items': items})
            if m == 'POST':
                return self.seed(self.admin_body(body), q)
            if m == 'DELETE':
                with S.lock:
                    t = S.type_for(q.get('apiVersion', ''), q.get('kind', ''))
                    if t is None:
                        raise err_bad('DELETE /_sim/state needs apiVersion and kind of a served type')
                    obj = S.get(t, q.get('namespace', ''), q.get('name', ''))
                    if obj is None:
                        raise err_not_found(t, q.get('name', ''))
                    S.remove(t, obj)
                    return json_response(200, {'removed': 1})
        raise ApiError(404, 'NotFound', f'no admin endpoint {m} {path}')

    def seed(self, objs, q):
        """Store objects as they are (upsert), the way `kubectl edit` or a controller would leave them."""
        S = self.S
        manager = q.get('manager')
        op = q.get('operation', 'Update')
        out = []
        with S.lock:
            for obj in objs:
                if not isinstance(obj, dict) or not isinstance(obj.get('metadata'), dict):
                    raise err_bad('each seeded object needs apiVersion, kind and metadata')
                t = S.type_for(obj.get('apiVersion', ''), obj.get('kind', ''))
                if t is None:
                    raise err_bad(f'no served type for apiVersion {obj.get("apiVersion")!r} kind {obj.get("kind")!r}')
                md = obj['metadata']
                name, ns = md.get('name'), (md.get('namespace') or 'default') if t.namespaced else ''
                if not name:
                    raise err_bad('each seeded object needs metadata.name')
                live = S.get(t, ns, name)
                if live is None:
                    S.validate_name(t, name)
                    if t.namespaced:
                        S.ns_check_create(ns)
                new = clone(obj)
                new['metadata']['name'] = name
                if t.namespaced:
                    new['metadata']['namespace'] = ns
                given = {k: new['metadata'].get(k) for k in ('uid', 'creationTimestamp', 'generation',
                                                             'managedFields', 'deletionTimestamp')}
                status = new.get('status')
                rollout = S.finalize(t, live, new, False)
                for k, v in given.items():
                    if v is not None:
                        new['metadata'][k] = v
                if status is not None or not t.status:
                    if status is None:
                        new.pop('status', None)
                    else:
                        new['status'] = status
                if manager:
                    if op == 'Apply':
                        mf, _, conflicts = None, None, None
                        base = Entry({'manager': manager, 'operation': 'Apply', 'apiVersion': t.gv(),
                                      'time': now_iso()})
                        base.set = set(flatten(new, t.status))
                        others = [x for x in parse_entries(live) if x.ident() != base.ident()]
                        for x in others:
                            x.set -= base.set
                        new['metadata']['managedFields'] = render_entries(others + [base])
                    else:
                        new['metadata']['managedFields'] = track_update(t, live, new, manager, t.gv(),
                                                                        q.get('subresource', ''))
                elif given['managedFields'] is None:
                    if live and live['metadata'].get('managedFields'):
                        new['metadata']['managedFields'] = clone(live['metadata']['managedFields'])
                    else:
                        new['metadata'].pop('managedFields', None)
                S.store(t, new, 'ADDED' if live is None else 'MODIFIED')
                if t.group == 'apiextensions.k8s.io' and t.kind == 'CustomResourceDefinition':
                    S.crd_after_write(t, new, live is None)
                elif rollout and status is None:
                    S.start_rollout(t, new)
                out.append(clone(new))
        return json_response(200, {'kind': 'List', 'apiVersion': 'v1', 'items': out})


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, handler, state, tls_ctx):
        self.state = state
        self.tls_ctx = tls_ctx
        super().__init__(addr, handler)

    def finish_request(self, request, client_address):
        if self.tls_ctx is not None:
            try:
                request.settimeout(10)
                request = self.tls_ctx.wrap_socket(request, server_side=True)
                request.settimeout(None)
            except (ssl.SSLError, OSError):
                try:
                    request.close()
                except OSError:
                    pass
                return
        try:
            self.RequestHandlerClass(request, client_address, self)
        finally:
            if self.tls_ctx is not None:
                try:
                    request.close()
                except OSError:
                    pass

    def server_bind(self):
        socketserver.TCPServer.server_bind(self)  # HTTPServer's would look the host name up
        self.server_name, self.server_port = self.server_address[:2]

    def handle_error(self, request, client_address):
        pass


def main():
    ap = argparse.ArgumentParser(description='Kubernetes API stand-in for tests (not an API server)')
    ap.add_argument('--host', default='127.0.0.1', help='must be 127.0.0.1 (tests only)')
    ap.add_argument('--port', type=int, default=0, help='0 picks a free port')
    ap.add_argument('--port-file', help='write the chosen port here once listening')
    ap.add_argument('--tls-dir', help='make a CA and a server certificate here and serve HTTPS')
    ap.add_argument('--token', action='append', help='accepted bearer token, TOKEN or TOKEN=USER (repeatable)')
    ap.add_argument('--no-auth', action='store_true', help='accept every request as user admin')
    ap.add_argument('--log', help='append the JSONL request log to this file too')
    ap.add_argument('--faults', help='JSON file of fault rules to load at start')
    ap.add_argument('--seed', help='JSON file of objects to seed at start')
    ap.add_argument('--ready-delay', type=float, default=0.5, help='seconds until workloads report ready')
    ap.add_argument('--ns-delete-delay', type=float, default=0.5, help='seconds a namespace stays Terminating')
    ap.add_argument('--crd-establish-delay', type=float, default=0.0, help='seconds until a new CRD is Established')
    ap.add_argument('--server-version', default=SERVER_VERSION, help='gitVersion for /version (picks the kubectl)')
    ap.add_argument('--watch-pid', type=int, help='exit when this process is gone')
    ap.add_argument('--max-lifetime', type=float, default=0, help='exit after this many seconds (0: never)')
    args = ap.parse_args()
    if args.host != '127.0.0.1':
        ap.error('kube-standin listens on 127.0.0.1 only')
    if not args.no_auth and not args.token:
        ap.error('give --token (bearer tokens) or --no-auth')

    state = State(args)
    if args.faults:
        with open(args.faults) as f:
            spec = json.load(f)
        for i, s in enumerate(spec if isinstance(spec, list) else [spec]):
            state.faults.append(Fault(s, f'file{i + 1}'))
    tls_ctx = None
    if args.tls_dir:
        _, crt, key = make_certs(args.tls_dir)
        tls_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls_ctx.load_cert_chain(crt, key)
        tls_ctx.set_alpn_protocols(['http/1.1'])
    srv = Server((args.host, args.port), Handler, state, tls_ctx)
    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    signal.signal(signal.SIGINT, lambda *a: os._exit(0))

    def watchdog():
        start = time.monotonic()
        while True:
            time.sleep(0.5)
            if args.watch_pid:
                try:
                    os.kill(args.watch_pid, 0)
                except ProcessLookupError:
                    os._exit(0)
                except PermissionError:
                    pass
            if args.max_lifetime and time.monotonic() - start > args.max_lifetime:
                os._exit(0)

    threading.Thread(target=watchdog, daemon=True).start()
    if args.seed:
        with open(args.seed, 'rb') as f:
            data = f.read()
        h = Handler.__new__(Handler)
        h.server = srv
        h.q = {}
        h.command = 'POST'
        resp = h.admin_inner('/_sim/state', data)
        if resp.code != 200:
            sys.stderr.write(f'kube-standin: seed failed: {resp.body.decode()}\n')
            sys.exit(2)
    port = srv.server_address[1]
    if args.port_file:
        tmp = args.port_file + '.tmp'
        with open(tmp, 'w') as f:
            f.write(f'{port}\n')
        os.replace(tmp, args.port_file)
    sys.stderr.write(f'kube-standin: listening on {"https" if tls_ctx else "http"}://127.0.0.1:{port}\n')
    srv.serve_forever(poll_interval=0.5)


if __name__ == '__main__':
    main()
