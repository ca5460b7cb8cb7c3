#!/usr/bin/env bash
# gitops-history and gitops-rollback against a real smart-HTTP git server, checked with the git CLI.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/servers/git.sh"

FIX=$TOP/tests/fixtures/set-image/repo
VALUES=charts/my-app/values.yaml
export XDG_CACHE_HOME=$TMP/cache
unset GITOPS_GIT_TOKEN SYSTEM_ACCESSTOKEN GITOPS_GIT_USERNAME GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL

git_server_start
git_cli_env
URL=$(git_repo_create manifests --from "$FIX")
ROOT=$GIT_SERVER_ROOT
export GITOPS_GIT_TOKEN=$GIT_SERVER_PASSWORD
G() { git --git-dir="$ROOT/manifests.git" "$@"; }
bump() { gitops-set-image --repo "$URL" --file "$VALUES" --set "image.tag=$1" -o json >/dev/null; }

# Three deploys, and a change elsewhere.
bump 1.2.4 && bump 1.2.5 && bump 1.2.6 &&
	gitops-set-image --repo "$URL" --file overlays/prod/kustomization.yaml \
		--image myregistry.azurecr.io/my-app=myregistry.azurecr.io/my-app:9.9.9 -o json >/dev/null
ok $? "three deploys and an overlay change are pushed"

# ---- history ----
run gitops-history --repo "$URL" --file "$VALUES" --key image.tag --key replicaCount -o json
is "$RC" 0 "history exits 0"
is "$(jq -r .commit <<<"$OUT" | tr '\n' ' ')" "$(G log --format=%H main -- "$VALUES" | tr '\n' ' ')" \
	"one Revision per commit that changed the file, newest first, as git log says"
is "$(jq -r '.values["image.tag"]' <<<"$OUT" | tr '\n' ' ')" "1.2.6 1.2.5 1.2.4 1.2.3 " "the value at each commit"
is "$(jq -r '.previous["image.tag"] // "none"' <<<"$OUT" | tr '\n' ' ')" "1.2.5 1.2.4 1.2.3 none " "and the value before it"
is "$(jq -r '.values.replicaCount' <<<"$OUT" | sort -u)" 2 "numbers stay numbers"
is "$(jq -r 'select(.commit == "'"$(G rev-parse main~1)"'") | .message' <<<"$OUT")" \
	"Update $VALUES: image.tag 1.2.5 -> 1.2.6" "subject of each commit"
is "$(jq -r '.author' <<<"$OUT" | head -1)" "gitops-set-image <gitops-tools@users.noreply.invalid>" "author"
is "$(jq -r '.time' <<<"$OUT" | head -1)" "$(TZ=UTC G log -1 --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ main~1)" "committer time in UTC"
run gitops-history --repo "$URL" --path charts -n 2 -o json
is "$(jq -r .commit <<<"$OUT" | tr '\n' ' ')" "$(G log -2 --format=%H main -- charts | tr '\n' ' ')" "-n 2 with --path"
run gitops-history --repo "$URL" -o json
is "$(jq -s length <<<"$OUT")" "$(G rev-list --count main)" "without --path: every commit"
run gitops-history --repo "$URL" --file "$VALUES" --key image.tag -o text
like "$OUT" $'^DATE +COMMIT +AUTHOR +image.tag +MESSAGE\n' "-o text: a table with a header"
like "$OUT" "$(G rev-parse --short=7 main~1) +gitops-set-image +1.2.6 +Update" "-o text: one row per revision"
git clone -q "$URL" "$TMP/work"
(cd "$TMP/work" && gitops-history --path overlays -o json) >"$TMP/local.out"
is "$(jq -r .commit "$TMP/local.out" | tr '\n' ' ')" "$(G log --format=%H main -- overlays | tr '\n' ' ')" \
	"inside a clone, without --repo, the local repository is read"
run gitops-history --repo "$URL" --key image.tag
is "$RC" 2 "--key without --file is a usage error"
run gitops-history --repo "$URL" --file "$VALUES" --key 'a[' -o json
is "$RC" 2 "a malformed key is a usage error"
run gitops-history --repo "$URL" --branch nope -o json
is "$RC" 2 "an unknown branch"

# The path walk against git log --first-parent on a local history with every kind of change:
# added, edited, deleted, re-added, a directory turned into a file and back, a merge, a file in
# an unchanged directory of a changed parent.
P=$TMP/paths
git init -q -b main "$P" && (
	cd "$P" && c() { git add -A && git commit -q -m "$1"; }
	mkdir -p a/b d && echo 1 >a/b/f && echo x >d/g && c add
	echo 2 >a/b/f && c edit
	echo y >d/g && c other
	git rm -q a/b/f && c delete
	mkdir -p a/b && echo 3 >a/b/f && c re-add
	rm -r a/b && echo file >a/b && c dir-to-file
	rm a/b && mkdir a/b && echo 4 >a/b/f && c file-to-dir
	git checkout -q -b side && echo 5 >a/b/f && c side && echo z >d/h && c side2
	git checkout -q main && echo w >d/g && c main-other && git merge -q --no-edit side
) && P_OK=0 || P_OK=1
ok "$P_OK" "a local history of path changes is made with git"
for p in a/b/f a/b a d d/g d/h a/b/f/x ""; do
	got=$(cd "$P" && gitops-history ${p:+--path "$p"} -o json | jq -r .commit | tr '\n' ' ')
	is "$got" "$(git -C "$P" log --first-parent --format=%H -- $p | tr '\n' ' ')" \
		"history --path '$p' lists the commits git log --first-parent does"
done

# A remote whose HEAD names a branch that does not exist (HEAD -> master, only main): git clone
# checks nothing out and guesses no branch; so do we, and say so instead of exiting silently.
DANGLING=$(git_repo_create dangling --from "$FIX")
git --git-dir="$ROOT/dangling.git" symbolic-ref HEAD refs/heads/master
dangling_tip=$(git --git-dir="$ROOT/dangling.git" rev-parse main)
run gitops-history --repo "$DANGLING" -o json
is "$RC" 2 "history, remote HEAD names a missing branch: exit 2"
like "$ERR" "dangling.git: cannot tell the default branch: HEAD names no branch that exists \\(branches: main\\); pass --branch" \
	"and it says what, where and why"
run gitops-history --repo "$DANGLING" --branch main -o json
is "$RC" 0 "with --branch it reads the branch"
run gitops-history --repo "$ROOT/dangling.git" -o json
like "$ERR" "HEAD names branch master, which does not exist \\(branches: main\\); pass --branch" \
	"a repo given as a path: the missing branch is named"
run gitops-rollback --repo "$DANGLING" --path charts/my-app -o json
is "$RC$(grep -c 'pass --branch' <<<"$ERR")" 21 "rollback says the same, exit 2"
run gitops-set-image --repo "$DANGLING" --file "$VALUES" --set image.tag=9.9.9 -o json
is "$RC$(grep -c 'pass --branch' <<<"$ERR")" 21 "set-image says the same, exit 2"
is "$(git --git-dir="$ROOT/dangling.git" rev-parse main)" "$dangling_tip" "and nothing was pushed"

# ---- rollback: revert the last deploy of the path ----
before=$(G rev-parse main)
run gitops-rollback --repo "$URL" --path charts/my-app --reason "error rate up after 1.2.6" -o json
is "$RC" 0 "rollback exits 0"
is "$(jq -r '.status + " " + .reverted' <<<"$OUT")" "pushed $(G rev-parse main~2)" \
	"it reverted the newest commit that changed the path (not the overlay change after it)"
is "$(G show main:$VALUES)" "$(G show main~3:$VALUES)" "the values file is byte for byte what it was before 1.2.6"
is "$(G log -1 --format=%B main)" "$(printf 'Revert "Update %s: image.tag 1.2.5 -> 1.2.6"\n\nThis reverts commit %s.\n\nReason: error rate up after 1.2.6\nGitops-Reverted: %s\nGitops-Live: %s' "$VALUES" "$(G rev-parse main~2)" "$(G rev-parse main~2)" "$(G rev-parse main~3)")" \
	"git revert's message, the reason, and trailers naming what was undone and the deploy now live"
is "$(G rev-parse main^)" "$before" "on top of the old tip"
hold=$(G show main:charts/my-app/.gitops-hold)
like "$hold" 'reason: error rate up after 1.2.6' "the hold says why"
like "$hold" "reverted: $(G rev-parse main~2)" "and what was reverted"
is "$(G diff --name-only main^ main | sort | tr '\n' ' ')" "charts/my-app/.gitops-hold $VALUES " "one commit: the revert and the hold"
# Who rolled back: the person's git identity (git_cli_env's user.name), not a bot; the tool commits it.
is "$(G log -1 --format='%an <%ae>|%cn <%ce>' main)" \
	"Test User <test@example.invalid>|gitops-rollback <gitops-tools@users.noreply.invalid>" \
	"the author is the person's git identity, the committer the tool"
like "$hold" 'author: Test User <test@example.invalid>' "the hold names the person too"
is "$(jq -r .author <<<"$OUT")" "Test User <test@example.invalid>" "and so does the Commit record"
is "$(jq -r '.changes[] | .path + " " + (.old // "none") + " " + (.new // "none")' <<<"$OUT")" \
	"$(printf 'charts/my-app/.gitops-hold none %s\n%s %s %s' "$(G rev-parse main:charts/my-app/.gitops-hold)" "$VALUES" \
		"$(G rev-parse main^:$VALUES)" "$(G rev-parse main:$VALUES)")" \
	"the Commit record lists the files the commit changed, with their blobs before and after"
run gitops-history --repo "$URL" --path charts/my-app -n 1 -o json
is "$(jq -r .author <<<"$OUT")" "Test User <test@example.invalid>" "gitops-history says who rolled back"
is "$(G show main:overlays/prod/kustomization.yaml)" "$(G show "$before":overlays/prod/kustomization.yaml)" "other paths untouched"

# ---- the hold sticks ----
run gitops-set-image --repo "$URL" --file "$VALUES" --set image.tag=1.2.7 -o json
is "$RC" 1 "the next CI bump is refused while held"
like "$ERR" 'held by Test User <test@example.invalid> since [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z: error rate up after 1.2.6 \(charts/my-app/.gitops-hold\)' \
	"and says by whom, since when and why"
run gitops-set-image --repo "$URL" --file "$VALUES" --set image.tag=1.2.7 --if-held skip -o json
is "$RC:$(jq -r '.status + " " + .heldBy.author + " " + .heldBy.reverted' <<<"$OUT")" \
	"0:held Test User <test@example.invalid> $(G rev-parse main~2)" "--if-held skip: exit 0, the record names the hold"
run gitops-set-image --repo "$URL" --file "$VALUES" --set image.tag=1.2.7 --override-hold -o json
is "$RC" 0 "--override-hold lets it through"
like "$(G show main:$VALUES)" 'tag: "1.2.7"' "landed"
run gitops-rollback --repo "$URL" --path charts/my-app --no-hold -o json
is "$RC" 0 "a second rollback, --no-hold"
is "$(G show main:$VALUES)" "$(G show main~2:$VALUES)" "reverted 1.2.7 (the rollback skipped nothing but hold-only commits)"
is "$(G diff --name-only main^ main)" "$VALUES" "--no-hold writes no hold"

export GIT_AUTHOR_NAME="Rel Easer" GIT_AUTHOR_EMAIL=rel@example.com
run gitops-rollback --repo "$URL" --path charts/my-app --release -o json
unset GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL
is "$RC" 0 "--release"
is "$(jq -r '.released' <<<"$OUT")" true "record says released"
is "$(G log -1 --format='%an <%ae>|%cn' main)" "Rel Easer <rel@example.com>|gitops-rollback" \
	"the release is by GIT_AUTHOR_NAME/EMAIL, which git puts before user.name; committed by the tool"
G cat-file -e main:charts/my-app/.gitops-hold 2>/dev/null
ok $((! $?)) "the hold file is gone"
is "$(G log -1 --format=%s main)" "Release the hold on charts/my-app" "in its own commit"
run gitops-rollback --repo "$URL" --path charts/my-app --release -o json
is "$RC:$(jq -r .status <<<"$OUT")" "0:unchanged" "releasing again is a no-op"
# The release only removed the hold: it is no deploy. After two rollbacks (of 1.2.6, of 1.2.7) 1.2.5
# is live, and the next rollback goes back one more: it reverts the deploy of 1.2.5.
run gitops-rollback --repo "$URL" --path charts/my-app --dry-run -o json
is "$RC:$(jq -r .reverted <<<"$OUT")" "0:$(G log --format=%H -F --grep='image.tag 1.2.4 -> 1.2.5' main)" \
	"the next rollback would revert the deploy that is live (1.2.5), not the commit that lifted the hold"
run gitops-set-image --repo "$URL" --file "$VALUES" --set image.tag=1.2.8 -o json
is "$RC" 0 "after release, CI bumps again"

# ---- --commit and --to ----
c124=$(G log --format=%H --grep='1.2.3 -> 1.2.4' main)
run gitops-rollback --repo "$URL" --path charts/my-app --commit "$c124" -o json
is "$RC" 1 "reverting an old bump that later bumps rewrote conflicts (exit 1)"
like "$ERR" "conflicts with later changes in: $VALUES" "naming the file"
is "$(G rev-parse main)" "$(G rev-parse main)" "nothing pushed"
before=$(G rev-parse main)
run gitops-rollback --repo "$URL" --path charts/my-app --to "$c124" --no-hold -o json
is "$RC" 0 "--to SHA"
is "$(G show main:$VALUES)" "$(G show "$c124":$VALUES)" "the path is what it was at SHA"
is "$(G diff --name-only "$before" main)" "$VALUES" "only the path changed"
like "$(G log -1 --format=%s main)" "^Roll back charts/my-app to ${c124:0:12}" "message says where it went"
short=$(G rev-parse --short=8 main~1)
run gitops-rollback --repo "$URL" --path charts/my-app --to "$short" --no-hold --dry-run -o json
is "$RC:$(jq -r '.status + " " + (.pushed|tostring)' <<<"$OUT")" "0:dry-run false" "--dry-run with a short SHA"
is "$(G rev-parse main)" "$(G rev-parse main)" "dry run pushes nothing"
run gitops-rollback --repo "$URL" --commit "$c124" --to "$c124"
is "$RC" 2 "--commit and --to together"
run gitops-rollback --repo "$URL" --commit nope
is "$RC" 2 "an unknown commit"
run gitops-rollback --repo "$URL" --path no/such/dir -o json
is "$RC" 2 "a path no commit changed"

# ---- a merge: the last deploy is the newest first-parent commit that changed the path ----
# A side branch scaled to 5 replicas; main took the same change as a cherry-pick; then the branch
# was merged (--no-ff: the merge changes nothing against main). The deploy on main is the
# cherry-pick: the rollback reverts it, not the side branch's commit behind the merge.
merge_url=$(git_repo_create merges --from "$FIX")
M=$TMP/merges
at() { GIT_AUTHOR_DATE="2026-01-01T10:0$1:00Z" GIT_COMMITTER_DATE="2026-01-01T10:0$1:00Z" "${@:2}"; }
git clone -q "$merge_url" "$M" && (
	cd "$M" &&
	sed -i 's/^  tag: "1.2.3"/  tag: "1.2.4"/' "$VALUES" && at 1 git commit -qam "Deploy 1.2.4" &&
	git checkout -q -b scale && sed -i 's/^replicaCount: .*/replicaCount: 5/' "$VALUES" && at 2 git commit -qam "Scale to 5" &&
	git checkout -q main && at 3 git cherry-pick scale >/dev/null && at 4 git merge -q --no-ff --no-edit scale &&
	git push -q origin main
) && M_OK=0 || M_OK=1
ok "$M_OK" "a history with a cherry-pick and a merged side branch is pushed"
is "$(git -C "$M" diff --stat main^1 main -- "$VALUES")" "" "the merge changes nothing in the file against main"
run gitops-rollback --repo "$merge_url" --path charts/my-app --dry-run -o json
is "$RC:$(jq -r .reverted <<<"$OUT")" "0:$(git -C "$M" rev-parse main^1)" \
	"rollback after a merge reverts main's deploy (the cherry-pick), not the merged branch's commit"

# ---- inside a clone: origin is the remote ----
git -C "$TMP/work" config user.name "Clone Owner" && git -C "$TMP/work" config user.email owner@example.com
(cd "$TMP/work" && git pull -q && gitops-rollback --path charts/my-app --no-hold -o json) >"$TMP/clone.out" 2>"$TMP/clone.err"
is "$?:$(jq -r .status "$TMP/clone.out")" "0:pushed" "without --repo, origin of the repository here"
is "$(G log -1 --format='%an <%ae>' main)" "Clone Owner <owner@example.com>" "by the identity of the repository here, as git commit would be"

# ---- who, when git names nobody: the CI's person, else the tool ----
WHO_URL=$(git_repo_create who --from "$FIX")
gitops-set-image --repo "$WHO_URL" --file "$VALUES" --set image.tag=2.0.0 -o json >/dev/null
ok $? "a deploy to roll back"
: >"$TMP/empty.gitconfig"
who() { # [VAR=VALUE...] [-- ROLLBACK-OPTIONS...]: the author of a dry-run rollback with no git identity, outside any repository
	local vars=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do vars+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	(cd "$TMP" && env GIT_CONFIG_GLOBAL="$TMP/empty.gitconfig" GIT_CONFIG_NOSYSTEM=1 "${vars[@]}" \
		gitops-rollback --repo "$WHO_URL" --path charts/my-app --dry-run "$@" -o json | jq -r .author)
}
is "$(who)" "gitops-rollback <gitops-tools@users.noreply.invalid>" "no identity anywhere: the tool"
is "$(who BUILD_REQUESTEDFOR="Ann Example" BUILD_REQUESTEDFOREMAIL=ann@example.com)" "Ann Example <ann@example.com>" \
	"Azure Pipelines: the person the build runs for"
is "$(who BUILD_REQUESTEDFOR="Microsoft.VisualStudio.Services.TFS" BUILD_REQUESTEDFOREMAIL=)" \
	"gitops-rollback <gitops-tools@users.noreply.invalid>" "a scheduled build's service identity (no email) is nobody"
is "$(who GITHUB_ACTOR=octocat GITHUB_ACTOR_ID=583231)" "octocat <583231+octocat@users.noreply.github.com>" \
	"GitHub Actions: the actor at its noreply address"
is "$(who GITHUB_ACTOR=octocat GIT_AUTHOR_NAME="Oct O. Cat")" "Oct O. Cat <gitops-tools@users.noreply.invalid>" \
	"the person's own git name comes before the CI's"
printf '[user]\n\tname = Global Person\n\temail = global@example.com\n' >"$TMP/person.gitconfig"
is "$(who GIT_CONFIG_GLOBAL="$TMP/person.gitconfig" BUILD_REQUESTEDFOR=Ann BUILD_REQUESTEDFOREMAIL=ann@example.com)" \
	"Global Person <global@example.com>" "GIT_CONFIG_GLOBAL's user.name, before the CI's"
is "$(who GITHUB_ACTOR=octocat -- --author "Named Here <here@example.com>")" "Named Here <here@example.com>" \
	"--author before all of them"
is "$(git --git-dir="$ROOT/who.git" log -1 --format=%s main)" "Update $VALUES: image.tag 1.2.3 -> 2.0.0" "dry runs, nothing pushed"

# ---- a rollback racing with CI: nothing lost ----
race_url=$(git_repo_create race --from "$FIX")
git clone -q "$race_url" "$TMP/race" && for i in $(seq -w 1 8); do echo "key$i: old"; done >>"$TMP/race/$VALUES" &&
	git -C "$TMP/race" commit -qam "Add keys" &&
	sed -i 's/^  tag: "1.2.3"/  tag: "1.2.4"/' "$TMP/race/$VALUES" && git -C "$TMP/race" commit -qam "Deploy 1.2.4" &&
	git -C "$TMP/race" push -q origin main
deploy=$(git -C "$TMP/race" rev-parse HEAD)
pids=()
for i in $(seq -w 1 8); do
	XDG_CACHE_HOME=$TMP/c-$i gitops-set-image --repo "$race_url" --file "$VALUES" --set "key$i=new$i" \
		--max-attempts 40 --override-hold -o json >"$TMP/race-$i.out" 2>&1 &
	pids+=($!)
done
XDG_CACHE_HOME=$TMP/c-rb gitops-rollback --repo "$race_url" --path charts/my-app --commit "$deploy" --max-attempts 40 \
	-o json >"$TMP/race-rb.out" 2>"$TMP/race-rb.err" &
pids+=($!)
wait "${pids[@]}"
content=$(git --git-dir="$ROOT/race.git" show main:$VALUES)
landed=0
for i in $(seq -w 1 8); do grep -qx "key$i: new$i" <<<"$content" && landed=$((landed + 1)); done
is "$landed" 8 "every concurrent CI write landed"
like "$content" '  tag: "1.2.3"' "and the rollback of 1.2.4 landed too"
is "$(jq -r .status "$TMP/race-rb.out")" pushed "the rollback says pushed"

# ---- --path FILE: the hold sits in the file's directory ----
file_url=$(git_repo_create file-path --from "$FIX")
XDG_CACHE_HOME=$TMP/c-file gitops-set-image --repo "$file_url" --file "$VALUES" --set image.tag=2.0.0 -o json >/dev/null
ok $? "file-path repo: a deploy of $VALUES"
FG() { git --git-dir="$ROOT/file-path.git" "$@"; }
XDG_CACHE_HOME=$TMP/c-file run gitops-rollback --repo "$file_url" --path "$VALUES" --reason "bad 2.0.0" -o json
is "$RC" 0 "rollback --path FILE (the help says 'directory or file'): exit 0 ($ERR)"
is "$(jq -r .status <<<"$OUT")" pushed "rollback --path FILE: pushed"
like "$(FG show main:$VALUES)" '  tag: "1.2.3"' "rollback --path FILE: the file is what it was before the deploy"
FG cat-file -e main:charts/my-app/.gitops-hold
ok $? "rollback --path FILE: the hold is in the file's directory"
XDG_CACHE_HOME=$TMP/c-file run gitops-set-image --repo "$file_url" --file "$VALUES" --set image.tag=2.0.1 -o json
is "$RC" 1 "set-image on the held file is refused"
XDG_CACHE_HOME=$TMP/c-file run gitops-rollback --repo "$file_url" --path "$VALUES" --release -o json
is "$RC:$(jq -r .released <<<"$OUT")" 0:true "--release --path FILE lifts the hold"
! FG cat-file -e main:charts/my-app/.gitops-hold 2>/dev/null
ok $? "the hold file is gone"

# ---- secrets ----
GITOPS_GIT_TOKEN=wrong-secret-token run gitops-rollback --repo "$URL" --path charts/my-app -o json
is "$RC" 3 "a wrong token: exit 3"
unlike "$OUT$ERR" 'wrong-secret-token' "the token is not printed"
GITOPS_GIT_TOKEN=wrong-secret-token run gitops-history --repo "$URL" -o json
is "$RC" 3 "history with a wrong token: exit 3"
unlike "$OUT$ERR" 'wrong-secret-token' "the token is not printed"
grep -rl -- "$GIT_SERVER_PASSWORD" "$XDG_CACHE_HOME" "$TMP"/c-* >/dev/null 2>&1
ok $((! $?)) "the token is in no file of any cache"

done_testing
