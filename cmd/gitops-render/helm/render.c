/* render: `helm template` end to end (action.Install in client-only mode, engine.Render,
 * releaseutil.SortManifests, cmd/helm/template.go): load, values, dependencies, Capabilities,
 * every template parsed into one set and run with its chart's scope, then the documents framed
 * and ordered as helm prints them. */
#define _GNU_SOURCE
#include "helm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "limits.h"
#include "yaml.h"

static const char *const default_api_versions[] = {
	"v1", "admissionregistration.k8s.io/v1", "admissionregistration.k8s.io/v1alpha1",
	"admissionregistration.k8s.io/v1beta1", "internal.apiserver.k8s.io/v1alpha1", "apps/v1", "apps/v1beta1",
	"apps/v1beta2", "authentication.k8s.io/v1", "authentication.k8s.io/v1alpha1", "authentication.k8s.io/v1beta1",
	"authorization.k8s.io/v1", "authorization.k8s.io/v1beta1", "autoscaling/v1", "autoscaling/v2",
	"autoscaling/v2beta1", "autoscaling/v2beta2", "batch/v1", "batch/v1beta1", "certificates.k8s.io/v1",
	"certificates.k8s.io/v1beta1", "certificates.k8s.io/v1alpha1", "coordination.k8s.io/v1alpha2",
	"coordination.k8s.io/v1beta1", "coordination.k8s.io/v1", "discovery.k8s.io/v1", "discovery.k8s.io/v1beta1",
	"events.k8s.io/v1", "events.k8s.io/v1beta1", "extensions/v1beta1", "flowcontrol.apiserver.k8s.io/v1",
	"flowcontrol.apiserver.k8s.io/v1beta1", "flowcontrol.apiserver.k8s.io/v1beta2",
	"flowcontrol.apiserver.k8s.io/v1beta3", "networking.k8s.io/v1", "networking.k8s.io/v1alpha1",
	"networking.k8s.io/v1beta1", "node.k8s.io/v1", "node.k8s.io/v1alpha1", "node.k8s.io/v1beta1", "policy/v1",
	"policy/v1beta1", "rbac.authorization.k8s.io/v1", "rbac.authorization.k8s.io/v1beta1",
	"rbac.authorization.k8s.io/v1alpha1", "resource.k8s.io/v1beta1", "resource.k8s.io/v1alpha3",
	"scheduling.k8s.io/v1alpha1", "scheduling.k8s.io/v1beta1", "scheduling.k8s.io/v1", "storage.k8s.io/v1beta1",
	"storage.k8s.io/v1", "storage.k8s.io/v1alpha1", "storagemigration.k8s.io/v1alpha1",
	"apiextensions.k8s.io/v1beta1", "apiextensions.k8s.io/v1",
};

static const char *const install_order[] = {
	"PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy",
	"PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass",
	"PersistentVolume", "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole", "ClusterRoleList",
	"ClusterRoleBinding", "ClusterRoleBindingList", "Role", "RoleList", "RoleBinding", "RoleBindingList",
	"Service", "DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment", "HorizontalPodAutoscaler",
	"StatefulSet", "Job", "CronJob", "IngressClass", "Ingress", "APIService",
};

static int nomem(struct herr *e)
{
	herr_set(e, HERR_NOMEM, false, "out of memory");
	return -1;
}

/* ---- the built-in objects ---- */

static struct hv strs_list(json_t *a)
{
	struct hv l = hv_list();
	json_t *s;
	size_t i;
	if (l.k != HV_LIST)
		return l;
	l.go = GO_STRINGS;
	if (!json_is_array(a) || !json_array_size(a))
		l.u.l->is_nil = true;
	json_array_foreach(a, i, s)
		hlist_push(l.u.l, hv_str(json_string_value(s) ? json_string_value(s) : ""));
	return l;
}

static struct hv jstr_v(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return hv_str(s ? s : "");
}

/* .Chart: struct { chart.Metadata; IsRoot bool } */
static struct hv chart_object(const struct chart *c)
{
	static const struct {
		const char *go, *json;
		char kind; /* s string, l []string, b bool, a annotations, m maintainers, d dependencies */
	} f[] = {
		{ "Name", "name", 's' }, { "Home", "home", 's' }, { "Sources", "sources", 'l' },
		{ "Version", "version", 's' }, { "Description", "description", 's' }, { "Keywords", "keywords", 'l' },
		{ "Maintainers", "maintainers", 'm' }, { "Icon", "icon", 's' }, { "APIVersion", "apiVersion", 's' },
		{ "Condition", "condition", 's' }, { "Tags", "tags", 's' }, { "AppVersion", "appVersion", 's' },
		{ "Deprecated", "deprecated", 'b' }, { "Annotations", "annotations", 'a' },
		{ "KubeVersion", "kubeVersion", 's' }, { "Dependencies", "dependencies", 'd' }, { "Type", "type", 's' },
	};
	size_t nf = sizeof(f) / sizeof(*f);
	struct hobj *o = hobj_new("struct { chart.Metadata; IsRoot bool }", "struct", false, nf + 1);
	if (!o)
		return HV_NIL_V;
	o->stringer = NULL;
	for (size_t i = 0; i < nf; i++) {
		json_t *m = c->meta;
		struct hv v = HV_NIL_V;
		switch (f[i].kind) {
		case 's': v = jstr_v(m, f[i].json); break;
		case 'l': v = strs_list(json_object_get(m, f[i].json)); break;
		case 'b': v = hv_bool(json_is_true(json_object_get(m, f[i].json))); break;
		case 'a': {
			json_t *a = json_object_get(m, "annotations");
			if (json_is_object(a) && json_object_size(a)) {
				v = hv_from_json(a);
				v.go = GO_MAPSTR;
			}
			break;
		}
		case 'm':
		case 'd': {
			json_t *a = f[i].kind == 'm' ? json_object_get(m, "maintainers") : c->deps, *it;
			size_t k;
			v = hv_list();
			if (v.k != HV_LIST)
				break;
			if (!json_array_size(a))
				v.u.l->is_nil = true;
			json_array_foreach(a, k, it) {
				struct hobj *p = hobj_new(f[i].kind == 'm' ? "*chart.Maintainer" : "*chart.Dependency", "ptr",
							  true, f[i].kind == 'm' ? 3 : 7);
				if (!p)
					break;
				if (f[i].kind == 'm') {
					p->f[0] = (struct hfield){ "Name", "name", true, jstr_v(it, "name") };
					p->f[1] = (struct hfield){ "Email", "email", true, jstr_v(it, "email") };
					p->f[2] = (struct hfield){ "URL", "url", true, jstr_v(it, "url") };
				} else {
					p->f[0] = (struct hfield){ "Name", "name", false, jstr_v(it, "name") };
					p->f[1] = (struct hfield){ "Version", "version", true, jstr_v(it, "version") };
					p->f[2] = (struct hfield){ "Repository", "repository", false, jstr_v(it, "repository") };
					p->f[3] = (struct hfield){ "Condition", "condition", true, jstr_v(it, "condition") };
					p->f[4] = (struct hfield){ "Tags", "tags", true, strs_list(json_object_get(it, "tags")) };
					p->f[5] = (struct hfield){ "Enabled", "enabled", true,
								  hv_bool(json_is_true(json_object_get(it, "enabled"))) };
					p->f[6] = (struct hfield){ "Alias", "alias", true, jstr_v(it, "alias") };
				}
				hlist_push(v.u.l, hv_obj(p));
			}
			break;
		}
		}
		o->f[i] = (struct hfield){ f[i].go, f[i].json, true, v };
	}
	o->f[nf] = (struct hfield){ "IsRoot", "IsRoot", false, hv_bool(c->parent == NULL) };
	return hv_obj(o);
}

static struct hv files_object(const struct chart *c)
{
	struct hv m = hv_map();
	if (m.k != HV_MAP)
		return m;
	m.go = GO_FILES;
	for (size_t i = 0; i < c->n_files; i++) {
		const struct file *f = &c->files[i];
		/* shared when it can be: the big crds/ files are in .Files too */
		struct hv d = f->h && f->h->len == f->len ? hv_str_take(hstr_ref(f->h)) : hv_strn(f->data, f->len);
		d.go = GO_BYTES;
		hmap_set(m.u.m, c->files[i].name, strlen(c->files[i].name), d);
	}
	return m;
}

static int kube_version(const char *given, char *version, size_t size, char *major, char *minor)
{
	if (!given) {
		snprintf(version, size, "v1.32.0");
		strcpy(major, "1");
		strcpy(minor, "32");
		return 0;
	}
	/* chartutil.ParseKubeVersion: semver.NewVersion, printed back as v + String() */
	const char *p = given[0] == 'v' ? given + 1 : given;
	unsigned long long a = 0, b = 0, c = 0;
	char rest[64] = "";
	int n = 0;
	if (sscanf(p, "%llu%n", &a, &n) != 1)
		return -1;
	p += n;
	if (*p == '.' && sscanf(p + 1, "%llu%n", &b, &n) == 1) {
		p += 1 + n;
		if (*p == '.' && sscanf(p + 1, "%llu%n", &c, &n) == 1)
			p += 1 + n;
	}
	if (*p) {
		if (*p != '-' && *p != '+')
			return -1;
		snprintf(rest, sizeof(rest), "%s", p);
	}
	char probe[120];
	snprintf(probe, sizeof(probe), "%llu.%llu.%llu%s", a, b, c, rest);
	if (semver_valid(probe) < 0)
		return -1;
	snprintf(version, size, "v%s", probe);
	snprintf(major, 24, "%llu", a);
	snprintf(minor, 24, "%llu", b);
	return 0;
}

static struct hv capabilities(const struct helm_opts *o, const char *kv, const char *major, const char *minor)
{
	struct hobj *k = hobj_new("chartutil.KubeVersion", "struct", false, 3);
	struct hobj *h = hobj_new("helmversion.BuildInfo", "struct", false, 4);
	struct hobj *c = hobj_new("*chartutil.Capabilities", "ptr", true, 3);
	struct hv apis = hv_list();
	if (!k || !h || !c || apis.k != HV_LIST) {
		free(k ? k->f : NULL), free(k), free(h ? h->f : NULL), free(h), free(c ? c->f : NULL), free(c);
		hv_unref(apis);
		return HV_NIL_V;
	}
	k->f[0] = (struct hfield){ "Version", "Version", false, hv_str(kv) };
	k->f[1] = (struct hfield){ "Major", "Major", false, hv_str(major) };
	k->f[2] = (struct hfield){ "Minor", "Minor", false, hv_str(minor) };
	k->stringer = k->f[0].val.u.s->s;
	h->f[0] = (struct hfield){ "Version", "version", true, hv_str("v3.17.3") };
	h->f[1] = (struct hfield){ "GitCommit", "git_commit", true, hv_str("e4da49785aa6e6ee2b86efd5dd9e43400318262b") };
	h->f[2] = (struct hfield){ "GitTreeState", "git_tree_state", true, hv_str("clean") };
	h->f[3] = (struct hfield){ "GoVersion", "go_version", true, hv_str("go1.23.7") };
	apis.go = GO_VERSIONSET;
	for (size_t i = 0; i < sizeof(default_api_versions) / sizeof(*default_api_versions); i++)
		hlist_push(apis.u.l, hv_str(default_api_versions[i]));
	for (size_t i = 0; i < o->n_api_versions; i++) {
		const char *s = o->api_versions[i];
		for (const char *comma; *s; s = comma ? comma + 1 : s + strlen(s)) {
			comma = strchr(s, ',');
			size_t n = comma ? (size_t)(comma - s) : strlen(s);
			hlist_push(apis.u.l, hv_strn(s, n));
			if (!comma)
				break;
		}
	}
	c->f[0] = (struct hfield){ "KubeVersion", "KubeVersion", false, hv_obj(k) };
	c->f[1] = (struct hfield){ "APIVersions", "APIVersions", false, apis };
	c->f[2] = (struct hfield){ "HelmVersion", "HelmVersion", false, hv_obj(h) };
	return hv_obj(c);
}

static struct hv release_object(const struct helm_opts *o)
{
	struct hv m = hv_map();
	if (m.k != HV_MAP)
		return m;
	hmap_set(m.u.m, "Name", 4, hv_str(o->release));
	hmap_set(m.u.m, "Namespace", 9, hv_str(o->namespace));
	hmap_set(m.u.m, "IsUpgrade", 9, hv_bool(false));
	hmap_set(m.u.m, "IsInstall", 9, hv_bool(true));
	hmap_set(m.u.m, "Revision", 8, hv_int(1));
	hmap_set(m.u.m, "Service", 7, hv_str("Helm"));
	return m;
}

/* ---- the template set ---- */

struct job {
	char *name;           /* fullpath/templates/x */
	const struct file *f;
	struct hv ctx;        /* the chart's scope (shared by its templates) */
	char *base_path;      /* fullpath/templates */
	bool library;
	char *out;            /* rendered, <no value> removed */
	size_t out_len;
};

struct jobs {
	struct job *v;
	size_t n, cap;
};

/* recAllTpls: each chart's scope, the subcharts' first; returns the scope (a new reference) */
static struct hv collect(const struct chart *c, struct hv parent_values, struct render_ctx *rc, struct jobs *jobs,
			 struct herr *e)
{
	struct hv ctx = hv_map(), subs = hv_map();
	if (ctx.k != HV_MAP || subs.k != HV_MAP) {
		hv_unref(ctx);
		hv_unref(subs);
		return nomem(e), HV_NIL_V;
	}
	ctx.go = GO_VALUES;
	struct hv values;
	if (!c->parent) {
		values = hv_ref(parent_values);
	} else {
		struct hv *t = parent_values.k == HV_MAP ? hmap_find(parent_values.u.m, c->name, strlen(c->name)) : NULL;
		values = t && t->k == HV_MAP ? hv_ref(*t) : hv_map();
	}
	values.go = GO_VALUES;
	hmap_set(ctx.u.m, "Chart", 5, chart_object(c));
	hmap_set(ctx.u.m, "Files", 5, files_object(c));
	hmap_set(ctx.u.m, "Release", 7, hv_ref(rc->release));
	hmap_set(ctx.u.m, "Capabilities", 12, hv_ref(rc->caps));
	hmap_set(ctx.u.m, "Values", 6, values);
	hmap_set(ctx.u.m, "Subcharts", 9, subs);
	for (size_t i = 0; i < c->n_sub; i++) {
		struct hv child = collect(c->sub[i], values, rc, jobs, e);
		if (child.k != HV_MAP) {
			hv_unref(ctx);
			return HV_NIL_V;
		}
		hmap_set(subs.u.m, c->sub[i]->name, strlen(c->sub[i]->name), child);
	}
	char *full = chart_full_path(c);
	if (!full) {
		hv_unref(ctx);
		return nomem(e), HV_NIL_V;
	}
	bool library = !strcasecmp(json_string_value(json_object_get(c->meta, "type")) ?: "", "library");
	for (size_t i = 0; i < c->n_templates; i++) {
		if (jobs->n == jobs->cap) {
			size_t cap = jobs->cap ? jobs->cap * 2 : 64;
			struct job *v = realloc(jobs->v, cap * sizeof(*v));
			if (!v)
				goto oom;
			jobs->v = v;
			jobs->cap = cap;
		}
		struct job *j = &jobs->v[jobs->n];
		memset(j, 0, sizeof(*j));
		if (asprintf(&j->name, "%s/%s", full, c->templates[i].name) < 0)
			goto oom;
		if (asprintf(&j->base_path, "%s/templates", full) < 0) {
			free(j->name);
			goto oom;
		}
		const char *base = strrchr(j->name, '/');
		if (library && base[1] != '_') {
			free(j->name);
			free(j->base_path);
			continue; /* a library chart's only templates are its partials */
		}
		j->f = &c->templates[i];
		j->ctx = hv_ref(ctx);
		j->library = library;
		jobs->n++;
	}
	free(full);
	return ctx;
oom:
	free(full);
	hv_unref(ctx);
	return nomem(e), HV_NIL_V;
}

static int slashes(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += *s == '/';
	return n;
}

/* sortTemplates: deeper paths first, then reverse lexical */
static int job_order(const void *a, const void *b)
{
	const struct job *x = a, *y = b;
	int sx = slashes(x->name), sy = slashes(y->name);
	if (sx != sy)
		return sx > sy ? -1 : 1;
	return -strcmp(x->name, y->name);
}

static void remove_no_value(char *s, size_t *n)
{
	size_t w = 0;
	for (size_t i = 0; i < *n;) {
		if (s[i] == '<' && *n - i >= 10 && !memcmp(s + i, "<no value>", 10)) {
			i += 10;
			continue;
		}
		s[w++] = s[i++];
	}
	*n = w;
	s[w] = '\0';
}

/* helm's cleanupExecError: a fail or required message as "execution error at (LOC): MSG" */
static void helm_exec_error(struct herr *e)
{
	const char *m = e->msg;
	if (strncmp(m, "template: ", 10))
		return;
	const char *loc = m + 10, *colon = strstr(loc, ": ");
	const char *st = strstr(m, "HELM_ERR_START"), *en = st ? strstr(st, "HELM_ERR_END") : NULL;
	if (!colon || !st || !en)
		return;
	const char *last = en;
	for (const char *p = en; (p = strstr(p + 1, "HELM_ERR_END"));)
		last = p;
	char buf[sizeof(e->msg)];
	snprintf(buf, sizeof(buf), "execution error at (%.*s): %.*s", (int)(colon - loc), loc,
		 (int)(last - st - 14), st + 14);
	snprintf(e->msg, sizeof(e->msg), "%s", buf);
	e->confident = true;
}

/* helm's cleanupParseError: "parse error at (NAME:LINE): MSG", MSG the text after the last ": ".
 * Confident for the parse errors whose wording and line this parser shares with text/template
 * (checked against helm 3.17.3 case by case); the others stay helm's to word. */
static void helm_parse_error(struct herr *e)
{
	static const char *const known[] = { "function \"", "undefined variable \"", "unexpected EOF",
		"unexpected {{end}}", "unexpected {{else}}", "unclosed action", "missing value for ",
		"unterminated quoted string", "unterminated raw quoted string", "unclosed left paren",
		"unexpected right paren", "unclosed comment", "comment ends before closing delimiter" };
	const char *m = e->msg;
	if (strncmp(m, "template: ", 10))
		return;
	const char *loc = m + 10, *colon = strstr(loc, ": ");
	if (!colon)
		return;
	const char *last = colon + 2;
	for (const char *p = last; (p = strstr(p, ": ")); p += 2)
		last = p + 2;
	bool sure = false;
	for (size_t i = 0; i < sizeof(known) / sizeof(*known); i++)
		sure = sure || !strncmp(colon + 2, known[i], strlen(known[i]));
	char buf[sizeof(e->msg)];
	snprintf(buf, sizeof(buf), "parse error at (%.*s): %s", (int)(colon - loc), loc, last);
	snprintf(e->msg, sizeof(e->msg), "%s", buf);
	if (!sure)
		e->kind = HERR_UNSUPPORTED;
	else
		e->confident = true;
}

static int render_templates(struct jobs *jobs, struct render_ctx *rc, struct herr *e)
{
	struct tmpl_set *set = tset_new();
	if (!set)
		return nomem(e);
	if (jobs->n)
		qsort(jobs->v, jobs->n, sizeof(*jobs->v), job_order);
	int r = 0;
	for (size_t i = 0; r == 0 && i < jobs->n; i++)
		if (tset_parse(set, jobs->v[i].name, jobs->v[i].f->data, jobs->v[i].f->len, e) < 0) {
			r = -1;
			if (e->kind == HERR_TEMPLATE)
				helm_parse_error(e);
		}
	struct exec x = { .set = set, .rc = rc, .err = e };
	for (size_t i = 0; r == 0 && i < jobs->n; i++) {
		struct job *j = &jobs->v[i];
		const char *base = strrchr(j->name, '/');
		if (base[1] == '_')
			continue;
		struct hv tm = hv_map();
		tm.go = GO_VALUES;
		hmap_set(tm.u.m, "Name", 4, hv_str(j->name));
		hmap_set(tm.u.m, "BasePath", 8, hv_str(j->base_path));
		hmap_set(j->ctx.u.m, "Template", 8, tm);
		struct buf out = { 0 };
		struct tmpl *t = tset_lookup(set, j->name, strlen(j->name));
		r = exec_template(&x, t, j->ctx, &out);
		if (r < 0) {
			buf_free(&out);
			if (e->kind == HERR_TEMPLATE)
				helm_exec_error(e);
			break;
		}
		if (!(j->out = buf_take(&out, &j->out_len))) {
			r = nomem(e);
			break;
		}
		remove_no_value(j->out, &j->out_len);
	}
	for (size_t i = 0; i < x.n_vars; i++)
		hv_unref(x.vars[i].val);
	free(x.vars);
	tset_free(set);
	return r;
}

/* ---- output: SortManifests and template.go's printing ---- */

struct manifest {
	const char *name;
	char *content;
	const char *kind;
	char *kind_owned;
	int order;
	size_t seq;
	bool hook;
	json_t *doc; /* the parsed document (NULL: empty or comments only) */
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static void trim(const char **s, size_t *n)
{
	while (*n && is_space(**s))
		(*s)++, (*n)--;
	while (*n && is_space((*s)[*n - 1]))
		(*n)--;
}

static int kind_rank(const char *kind)
{
	for (size_t i = 0; i < sizeof(install_order) / sizeof(*install_order); i++)
		if (!strcmp(install_order[i], kind))
			return (int)i;
	return -1;
}

static int manifest_cmp(const void *a, const void *b)
{
	const struct manifest *x = a, *y = b;
	if (x->order < 0 && y->order < 0) {
		int c = strcmp(x->kind, y->kind);
		if (c)
			return c;
	} else if (x->order < 0 || y->order < 0) {
		return x->order < 0 ? 1 : -1;
	} else if (x->order != y->order) {
		return x->order < y->order ? -1 : 1;
	}
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The head of one document (SimpleHead): kind, and the hook annotation. 0, or -1 (left to helm). */
static int read_head(const char *doc, size_t n, const char *name, char **kind, char **hook, json_t **tree,
		     struct herr *e)
{
	static const struct gt_limits lim = GT_LIMITS_DEFAULT;
	struct gt_yaml_reader *r = gt_yaml_reader_new_string(doc, n, name, &lim);
	json_t *d = NULL;
	unsigned long line;
	*kind = *hook = NULL;
	*tree = NULL;
	if (!r)
		return nomem(e);
	gt_yaml_reader_set_quiet(r, true);
	int st = gt_yaml_next(r, &d, &line);
	if (st < 0)
		herr_set(e, HERR_UNSUPPORTED, false, "%s: a document helm's YAML reader judges itself (%s)", name,
			 gt_yaml_reader_error(r));
	gt_yaml_reader_free(r);
	if (st < 0)
		return -1;
	int ret = 0;
	if (d && !json_is_null(d)) {
		json_t *k = json_object_get(d, "kind"), *a = json_object_get(d, "apiVersion"),
		       *m = json_object_get(d, "metadata");
		json_t *ann = json_object_get(m, "annotations"), *h = json_object_get(ann, "helm.sh/hook"), *v;
		const char *key;
		bool ok = json_is_object(d) && (!k || json_is_null(k) || json_is_string(k)) &&
			  (!a || json_is_null(a) || json_is_string(a)) && (!m || json_is_null(m) || json_is_object(m));
		if (ok && m && json_is_object(m)) {
			json_t *nm = json_object_get(m, "name");
			ok = (!nm || json_is_null(nm) || json_is_string(nm)) && (!ann || json_is_null(ann) || json_is_object(ann));
			json_object_foreach(ann, key, v)
				ok &= json_is_string(v) || json_is_null(v);
		}
		if (!ok) {
			herr_set(e, HERR_UNSUPPORTED, false, "%s: a document head helm would refuse", name);
			ret = -1;
		} else {
			*kind = strdup(json_string_value(k) ? json_string_value(k) : "");
			if (h)
				*hook = strdup(json_string_value(h) ? json_string_value(h) : "");
			if (!*kind || (h && !*hook))
				ret = nomem(e);
		}
	} else if (!(*kind = strdup(""))) {
		ret = nomem(e);
	}
	if (ret == 0 && d && !json_is_null(d))
		*tree = d; /* kept: gitops-render reads it from here */
	else
		json_decref(d);
	return ret;
}

/* Is this hook list one helm knows, and is it a test hook? 1 known, 0 unknown (skipped). */
static int hook_events(const char *list, bool *test)
{
	static const char *const events[] = { "pre-install", "post-install", "pre-delete", "post-delete",
					      "pre-upgrade", "post-upgrade", "pre-rollback", "post-rollback",
					      "test", "test-success" };
	*test = false;
	char *copy = strdup(list);
	if (!copy)
		return -1;
	int known = 1;
	for (char *p = copy, *comma; p; p = comma) {
		comma = strchr(p, ',');
		if (comma)
			*comma++ = '\0';
		const char *s = p;
		size_t n = strlen(p);
		trim(&s, &n);
		char ev[64];
		if (n >= sizeof(ev)) {
			known = 0;
			break;
		}
		for (size_t i = 0; i < n; i++)
			ev[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
		ev[n] = '\0';
		bool found = false;
		for (size_t i = 0; i < sizeof(events) / sizeof(*events); i++)
			if (!strcmp(ev, events[i]))
				found = true;
		if (!found) {
			known = 0;
			break;
		}
		*test |= !strncmp(ev, "test", 4);
	}
	free(copy);
	return known;
}

struct mlist {
	struct manifest *v;
	size_t n, cap;
};

static int mlist_add(struct mlist *l, struct manifest m)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		struct manifest *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	m.seq = l->n;
	l->v[l->n++] = m;
	return 0;
}

static void mlist_free(struct mlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].content);
		free(l->v[i].kind_owned);
		json_decref(l->v[i].doc);
	}
	free(l->v);
}

static int add_piece(struct job *j, const struct helm_opts *o, const char *piece, size_t pl, struct mlist *gen,
		     struct mlist *hooks, struct herr *e)
{
	trim(&piece, &pl);
	/* read as the output holds it: followed by a newline (a block scalar at the end keeps it) */
	char *content = malloc(pl + 2);
	char *kind = NULL, *hook = NULL;
	json_t *tree = NULL;
	if (!content)
		return nomem(e);
	memcpy(content, piece, pl);
	content[pl] = '\n';
	content[pl + 1] = '\0';
	int rh = read_head(content, pl + 1, j->name, &kind, &hook, &tree, e);
	content[pl] = '\0';
	if (rh < 0) {
		free(content);
		return -1;
	}
	struct manifest m = { j->name, content, kind, kind, kind_rank(kind), 0, hook != NULL, tree };
	bool test = false;
	int known = hook ? hook_events(hook, &test) : 1;
	free(hook);
	if (known < 0 || (known && !(test && o->skip_tests) && mlist_add(m.hook ? hooks : gen, m) < 0)) {
		free(content);
		free(kind);
		json_decref(tree);
		return nomem(e);
	}
	if (!known || (test && o->skip_tests)) {
		/* unknown hooks and, with --skip-tests, tests: not printed */
		free(content);
		free(kind);
		json_decref(tree);
	}
	return 0;
}

/* SplitManifests: the trimmed text split at "---" that starts it or follows a newline (with
 * the whitespace after it); each piece trimmed */
static int split_file(struct job *j, const struct helm_opts *o, struct mlist *gen, struct mlist *hooks,
		      struct herr *e)
{
	const char *s = j->out;
	size_t n = j->out_len, p = 0;
	trim(&s, &n);
	if (n >= 3 && !memcmp(s, "---", 3)) {
		p = 3;
		while (p < n && is_space(s[p]))
			p++;
	}
	for (;;) {
		const char *hit = p < n ? memmem(s + p, n - p, "\n---", 4) : NULL;
		size_t end = hit ? (size_t)(hit - s) : n;
		if (end > p && add_piece(j, o, s + p, end - p, gen, hooks, e) < 0)
			return -1;
		if (!hit)
			return 0;
		p = end + 4;
		while (p < n && is_space(s[p]))
			p++;
	}
}

static int name_order(const void *a, const void *b)
{
	return strcmp(((const struct job *)a)->name, ((const struct job *)b)->name);
}

static bool manifest_ext(const char *name)
{
	const char *dot = strrchr(name, '.'), *slash = strrchr(name, '/');
	if (!dot || (slash && dot < slash))
		return false;
	return !strcasecmp(dot, ".yaml") || !strcasecmp(dot, ".yml") || !strcasecmp(dot, ".json");
}

static void add_crds(struct buf *b, const struct chart *c)
{
	char *full = chart_full_path(c);
	for (size_t i = 0; full && i < c->n_files; i++)
		if (!strncmp(c->files[i].name, "crds/", 5) && manifest_ext(c->files[i].name)) {
			buf_printf(b, "---\n# Source: %s/%s\n", full, c->files[i].name);
			buf_add(b, c->files[i].data, c->files[i].len);
			buf_addc(b, '\n');
		}
	free(full);
	for (size_t i = 0; i < c->n_sub; i++)
		add_crds(b, c->sub[i]);
}

/* Are all of the crds/ add_crds would write in charts read from a directory? */
static bool crds_on_disk(const struct chart *c)
{
	for (size_t i = 0; i < c->n_files; i++)
		if (!c->on_disk && !strncmp(c->files[i].name, "crds/", 5) && manifest_ext(c->files[i].name))
			return false;
	for (size_t i = 0; i < c->n_sub; i++)
		if (!crds_on_disk(c->sub[i]))
			return false;
	return true;
}

/* add_crds's files named in d->crds instead of written: *bytes they would take (their lines are
 * counted as gitops-render reads them: this process need not touch them). -1 out of memory. */
static int name_crds(struct helm_docs *d, const struct chart *c, size_t *bytes)
{
	char *full = chart_full_path(c);
	if (!full)
		return -1;
	for (size_t i = 0; i < c->n_files; i++) {
		const struct file *f = &c->files[i];
		if (strncmp(f->name, "crds/", 5) || !manifest_ext(f->name))
			continue;
		struct helm_crd *v = realloc(d->crds, (d->n_crds + 1) * sizeof(*v));
		if (!v) {
			free(full);
			return -1;
		}
		d->crds = v;
		struct helm_crd *k = &v[d->n_crds];
		*k = (struct helm_crd){ .len = f->len };
		if (asprintf(&k->path, "%s/%s", c->where, f->name) < 0) {
			free(full);
			return -1;
		}
		if (asprintf(&k->source, "%s/%s", full, f->name) < 0) {
			free(k->path);
			free(full);
			return -1;
		}
		d->n_crds++;
		*bytes += strlen("---\n# Source: \n") + strlen(k->source) + f->len + 1;
	}
	free(full);
	for (size_t i = 0; i < c->n_sub; i++)
		if (name_crds(d, c->sub[i], bytes) < 0)
			return -1;
	return 0;
}

void helm_docs_forget_crds(struct helm_docs *d)
{
	for (size_t i = 0; i < d->n_crds; i++) {
		free(d->crds[i].path);
		free(d->crds[i].source);
	}
	free(d->crds);
	d->crds = NULL;
	d->n_crds = 0;
}

/* the stream reader's List: a kind ending in List with items, spliced into its items */
static bool is_list_kind(const json_t *obj)
{
	const char *kind = json_string_value(json_object_get(obj, "kind"));
	size_t n = kind ? strlen(kind) : 0;
	return n >= 4 && !strcmp(kind + n - 4, "List") && json_is_array(json_object_get(obj, "items"));
}

/* May the reader take this document's tree instead of its text? Not when the text could read
 * differently inside the whole stream: a line the YAML reader takes for a document end ("...") or
 * a directive, a carriage return (a line break to it, not to helm's splitter), a byte-order mark. */
static bool tree_ok(const struct manifest *m)
{
	if (m->doc && (!json_is_object(m->doc) || is_list_kind(m->doc)))
		return false;
	const char *c = m->content;
	if (strchr(c, '\r') || strstr(c, "\xef\xbb\xbf") || !strncmp(c, "...", 3) || *c == '%')
		return false;
	return !strstr(c, "\n...") && !strstr(c, "\n%");
}

/* docs->line from byte offsets of each document's "---" in the final output (text starts on
 * line first) */
static int docs_lines(struct helm_docs *d, const size_t *off, const char *text, size_t len, unsigned long first)
{
	unsigned long line = first;
	size_t at = 0;
	for (size_t i = 0; i < d->n; i++) {
		size_t end = off[i] < len ? off[i] : len;
		const char *nl;
		while (at < end && (nl = memchr(text + at, '\n', end - at))) {
			line++;
			at = (size_t)(nl - text) + 1;
		}
		at = end;
		d->line[i] = line;
	}
	return 0;
}

static int docs_add(struct helm_docs *d, size_t **off, json_t *doc, size_t at)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		json_t **v = realloc(d->v, cap * sizeof(*v));
		if (v)
			d->v = v;
		unsigned long *l = v ? realloc(d->line, cap * sizeof(*l)) : NULL;
		if (l)
			d->line = l;
		size_t *o = l ? realloc(*off, cap * sizeof(*o)) : NULL;
		if (!o)
			return -1;
		*off = o;
		d->cap = cap;
	}
	(*off)[d->n] = at;
	d->v[d->n++] = json_incref(doc);
	return 0;
}

void helm_docs_free(struct helm_docs *d)
{
	helm_docs_forget_crds(d);
	for (size_t i = 0; i < d->n; i++)
		json_decref(d->v[i]);
	free(d->v);
	free(d->line);
	memset(d, 0, sizeof(*d));
}

static int assemble(struct jobs *jobs, const struct chart *root, const struct helm_opts *o, struct buf *out,
		    struct helm_docs *docs, struct herr *e)
{
	struct mlist gen = { 0 }, hooks = { 0 };
	if (jobs->n)
		qsort(jobs->v, jobs->n, sizeof(*jobs->v), name_order);
	for (size_t i = 0; i < jobs->n; i++) {
		struct job *j = &jobs->v[i];
		size_t nl = strlen(j->name);
		const char *base = strrchr(j->name, '/');
		if (!j->out || base[1] == '_' || (nl >= 9 && !strcmp(j->name + nl - 9, "NOTES.txt")))
			continue;
		const char *s = j->out;
		size_t n = j->out_len;
		trim(&s, &n);
		if (!n)
			continue;
		if (split_file(j, o, &gen, &hooks, e) < 0) {
			mlist_free(&gen);
			mlist_free(&hooks);
			return -1;
		}
	}
	if (gen.n)
		qsort(gen.v, gen.n, sizeof(*gen.v), manifest_cmp);
	if (hooks.n)
		qsort(hooks.v, hooks.n, sizeof(*hooks.v), manifest_cmp);
	/* the manifests (CRDs, then the sorted templates) go straight into out and are trimmed there:
	 * a copy would hold the CRDs twice (5 MiB of them in a kube-prometheus-stack-shaped chart) */
	size_t *off = NULL, start = out->n;
	bool usable = docs != NULL && start == 0;
	/* the crds/ files, when the reader can read them from the chart itself, are only named: 5 MiB
	 * of them would be held here, in the pipe's buffer and in gitops-render's copy at once */
	bool named = usable && o->include_crds && gen.n && crds_on_disk(root);
	size_t named_bytes = 0;
	if (named && name_crds(docs, root, &named_bytes) < 0)
		out->oom = true;
	else if (o->include_crds && !named)
		add_crds(out, root);
	size_t prefix = named ? named_bytes : out->n; /* the output starts with "---" (or is empty): trim keeps offsets */
	for (size_t i = 0; i < gen.n; i++) {
		usable = usable && tree_ok(&gen.v[i]) &&
			 (!gen.v[i].doc || docs_add(docs, &off, gen.v[i].doc, out->n) == 0);
		buf_adds(out, "---\n# Source: ");
		buf_adds(out, gen.v[i].name);
		buf_addc(out, '\n');
		buf_adds(out, gen.v[i].content);
		buf_addc(out, '\n');
	}
	if (!out->oom) {
		const char *base = out->p ? out->p + start : "", *s = base;
		size_t n = out->n - start;
		trim(&s, &n);
		if (s != base) {
			usable = false;
			memmove(out->p + start, s, n);
		}
		out->n = start + n;
	}
	buf_addc(out, '\n');
	if (!gen.n)
		prefix = out->n;
	for (size_t i = 0; i < hooks.n; i++) {
		usable = usable && tree_ok(&hooks.v[i]) &&
			 (!hooks.v[i].doc || docs_add(docs, &off, hooks.v[i].doc, out->n) == 0);
		buf_adds(out, "---\n# Source: ");
		buf_adds(out, hooks.v[i].name);
		buf_addc(out, '\n');
		buf_adds(out, hooks.v[i].content);
		buf_addc(out, '\n');
	}
	if (named && !usable && !out->oom) {
		/* the reader reads the whole text after all: the files go in front of it */
		struct buf crds = { 0 };
		add_crds(&crds, root);
		size_t old = out->n;
		if (crds.oom)
			out->oom = true;
		else
			buf_add(out, crds.p, crds.n); /* (room for them) */
		if (!out->oom) {
			memmove(out->p + crds.n, out->p, old);
			memcpy(out->p, crds.p, crds.n);
		}
		buf_free(&crds);
		named = false;
	}
	if (docs) {
		if (usable && !out->oom && (named || prefix <= out->n)) {
			docs->prefix = prefix;
			docs->usable = docs_lines(docs, off, out->p, out->n, 1) == 0;
		}
		if (!docs->usable)
			helm_docs_free(docs);
	}
	free(off);
	mlist_free(&gen);
	mlist_free(&hooks);
	return out->oom ? nomem(e) : 0;
}

/* ---- the whole render ---- */

static bool deps_present(const struct chart *c, struct herr *e)
{
	json_t *d;
	size_t i;
	json_array_foreach(c->deps, i, d) {
		const char *name = json_string_value(json_object_get(d, "name"));
		bool found = false;
		for (size_t k = 0; name && k < c->n_sub && !found; k++)
			found = !strcmp(c->sub[k]->name, name);
		if (!found) {
			herr_set(e, HERR_UNSUPPORTED, false, "dependency %s is not in charts/ (helm dependency build fetches it)",
				 name ? name : "?");
			return false;
		}
	}
	return true;
}

/* helm template adds this to an error of the render (rel != nil in cmd/helm/template.go): the
 * templates, the manifests' YAML, the kubeVersion check; not to a values or schema error */
static void render_phase_error(struct herr *e)
{
	static const char hint[] = "\n\nUse --debug flag to render out invalid YAML";
	size_t n = strlen(e->msg);
	if (e->kind == HERR_TEMPLATE && n + sizeof(hint) <= sizeof(e->msg))
		memcpy(e->msg + n, hint, sizeof(hint));
}

static int validate_schemas(const struct chart *c, struct hv values, struct buf *msg, struct herr *e)
{
	int bad = 0;
	if (c->schema) {
		int r = schema_validate(c, values, msg, e);
		if (r < 0)
			return -1;
		bad |= r;
	}
	for (size_t i = 0; i < c->n_sub; i++) {
		struct hv *sv = values.k == HV_MAP ? hmap_find(values.u.m, c->sub[i]->name, strlen(c->sub[i]->name)) : NULL;
		struct hv empty = hv_map();
		int r = validate_schemas(c->sub[i], sv && sv->k == HV_MAP ? *sv : empty, msg, e);
		hv_unref(empty);
		if (r < 0)
			return -1;
		bad |= r;
	}
	return bad;
}

int helm_render(const char *dir, const struct helm_opts *o, char **out, size_t *len, struct helm_docs *docs,
		struct herr *e)
{
	struct render_ctx rc = { .o = o };
	struct jobs jobs = { 0 };
	struct hv user = HV_NIL_V, vals = HV_NIL_V, root_ctx = HV_NIL_V;
	struct buf b = { 0 }, schema_msg = { 0 };
	char kv[160], major[24], minor[24];
	int r = -1;
	/* a packaged chart (--chart): values files are the user's, from the working directory */
	size_t dn = strlen(dir);
	bool archive = dn > 4 && !strcmp(dir + dn - 4, ".tgz");
	struct chart *c = archive ? chart_load_tgz(dir, e) : chart_load_dir(dir, e);
	if (!c)
		return -1;
	/* cmd/helm's checkIfInstallable, before anything else */
	const char *ctype = json_string_value(json_object_get(c->meta, "type"));
	if (ctype && *ctype && strcmp(ctype, "application")) {
		herr_set(e, HERR_TEMPLATE, true, "%s charts are not installable", ctype);
		goto out;
	}
	if (!deps_present(c, e))
		goto out;
	if (kube_version(o->kube_version, kv, sizeof(kv), major, minor) < 0) {
		herr_set(e, HERR_UNSUPPORTED, false, "--kube-version %s: helm words its error", o->kube_version);
		goto out;
	}
	rc.caps = capabilities(o, kv, major, minor);
	rc.release = release_object(o);
	struct hv inc = hv_map();
	rc.included = inc.u.m;
	if (rc.caps.k != HV_OBJ || rc.release.k != HV_MAP || inc.k != HV_MAP) {
		hv_unref(inc);
		rc.included = NULL;
		nomem(e);
		goto out;
	}
	if (values_user(o, archive ? "." : dir, &user, e) < 0 || values_process_deps(c, user, e) < 0)
		goto out;
	vals = values_coalesce(c, user, e);
	if (vals.k != HV_MAP)
		goto out;
	vals.go = GO_VALUES;
	int bad = o->skip_schema_validation ? 0 : validate_schemas(c, vals, &schema_msg, e);
	if (bad < 0)
		goto out;
	if (bad) {
		herr_set(e, HERR_TEMPLATE, true, "values don't meet the specifications of the schema(s) in the following chart(s):\n%s",
			 schema_msg.p ? schema_msg.p : "");
		goto out;
	}
	const char *want = json_string_value(json_object_get(c->meta, "kubeVersion"));
	if (want && *want) {
		int ok = semver_check(want, kv);
		if (ok < 0) {
			herr_set(e, HERR_UNSUPPORTED, false, "kubeVersion %s: a constraint helm reads itself", want);
			goto out;
		}
		if (!ok) {
			herr_set(e, HERR_TEMPLATE, true, "chart requires kubeVersion: %s which is incompatible with Kubernetes %s",
				 want, kv);
			render_phase_error(e);
			goto out;
		}
	}
	root_ctx = collect(c, vals, &rc, &jobs, e);
	if (root_ctx.k != HV_MAP || render_templates(&jobs, &rc, e) < 0 || assemble(&jobs, c, o, &b, docs, e) < 0) {
		render_phase_error(e);
		goto out;
	}
	*out = buf_take(&b, len);
	r = *out ? 0 : nomem(e);
out:
	for (size_t i = 0; i < jobs.n; i++) {
		free(jobs.v[i].name);
		free(jobs.v[i].base_path);
		free(jobs.v[i].out);
		/* scopes refer to each other (Subcharts): break the cycle-free tree by dropping refs */
		hv_unref(jobs.v[i].ctx);
	}
	free(jobs.v);
	buf_free(&b);
	buf_free(&schema_msg);
	hv_unref(root_ctx);
	hv_unref(vals);
	hv_unref(user);
	hv_unref(rc.caps);
	hv_unref(rc.release);
	if (rc.included) {
		struct hv inc_v = { .k = HV_MAP, .u.m = rc.included };
		hv_unref(inc_v);
	}
	chart_free(c);
	return r;
}
