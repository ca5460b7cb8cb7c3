/* obj: identity of Kubernetes objects, scope, Argo CD sync order, tracking id. */
#include "obj.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ANNOTATION_HOOK "argocd.argoproj.io/hook"
#define ANNOTATION_SYNC_WAVE "argocd.argoproj.io/sync-wave"
#define ANNOTATION_HELM_HOOK "helm.sh/hook"
#define ANNOTATION_HELM_WEIGHT "helm.sh/hook-weight"
#define HELM_CRD_INSTALL "crd-install"

#define CRD_GROUP "apiextensions.k8s.io"
#define CRD_KIND "CustomResourceDefinition"

/* Kubernetes rejects longer label values. */
#define LABEL_VALUE_MAX 63

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- small helpers ---- */

/* A field of a map; JSON null counts as absent, as it does for Kubernetes (a bare YAML "metadata:" is null). */
static json_t *field(const json_t *map, const char *key)
{
	json_t *v = json_is_object(map) ? json_object_get(map, key) : NULL;
	return json_is_null(v) ? NULL : v;
}

static int fail(const char **why, const char *text)
{
	if (why)
		*why = text;
	return -1;
}

/* Locale-independent: label values are ASCII, and a tool may have called setlocale. */
static bool ascii_isalnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

__attribute__((format(printf, 1, 2)))
static char *format_new(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	char *s = malloc((size_t)n + 1);
	if (!s)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

static int compare_long(long a, long b)
{
	return (a > b) - (a < b);
}

/* ---- identity ---- */

/* A required, non-empty string field of obj. */
static int required_string(const json_t *obj, const char *key, const char **out,
			   const char *missing, const char *not_string, const char **why)
{
	json_t *v = field(obj, key);
	if (!v)
		return fail(why, missing);
	if (!json_is_string(v))
		return fail(why, not_string);
	*out = json_string_value(v);
	return **out ? 0 : fail(why, missing);
}

/* An optional string field of map (which may be NULL); "" when absent. */
static int optional_string(const json_t *map, const char *key, const char **out)
{
	json_t *v = field(map, key);
	*out = v ? json_string_value(v) : "";
	return *out ? 0 : -1;
}

/* "v1" is the core group; "apps/v1" is group "apps". More than one '/' is what Kubernetes rejects too. */
static int split_api_version(const char *api_version, struct gt_ref *ref, const char **why)
{
	const char *slash = strchr(api_version, '/');
	if (!slash) {
		ref->group[0] = '\0';
		ref->version = api_version;
		return 0;
	}
	size_t group_len = (size_t)(slash - api_version);
	if (strchr(slash + 1, '/'))
		return fail(why, "apiVersion has more than one '/'");
	if (group_len == 0 || slash[1] == '\0')
		return fail(why, "apiVersion is not VERSION or GROUP/VERSION");
	if (group_len > GT_GROUP_MAX)
		return fail(why, "apiVersion group is longer than 253 characters");
	memcpy(ref->group, api_version, group_len);
	ref->group[group_len] = '\0';
	ref->version = slash + 1;
	return 0;
}

int gt_obj_ref(const json_t *obj, struct gt_ref *ref, const char **why)
{
	/* Even on failure the ref holds valid strings, so a caller may print it. */
	ref->group[0] = '\0';
	ref->version = ref->kind = ref->namespace = ref->name = "";

	if (!json_is_object(obj))
		return fail(why, "object is not a map");
	const char *api_version;
	if (required_string(obj, "apiVersion", &api_version, "apiVersion is missing",
			    "apiVersion is not a string", why) ||
	    split_api_version(api_version, ref, why))
		return -1;
	if (required_string(obj, "kind", &ref->kind, "kind is missing", "kind is not a string", why))
		return -1;
	json_t *metadata = field(obj, "metadata");
	if (metadata && !json_is_object(metadata))
		return fail(why, "metadata is not a map");
	if (optional_string(metadata, "namespace", &ref->namespace))
		return fail(why, "metadata.namespace is not a string");
	if (optional_string(metadata, "name", &ref->name))
		return fail(why, "metadata.name is not a string");
	return 0;
}

int gt_obj_validate(const json_t *obj, const char **why)
{
	struct gt_ref ref;
	if (gt_obj_ref(obj, &ref, why))
		return -1;
	if (ref.name[0])
		return 0;
	const char *generate_name;
	if (optional_string(field(obj, "metadata"), "generateName", &generate_name))
		return fail(why, "metadata.generateName is not a string");
	if (!generate_name[0])
		return fail(why, "metadata.name and metadata.generateName are both missing");
	return 0;
}

char *gt_ref_key_new(const struct gt_ref *ref)
{
	return format_new("%s/%s/%s/%s", ref->group, ref->kind, ref->namespace, ref->name);
}

/* ---- scope ---- */

struct group_kind {
	const char *group;
	const char *kind;
};

/* `kubectl api-resources --namespaced=false` of current Kubernetes, plus removed kinds old manifests still carry. */
static const struct group_kind cluster_scoped_builtins[] = {
	{ "", "ComponentStatus" },
	{ "", "Namespace" },
	{ "", "Node" },
	{ "", "PersistentVolume" },
	{ "admissionregistration.k8s.io", "MutatingAdmissionPolicy" },
	{ "admissionregistration.k8s.io", "MutatingAdmissionPolicyBinding" },
	{ "admissionregistration.k8s.io", "MutatingWebhookConfiguration" },
	{ "admissionregistration.k8s.io", "ValidatingAdmissionPolicy" },
	{ "admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding" },
	{ "admissionregistration.k8s.io", "ValidatingWebhookConfiguration" },
	{ "apiextensions.k8s.io", "CustomResourceDefinition" },
	{ "apiregistration.k8s.io", "APIService" },
	{ "authentication.k8s.io", "SelfSubjectReview" },
	{ "authentication.k8s.io", "TokenReview" },
	{ "authorization.k8s.io", "SelfSubjectAccessReview" },
	{ "authorization.k8s.io", "SelfSubjectRulesReview" },
	{ "authorization.k8s.io", "SubjectAccessReview" },
	{ "certificates.k8s.io", "CertificateSigningRequest" },
	{ "certificates.k8s.io", "ClusterTrustBundle" },
	{ "extensions", "PodSecurityPolicy" },
	{ "flowcontrol.apiserver.k8s.io", "FlowSchema" },
	{ "flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration" },
	{ "internal.apiserver.k8s.io", "StorageVersion" },
	{ "networking.k8s.io", "IPAddress" },
	{ "networking.k8s.io", "IngressClass" },
	{ "networking.k8s.io", "ServiceCIDR" },
	{ "node.k8s.io", "RuntimeClass" },
	{ "policy", "PodSecurityPolicy" },
	{ "rbac.authorization.k8s.io", "ClusterRole" },
	{ "rbac.authorization.k8s.io", "ClusterRoleBinding" },
	{ "resource.k8s.io", "DeviceClass" },
	{ "resource.k8s.io", "DeviceTaintRule" },
	{ "resource.k8s.io", "ResourceSlice" },
	{ "scheduling.k8s.io", "PriorityClass" },
	{ "storage.k8s.io", "CSIDriver" },
	{ "storage.k8s.io", "CSINode" },
	{ "storage.k8s.io", "StorageClass" },
	{ "storage.k8s.io", "VolumeAttachment" },
	{ "storage.k8s.io", "VolumeAttributesClass" },
	{ "storagemigration.k8s.io", "StorageVersionMigration" },
};

bool gt_kind_is_cluster_scoped_builtin(const char *group, const char *kind)
{
	if (!group || !kind)
		return false;
	for (size_t i = 0; i < COUNT(cluster_scoped_builtins); i++)
		if (strcmp(cluster_scoped_builtins[i].kind, kind) == 0 &&
		    strcmp(cluster_scoped_builtins[i].group, group) == 0)
			return true;
	return false;
}

/* A kind some CRD in the stream defined; the strings are owned by the gt_scopes. */
struct learned_kind {
	char *group;
	char *kind;
	bool cluster;
};

struct gt_scopes {
	struct learned_kind *kinds;
	size_t n, cap;
};

struct gt_scopes *gt_scopes_new(void)
{
	return calloc(1, sizeof(struct gt_scopes));
}

void gt_scopes_free(struct gt_scopes *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->kinds[i].group);
		free(s->kinds[i].kind);
	}
	free(s->kinds);
	free(s);
}

static struct learned_kind *find_learned(const struct gt_scopes *s, const char *group, const char *kind)
{
	for (size_t i = 0; s && i < s->n; i++)
		if (strcmp(s->kinds[i].kind, kind) == 0 && strcmp(s->kinds[i].group, group) == 0)
			return &s->kinds[i];
	return NULL;
}

/* Add or update; a later CRD for the same group/kind replaces the earlier one, as on a cluster. */
static void remember_kind(struct gt_scopes *s, const char *group, const char *kind, bool cluster)
{
	struct learned_kind *known = find_learned(s, group, kind);
	if (known) {
		known->cluster = cluster;
		return;
	}
	if (GT_GROW(s->kinds, s->cap, s->n + 1) < 0)
		return; /* out of memory: the kind stays unknown, i.e. namespaced */
	char *g = strdup(group), *k = strdup(kind);
	if (!g || !k) {
		free(g);
		free(k);
		return;
	}
	s->kinds[s->n++] = (struct learned_kind){ g, k, cluster };
}

void gt_scopes_learn(struct gt_scopes *s, const json_t *obj)
{
	struct gt_ref ref;
	if (!s || gt_obj_ref(obj, &ref, NULL) || strcmp(ref.group, CRD_GROUP) != 0 ||
	    strcmp(ref.kind, CRD_KIND) != 0)
		return;
	json_t *spec = field(obj, "spec");
	const char *group = json_string_value(field(spec, "group"));
	const char *kind = json_string_value(field(field(spec, "names"), "kind"));
	const char *scope = json_string_value(field(spec, "scope"));
	if (!group || !kind || !kind[0] || !scope)
		return;
	/* Anything else the API server would reject, so it tells us nothing. */
	if (strcmp(scope, "Cluster") == 0)
		remember_kind(s, group, kind, true);
	else if (strcmp(scope, "Namespaced") == 0)
		remember_kind(s, group, kind, false);
}

void gt_scopes_learn_from(struct gt_scopes *s, const struct gt_scopes *from)
{
	for (size_t i = 0; s && from && i < from->n; i++)
		remember_kind(s, from->kinds[i].group, from->kinds[i].kind, from->kinds[i].cluster);
}

bool gt_scopes_is_cluster(const struct gt_scopes *s, const char *group, const char *kind)
{
	if (!group || !kind)
		return false;
	const struct learned_kind *learned = find_learned(s, group, kind);
	if (learned)
		return learned->cluster;
	return gt_kind_is_cluster_scoped_builtin(group, kind);
}

void gt_scopes_set(struct gt_scopes *s, const char *group, const char *kind, bool cluster)
{
	if (s && group && kind && *kind)
		remember_kind(s, group, kind, cluster);
}

int gt_scopes_lookup(const struct gt_scopes *s, const char *group, const char *kind)
{
	const struct learned_kind *learned = group && kind ? find_learned(s, group, kind) : NULL;
	return learned ? learned->cluster : -1;
}

/* Kubernetes' own API groups (kube-apiserver serves them, no CRD can): a kind of these that the
 * cluster-scoped table does not name is namespaced. Named groups of CRDs (gateway.networking.k8s.io,
 * snapshot.storage.k8s.io) are not here: group names are compared whole. */
static const char *const builtin_groups[] = {
	"", "admissionregistration.k8s.io", "apiextensions.k8s.io", "apiregistration.k8s.io", "apps",
	"authentication.k8s.io", "authorization.k8s.io", "autoscaling", "batch", "certificates.k8s.io",
	"coordination.k8s.io", "discovery.k8s.io", "events.k8s.io", "extensions", "flowcontrol.apiserver.k8s.io",
	"internal.apiserver.k8s.io", "metrics.k8s.io", "networking.k8s.io", "node.k8s.io", "policy",
	"rbac.authorization.k8s.io", "resource.k8s.io", "scheduling.k8s.io", "storage.k8s.io",
	"storagemigration.k8s.io",
};

int gt_kind_builtin_scope(const char *group, const char *kind)
{
	if (!group || !kind)
		return -1;
	if (gt_kind_is_cluster_scoped_builtin(group, kind))
		return 1;
	if (!strcmp(group, "metrics.k8s.io"))
		return !strcmp(kind, "NodeMetrics") ? 1 : 0; /* the one aggregated API groups commonly see */
	for (size_t i = 0; i < COUNT(builtin_groups); i++)
		if (!strcmp(builtin_groups[i], group))
			return 0;
	return -1;
}

struct scoped_kind {
	const char *group;
	const char *kind;
	bool cluster;
};

/* The scope of popular CRDs' kinds, as their CRDs say (spec.scope), for renders that carry no CRD
 * and have no cluster or --api-resources to ask: the last resort. Namespaced rows matter as much
 * as cluster-scoped ones, for a kind this table does not know gets no namespace. tests/cli/
 * render-scope.t renders one object of each row. */
static const struct scoped_kind well_known[] = {
	{ "apiextensions.crossplane.io", "Composition", true },
	{ "apiextensions.crossplane.io", "CompositeResourceDefinition", true },
	{ "apiextensions.crossplane.io", "CompositionRevision", true },
	{ "apiextensions.crossplane.io", "EnvironmentConfig", true },
	{ "argoproj.io", "AnalysisTemplate", false },
	{ "argoproj.io", "AppProject", false }, /* in Argo CD's namespace, not cluster-wide */
	{ "argoproj.io", "Application", false },
	{ "argoproj.io", "ApplicationSet", false },
	{ "argoproj.io", "ClusterAnalysisTemplate", true },
	{ "argoproj.io", "ClusterWorkflowTemplate", true },
	{ "argoproj.io", "CronWorkflow", false },
	{ "argoproj.io", "Rollout", false },
	{ "argoproj.io", "Workflow", false },
	{ "argoproj.io", "WorkflowTemplate", false },
	{ "aws.upbound.io", "ProviderConfig", true },
	{ "bitnami.com", "SealedSecret", false },
	{ "cert-manager.io", "Certificate", false },
	{ "cert-manager.io", "ClusterIssuer", true },
	{ "cert-manager.io", "Issuer", false },
	{ "external-secrets.io", "ClusterExternalSecret", true },
	{ "external-secrets.io", "ClusterSecretStore", true },
	{ "external-secrets.io", "ExternalSecret", false },
	{ "external-secrets.io", "SecretStore", false },
	{ "gateway.networking.k8s.io", "GRPCRoute", false },
	{ "gateway.networking.k8s.io", "Gateway", false },
	{ "gateway.networking.k8s.io", "GatewayClass", true },
	{ "gateway.networking.k8s.io", "HTTPRoute", false },
	{ "gateway.networking.k8s.io", "ReferenceGrant", false },
	{ "helm.crossplane.io", "ProviderConfig", true },
	{ "karpenter.k8s.aws", "EC2NodeClass", true },
	{ "karpenter.sh", "NodeClaim", true },
	{ "karpenter.sh", "NodePool", true },
	{ "kubernetes.crossplane.io", "ProviderConfig", true },
	{ "kyverno.io", "ClusterPolicy", true },
	{ "kyverno.io", "Policy", false },
	{ "monitoring.coreos.com", "Alertmanager", false },
	{ "monitoring.coreos.com", "PodMonitor", false },
	{ "monitoring.coreos.com", "Prometheus", false },
	{ "monitoring.coreos.com", "PrometheusRule", false },
	{ "monitoring.coreos.com", "ServiceMonitor", false },
	{ "networking.istio.io", "DestinationRule", false },
	{ "networking.istio.io", "Gateway", false },
	{ "networking.istio.io", "ServiceEntry", false },
	{ "networking.istio.io", "VirtualService", false },
	{ "pkg.crossplane.io", "Configuration", true },
	{ "pkg.crossplane.io", "DeploymentRuntimeConfig", true },
	{ "pkg.crossplane.io", "Function", true },
	{ "pkg.crossplane.io", "Provider", true },
	{ "security.istio.io", "AuthorizationPolicy", false },
	{ "security.istio.io", "PeerAuthentication", false },
	{ "snapshot.storage.k8s.io", "VolumeSnapshot", false },
	{ "snapshot.storage.k8s.io", "VolumeSnapshotClass", true },
	{ "snapshot.storage.k8s.io", "VolumeSnapshotContent", true },
};

int gt_kind_well_known_scope(const char *group, const char *kind)
{
	for (size_t i = 0; group && kind && i < COUNT(well_known); i++)
		if (!strcmp(well_known[i].kind, kind) && !strcmp(well_known[i].group, group))
			return well_known[i].cluster;
	return -1;
}

bool gt_kind_is_cluster_scoped_well_known(const char *group, const char *kind)
{
	return gt_kind_well_known_scope(group, kind) == 1;
}

/* The whitespace-free token of line that starts at column col ("" when the column is blank there). */
static void column_token(const char *line, size_t len, long col, char *out, size_t size)
{
	size_t n = 0;
	if (col >= 0 && (size_t)col < len && line[col] != ' ' && (col == 0 || line[col - 1] == ' '))
		while ((size_t)col + n < len && line[col + n] != ' ' && line[col + n] != '\t' && n + 1 < size)
			n++;
	if (n)
		memcpy(out, line + col, n);
	out[n] = '\0';
}

/* Where header's column name starts, or -1. */
static long column_of(const char *header, size_t len, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i + n <= len; i++)
		if (!strncmp(header + i, name, n) && (i == 0 || header[i - 1] == ' ') &&
		    (i + n == len || header[i + n] == ' '))
			return (long)i;
	return -1;
}

int gt_scopes_parse_api_resources(struct gt_scopes *s, const char *text, const char **why)
{
	long c_api = -1, c_group = -1, c_ns = -1, c_kind = -1;
	bool header = false;
	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		if (len && line[len - 1] == '\r')
			len--;
		if (!header) {
			c_api = column_of(line, len, "APIVERSION");
			c_group = column_of(line, len, "APIGROUP");
			c_ns = column_of(line, len, "NAMESPACED");
			c_kind = column_of(line, len, "KIND");
			header = c_ns >= 0 && c_kind >= 0 && (c_api >= 0 || c_group >= 0);
		} else {
			char api[GT_GROUP_MAX + 32], ns[16], kind[256];
			column_token(line, len, c_api >= 0 ? c_api : c_group, api, sizeof(api));
			column_token(line, len, c_ns, ns, sizeof(ns));
			column_token(line, len, c_kind, kind, sizeof(kind));
			char *slash = c_api >= 0 ? strrchr(api, '/') : NULL;
			if (c_api >= 0)
				slash ? (void)(*slash = '\0') : (void)(api[0] = '\0'); /* "v1": the core group */
			if (*kind && (!strcmp(ns, "true") || !strcmp(ns, "false")))
				remember_kind(s, api, kind, !strcmp(ns, "false"));
		}
		line = nl ? nl + 1 : NULL;
	}
	if (!header)
		return *why = "no NAMESPACED and KIND columns: not the output of kubectl api-resources", -1;
	return 0;
}

/* ---- sync order ---- */

struct hook_name {
	const char *name;
	enum gt_phase phase; /* GT_PHASE_SKIP: a valid type that never runs in a sync */
	bool skip;           /* the Skip type itself */
};

/* Argo CD's hook types. PreDelete and PostDelete run only when the Application is deleted. */
static const struct hook_name argo_hooks[] = {
	{ "PreSync", GT_PHASE_PRESYNC, false },
	{ "Sync", GT_PHASE_SYNC, false },
	{ "PostSync", GT_PHASE_POSTSYNC, false },
	{ "SyncFail", GT_PHASE_SYNCFAIL, false },
	{ "Skip", GT_PHASE_SKIP, true },
	{ "PreDelete", GT_PHASE_SKIP, false },
	{ "PostDelete", GT_PHASE_SKIP, false },
};

/* The Helm hooks Argo CD maps; it has no equivalent for the others (test, pre-delete, ...). */
static const struct hook_name helm_hooks[] = {
	{ "pre-install", GT_PHASE_PRESYNC, false },
	{ "pre-upgrade", GT_PHASE_PRESYNC, false },
	{ "post-install", GT_PHASE_POSTSYNC, false },
	{ "post-upgrade", GT_PHASE_POSTSYNC, false },
};

/* What a hook annotation's csv names. */
struct hook_types {
	size_t valid;        /* items that are a known type */
	size_t skips;        /* of which Skip */
	enum gt_phase phase; /* the first sync phase named; GT_PHASE_SKIP if none */
};

static bool csv_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* The next non-empty, space-trimmed item of a csv, as Argo CD's GetAnnotationCSVs splits. */
static bool csv_next(const char **cursor, const char **item, size_t *len)
{
	const char *p = *cursor;
	while (*p) {
		const char *end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		const char *next = *end ? end + 1 : end;
		while (p < end && csv_space(*p))
			p++;
		while (end > p && csv_space(end[-1]))
			end--;
		if (end > p) {
			*item = p;
			*len = (size_t)(end - p);
			*cursor = next;
			return true;
		}
		p = next;
	}
	*cursor = p;
	return false;
}

static const struct hook_name *lookup_hook(const struct hook_name *names, size_t n, const char *item, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(names[i].name) == len && memcmp(names[i].name, item, len) == 0)
			return &names[i];
	return NULL;
}

static struct hook_types scan_hook_types(const char *csv, const struct hook_name *names, size_t n)
{
	struct hook_types t = { 0, 0, GT_PHASE_SKIP };
	const char *item;
	size_t len;
	while (csv && csv_next(&csv, &item, &len)) {
		const struct hook_name *h = lookup_hook(names, n, item, len);
		if (!h)
			continue;
		t.valid++;
		t.skips += h->skip;
		if (t.phase == GT_PHASE_SKIP)
			t.phase = h->phase;
	}
	return t;
}

/* Helm marks CRDs with the hook annotation too, but they are not hooks (the whole value, untrimmed). */
static bool helm_hook_present(const char *value)
{
	return value && strcmp(value, HELM_CRD_INSTALL) != 0;
}

enum gt_phase gt_obj_phase(const json_t *obj)
{
	const char *argo = gt_obj_annotation(obj, ANNOTATION_HOOK);
	const char *helm = gt_obj_annotation(obj, ANNOTATION_HELM_HOOK);
	if (!argo && !helm_hook_present(helm))
		return GT_PHASE_SYNC;
	struct hook_types types = scan_hook_types(argo, argo_hooks, COUNT(argo_hooks));
	/* Argo CD reads the Helm hook only when the Argo CD one names no valid type. */
	if (types.valid == 0)
		types = scan_hook_types(helm, helm_hooks, COUNT(helm_hooks));
	/* Skip alone, no valid type (Argo CD ignores the object) and delete hooks all stay out of the sync. */
	return types.phase;
}

bool gt_obj_is_hook(const json_t *obj)
{
	const char *argo = gt_obj_annotation(obj, ANNOTATION_HOOK);
	if (argo) {
		struct hook_types types = scan_hook_types(argo, argo_hooks, COUNT(argo_hooks));
		bool skip_alone = types.valid > 0 && types.skips == types.valid;
		return !skip_alone;
	}
	return helm_hook_present(gt_obj_annotation(obj, ANNOTATION_HELM_HOOK));
}

bool gt_obj_pair_is_hook(const json_t *desired, const json_t *live)
{
	if (desired && (gt_obj_is_hook(desired) || gt_obj_phase(desired) == GT_PHASE_SKIP))
		return true;
	return live && gt_obj_is_hook(live);
}

/* Go's strconv.Atoi, which Argo CD uses: optional sign, decimal digits only, no spaces, in range. */
static int parse_integer(const char *s, long *out)
{
	if (!s)
		return -1;
	const char *digits = s + (*s == '+' || *s == '-');
	if (!*digits)
		return -1;
	for (const char *p = digits; *p; p++)
		if (*p < '0' || *p > '9')
			return -1;
	errno = 0;
	long v = strtol(s, NULL, 10);
	if (errno == ERANGE)
		return -1;
	*out = v;
	return 0;
}

long gt_obj_wave(const json_t *obj)
{
	long wave;
	if (parse_integer(gt_obj_annotation(obj, ANNOTATION_SYNC_WAVE), &wave) == 0)
		return wave;
	if (parse_integer(gt_obj_annotation(obj, ANNOTATION_HELM_WEIGHT), &wave) == 0)
		return wave;
	return 0;
}

/* gitops-engine's kindOrder (pkg/sync/sync_tasks.go), itself an old Helm install order. */
static const char *const kind_order[] = {
	"Namespace",
	"NetworkPolicy",
	"ResourceQuota",
	"LimitRange",
	"PodSecurityPolicy",
	"PodDisruptionBudget",
	"ServiceAccount",
	"Secret",
	"SecretList",
	"ConfigMap",
	"StorageClass",
	"PersistentVolume",
	"PersistentVolumeClaim",
	"CustomResourceDefinition",
	"ClusterRole",
	"ClusterRoleList",
	"ClusterRoleBinding",
	"ClusterRoleBindingList",
	"Role",
	"RoleList",
	"RoleBinding",
	"RoleBindingList",
	"Service",
	"DaemonSet",
	"Pod",
	"ReplicationController",
	"ReplicaSet",
	"Deployment",
	"HorizontalPodAutoscaler",
	"StatefulSet",
	"Job",
	"CronJob",
	"IngressClass",
	"Ingress",
	"APIService",
};

_Static_assert(COUNT(kind_order) == 35, "Argo CD's kind order has 35 kinds");

int gt_kind_order(const char *kind)
{
	for (size_t i = 0; kind && i < COUNT(kind_order); i++)
		if (strcmp(kind_order[i], kind) == 0)
			return (int)i - (int)COUNT(kind_order);
	return 0; /* after every listed kind, as Go's zero value for a missing map key */
}

static const char *string_or_empty(const json_t *v)
{
	const char *s = json_string_value(v);
	return s ? s : "";
}

struct gt_sync_key gt_sync_key_of(const json_t *obj)
{
	const json_t *meta = field(obj, "metadata");
	return (struct gt_sync_key){
		.phase = gt_obj_phase(obj),
		.wave = gt_obj_wave(obj),
		.kind_order = gt_kind_order(string_or_empty(field(obj, "kind"))),
		.name = string_or_empty(field(meta, "name")),
		.namespace = string_or_empty(field(meta, "namespace")),
	};
}

int gt_sync_key_compare(const struct gt_sync_key *a, const struct gt_sync_key *b)
{
	int d = compare_long(a->phase, b->phase);
	if (d == 0)
		d = compare_long(a->wave, b->wave);
	if (d == 0)
		d = compare_long(a->kind_order, b->kind_order);
	if (d == 0)
		d = strcmp(a->name, b->name); /* unsigned bytes, like Go's string < */
	if (d == 0)
		d = strcmp(a->namespace, b->namespace);
	return d;
}

/* ---- tracking ---- */

const struct gt_choice gt_tracking_choices[] = {
	{ "annotation", GT_TRACKING_ANNOTATION }, { "label", GT_TRACKING_LABEL }, { "annotation+label", GT_TRACKING_BOTH },
	GT_CHOICES_END
};

char *gt_tracking_id_new(const char *app, const struct gt_ref *ref, const char *default_ns)
{
	const char *ns = ref->namespace[0] ? ref->namespace : default_ns ? default_ns : "";
	return format_new("%s:%s/%s:%s/%s", app ? app : "", ref->group, ref->kind, ns, ref->name);
}

char *gt_instance_label_new(const char *app)
{
	if (!app)
		app = "";
	size_t len = strlen(app);
	/* Argo CD trims only what it truncated; the cut may leave a '-', '.' or '_' a label cannot end with. */
	if (len > LABEL_VALUE_MAX) {
		len = LABEL_VALUE_MAX;
		while (len > 0 && !ascii_isalnum(app[len - 1]))
			len--;
	}
	return strndup(app, len);
}

/* parent[key] as a map, created when absent or null; NULL when it is something else. */
static json_t *child_map(json_t *parent, const char *key)
{
	json_t *child = json_object_get(parent, key);
	if (json_is_object(child))
		return child;
	if (child && !json_is_null(child))
		return NULL;
	child = json_object();
	if (!child || json_object_set_new(parent, key, child)) /* set_new frees child on failure */
		return NULL;
	return child;
}

static int set_metadata_entry(json_t *obj, const char *map_name, const char *key, const char *value)
{
	if (!json_is_object(obj))
		return -1;
	json_t *metadata = child_map(obj, "metadata");
	json_t *map = metadata ? child_map(metadata, map_name) : NULL;
	json_t *s = map ? json_string(value) : NULL;
	if (!s)
		return -1;
	return json_object_set_new(map, key, s) ? -1 : 0;
}

int gt_obj_set_annotation(json_t *obj, const char *key, const char *value)
{
	return set_metadata_entry(obj, "annotations", key, value);
}

int gt_obj_set_label(json_t *obj, const char *key, const char *value)
{
	return set_metadata_entry(obj, "labels", key, value);
}

const char *gt_obj_annotation(const json_t *obj, const char *key)
{
	return json_string_value(field(field(field(obj, "metadata"), "annotations"), key));
}

json_t *gt_obj_last_applied_new(const json_t *obj)
{
	const char *s = gt_obj_annotation(obj, GT_LAST_APPLIED);
	if (!s)
		return NULL;
	json_t *v = json_loads(s, 0, NULL);
	if (!json_is_object(v))
		json_decref(v), v = NULL;
	return v;
}
