/* yaml2json: the yaml module on its own, for the Helm oracle test and the bench: YAML on stdin
 * (or in FILE), one compact JSON value per document on stdout (null for an empty document).
 * --libyaml: libyaml reads every document, without the fast path (the bench's reference). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "json.h"
#include "yaml.h"
#include "yaml_fast.h"

int main(int argc, char **argv)
{
	struct gt_limits lim = GT_LIMITS_DEFAULT;
	gt_set_program("yaml2json");
	int a = 1;
	if (a < argc && !strcmp(argv[a], "--libyaml")) {
		gt_yaml_set_fast_path(false);
		a++;
	}
	if (argc - a > 1) {
		fprintf(stderr, "usage: yaml2json [--libyaml] [FILE]\n");
		return GT_EXIT_USAGE;
	}
	FILE *in = a < argc ? fopen(argv[a], "rb") : stdin;
	if (!in) {
		fprintf(stderr, "yaml2json: %s: cannot open\n", argv[a]);
		return GT_EXIT_INPUT;
	}
	struct gt_yaml_reader *r = gt_yaml_reader_new_file(in, a < argc ? argv[a] : "<stdin>", &lim);
	json_t *doc;
	unsigned long line;
	int st;
	while ((st = gt_yaml_next(r, &doc, &line)) > 0) {
		gt_json_write(stdout, doc);
		putchar('\n');
		json_decref(doc);
	}
	gt_yaml_reader_free(r);
	if (in != stdin)
		fclose(in);
	return st < 0 ? GT_EXIT_INPUT : GT_EXIT_OK;
}
