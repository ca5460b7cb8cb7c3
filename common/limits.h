/* limits: every bound on input, named and defaulted in one place; each has a flag. */
#ifndef GT_LIMITS_H
#define GT_LIMITS_H

#include <stddef.h>

struct gt_limits {
	size_t max_doc_bytes;  /* --max-document-size: bytes of one YAML/JSON document */
	size_t max_alias_nodes; /* --max-alias-nodes: nodes that aliases may expand to, per document */
	size_t max_depth;      /* --max-depth: nesting of maps and lists */
};

#define GT_DEFAULT_MAX_DOC_BYTES ((size_t)64 << 20) /* 64 MiB: a huge CRD is ~2 MiB */
/* A billion-laughs file needs ~10^9; real values files with anchors use a few hundred. */
#define GT_DEFAULT_MAX_ALIAS_NODES ((size_t)1000000)
#define GT_DEFAULT_MAX_DEPTH ((size_t)512)
/* The reader recurses once per level: beyond this the stack, not the flag, would decide. */
#define GT_MAX_DEPTH_CEILING 4096

#define GT_LIMITS_DEFAULT { GT_DEFAULT_MAX_DOC_BYTES, GT_DEFAULT_MAX_ALIAS_NODES, GT_DEFAULT_MAX_DEPTH }

#endif
