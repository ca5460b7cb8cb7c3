#!/usr/bin/env bash
# render-values.t: where -f/--values and --set-file files are read, with both Helm engines. helm
# reads them relative to the current directory, Argo CD's valueFiles relative to the chart: a
# local render takes the current directory's file when it exists there, else the chart's, and
# names both places when neither has it; from --repo they are the repository's, chart-relative,
# and a path that leaves it is refused; "--values -" reads standard input.
. "$(dirname "$0")/../lib.sh"
HELM=${GITOPS_HELM:-$("$TOP/tests/tools/helm")} || { echo "Bail out! no reference helm"; exit 1; }
unset GITOPS_GIT_TOKEN SYSTEM_ACCESSTOKEN
export HELM_CONFIG_HOME=$TMP/helm/config HELM_CACHE_HOME=$TMP/helm/cache HELM_DATA_HOME=$TMP/helm/data
export XDG_CACHE_HOME=$TMP/cache

WORK=$TMP/work
mkdir -p "$WORK"
cp -r "$TOP/tests/fixtures/render-helm/guestbook" "$WORK/guestbook"
cd "$WORK" || exit 1
replicas() { jq -r 'select(.kind == "Deployment" and (.metadata.name | test("redis") | not)) | .spec.replicas' <<<"$OUT" | head -1; }

printf 'replicaCount: 7\n' >mine.yaml
printf 'replicaCount: 8\n' >values-production.yaml # also in the chart, with other values
grep -q '^replicaCount' guestbook/values.yaml || { echo "Bail out! the fixture chart has no replicas value"; exit 1; }

for engine in native exec; do
	E=(--engine "$engine" --helm "$HELM" -n web)
	run gitops-render "${E[@]}" -f mine.yaml guestbook
	is "$RC $(replicas)" "0 7" "$engine: a values file of the current directory, as helm reads it"
	run gitops-render "${E[@]}" -f values-production.yaml guestbook
	is "$RC $(replicas)" "0 8" "$engine: the current directory's file wins over the chart's of the same name"
	run gitops-render "${E[@]}" -f values-noredis.yaml guestbook
	is "$RC" 0 "$engine: a file only the chart has is the chart's, as Argo CD's valueFiles"
	OUT_CHART=$OUT
	run gitops-render "${E[@]}" -f guestbook/values-noredis.yaml guestbook
	is "$OUT" "$OUT_CHART" "$engine: the same file named from the current directory renders the same"
	run gitops-render "${E[@]}" -f "$WORK/mine.yaml" guestbook
	is "$RC $(replicas)" "0 7" "$engine: an absolute path"
	run gitops-render "${E[@]}" -f nope.yaml guestbook
	is "$RC:$OUT" "2:" "$engine: a file nowhere: exit 2, nothing on stdout"
	is "$ERR" "gitops-render: --values nope.yaml: no such file: tried $WORK/nope.yaml (the current directory) and guestbook/nope.yaml (the chart)" \
		"$engine: the error names every place tried"
	run sh -c "printf 'replicaCount: 9\n' | gitops-render --engine $engine --helm '$HELM' -n web -f - guestbook"
	is "$RC $(replicas)" "0 9" "$engine: --values - reads standard input"
	run sh -c "printf 'replicaCount: 9\n' | gitops-render --engine $engine --helm '$HELM' -n web -f values-production.yaml -f - -f mine.yaml guestbook"
	is "$RC $(replicas)" "0 7" "$engine: standard input takes its place in the order of -f"
	# --set-file: the same places
	printf 'from the current directory\n' >note.txt
	run gitops-render "${E[@]}" --set-file config.note=note.txt guestbook
	is "$RC" 0 "$engine: --set-file of the current directory"
	run gitops-render "${E[@]}" --set-file config.note=nope.txt guestbook
	is "$RC:$ERR" "2:gitops-render: --set-file nope.txt: no such file: tried $WORK/nope.txt (the current directory) and guestbook/nope.txt (the chart)" \
		"$engine: --set-file names every place tried too"
done
run sh -c "printf 'a: 1\n' | gitops-render -f - -f - guestbook"
is "$RC:$ERR" "2:gitops-render: --values -: standard input can be read once" "--values - twice: refused"

# helm template itself agrees: a file of the current directory, and standard input
run "$HELM" template web guestbook -n web -f mine.yaml
ok $? "helm template reads -f mine.yaml from the current directory"
HELM_OUT=$OUT
run gitops-render --engine exec --helm "$HELM" --release-name web -n web -f mine.yaml guestbook -o yaml
is "$(grep -c 'replicas: 7' <<<"$OUT")" "$(grep -c 'replicas: 7' <<<"$HELM_OUT")" "as helm template renders it"

# ---- from --repo: the repository's files, relative to the chart, never outside it ----
REPO=$TMP/repo
mkdir -p "$REPO/apps" && cp -r "$TOP/tests/fixtures/render-helm/guestbook" "$REPO/apps/guestbook"
printf 'replicaCount: 5\n' >"$REPO/shared-values.yaml"
git -C "$REPO" init -q && git -C "$REPO" add -A && git -C "$REPO" -c user.email=t@example.com -c user.name=t commit -qm init
for engine in native exec; do
	R=(--engine "$engine" --helm "$HELM" -n web --repo "$REPO" --path apps/guestbook --no-cache)
	run gitops-render "${R[@]}" -f values-production.yaml
	is "$RC" 0 "$engine --repo: a chart-relative values file"
	run gitops-render "${R[@]}" -f ../../shared-values.yaml
	is "$RC $(replicas)" "0 5" "$engine --repo: a path elsewhere in the repository"
	run gitops-render "${R[@]}" -f mine.yaml
	is "$RC:$OUT" "2:" "$engine --repo: the current directory is not the repository's"
	is "$ERR" "gitops-render: --values mine.yaml: no such file in the repository at HEAD: tried apps/guestbook/mine.yaml (the chart)" \
		"$engine --repo: the error names the place tried"
	run gitops-render "${R[@]}" -f ../../../outside.yaml
	is "$RC:$OUT" "2:" "$engine --repo: a path that leaves the repository: exit 2"
	like "$ERR" "'../../../outside.yaml' leads outside the repository" "$engine --repo: and says so"
	run gitops-render "${R[@]}" --set-file config.note=../../../etc/passwd
	like "$RC:$ERR" "^2:.*leads outside the repository" "$engine --repo: --set-file too"
	run sh -c "printf 'replicaCount: 4\n' | gitops-render --engine $engine --helm '$HELM' -n web --repo '$REPO' --path apps/guestbook -f -"
	is "$RC $(replicas)" "0 4" "$engine --repo: --values - reads standard input"
done
# The render cache keys standard input's content, not its temp file's name
run sh -c "printf 'replicaCount: 4\n' | gitops-render -n web --repo '$REPO' --path apps/guestbook -f -"
run sh -c "printf 'replicaCount: 3\n' | gitops-render -n web --repo '$REPO' --path apps/guestbook -f -"
is "$RC $(replicas)" "0 3" "--repo with the cache: other standard input, another render"

done_testing
