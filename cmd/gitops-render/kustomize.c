/* kustomize: `kustomize build`, or `kubectl kustomize` (kubectl carries kustomize) when there is
 * no kustomize binary; --enable-helm and --load-restrictor passed through. */
#include "render.h"

#include <stdlib.h>
#include <string.h>


static int kustomize_locate(const struct render_opts *o, struct engine *e)
{
	if (o->kustomize) {
		e->bin = locate_binary(o->kustomize, "kustomize", "kustomize");
		const char *base = e->bin ? strrchr(e->bin, '/') : NULL;
		e->via_kubectl = base && !strncmp(base + 1, "kubectl", 7);
		return e->bin ? 0 : -1;
	}
	if ((e->bin = find_on_path("kustomize")))
		return 0;
	if ((e->bin = find_on_path("kubectl"))) {
		e->via_kubectl = true;
		return 0;
	}
	gt_error("kustomize not found on PATH: install kustomize or kubectl (which has it built in), or name the "
		 "binary with --kustomize PATH");
	return -1;
}

static int kustomize_args(const struct render_opts *o, const struct engine *e, struct argv_b *a)
{
	argv_add(a, e->bin);
	argv_add(a, e->via_kubectl ? "kustomize" : "build");
	if (o->enable_helm) {
		argv_add(a, "--enable-helm");
		char *helm = o->helm ? (strchr(o->helm, '/') ? strdup(o->helm) : find_on_path(o->helm)) : NULL;
		if (helm)
			argv_addf(a, "--helm-command=%s", helm);
		free(helm);
	}
	if (o->load_restrictor)
		argv_addf(a, "--load-restrictor=%s", o->load_restrictor);
	argv_add(a, "--"); /* values as --flag=value, then the one positional */
	argv_add(a, ".");
	return a->oom ? (gt_error("out of memory"), -1) : 0;
}

static const char *const kustomize_version_args[] = { "version", NULL };

const struct engine_ops kustomize_engine = {
	.name = "kustomize",
	.locate = kustomize_locate,
	.args = kustomize_args,
	.version_args = kustomize_version_args,
};
