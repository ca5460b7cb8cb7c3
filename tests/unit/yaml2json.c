/* yaml2json: the yaml module on its own, for the Helm oracle test: YAML on stdin,
 * one compact JSON value per document on stdout (null for an empty document). */
#include <stdio.h>

#include "cli.h"
#include "json.h"
#include "yaml.h"

int main(void)
{
	struct gt_limits lim = GT_LIMITS_DEFAULT;
	struct gt_yaml_reader *r = gt_yaml_reader_new_file(stdin, "<stdin>", &lim);
	json_t *doc;
	unsigned long line;
	int st;
	gt_set_program("yaml2json");
	while ((st = gt_yaml_next(r, &doc, &line)) > 0) {
		gt_json_write(stdout, doc);
		putchar('\n');
		json_decref(doc);
	}
	gt_yaml_reader_free(r);
	return st < 0 ? GT_EXIT_INPUT : GT_EXIT_OK;
}
