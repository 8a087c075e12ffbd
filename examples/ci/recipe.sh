#!/bin/sh
# meshc in any CI system: the commands a pipeline runs on a pull request and on merge. The GitHub
# Actions workflow next to this file runs the same two steps; a test runs them on a temporary repo.
#
#   recipe.sh pr      validate the change, then write the plan: $MESHC_OUT/plan.md (a PR comment,
#                     shortened to fit one) and $MESHC_OUT/plan.json (the whole plan). Exit 1 when
#                     the spec has errors (or, with MESHC_FAIL_ON_RISK=1, when a risk is flagged).
#                     The plan is written either way: for a head that does not validate it says so,
#                     with the errors, and replaces the comment about an earlier head. When meshc
#                     cannot plan at all (exit 2: e.g. the base ref was not fetched), no plan.md is
#                     left, so no empty comment is posted, and the job fails.
#   recipe.sh merge   validate, compile the signed bundle store from HEAD, then publish it.
#
# Environment (all optional except MESHC_SIGNING_KEY for merge):
#   MESHC                  the meshc command (default: meshc; e.g. "npx meshc")
#   MESHC_SPEC             spec directory inside the repository (default: .)
#   MESHC_BASE             the ref a pull request merges into (default: origin/main; fetch it first)
#   MESHC_VALIDATE_FORMAT  text (default), github (workflow annotations), json or sarif
#   MESHC_OUT              where `pr` writes the plan (default: meshc-plan)
#   MESHC_FAIL_ON_RISK     1: fail `pr` when the plan raises a risk flag
#   MESHC_STORE            the bundle store `merge` writes (default: meshc-store). Restore the
#                          published store here first, so unchanged services keep their versions.
#   MESHC_SIGNING_KEY      the Ed25519 private key from `meshc keys init`, as a file path or the
#                          PEM text itself (e.g. a CI secret); `meshc compile` reads it (merge)
#   MESHC_PUBLISH          command run with the store directory as its last argument: a script
#                          that uploads it in the order of docs/operations.md ("S3 or a CDN"):
#                          bundles, then manifests, then index.json, never one `aws s3 sync`
set -eu

MESHC=${MESHC:-meshc}
SPEC=${MESHC_SPEC:-.}
BASE=${MESHC_BASE:-origin/main}
FORMAT=${MESHC_VALIDATE_FORMAT:-text}
OUT=${MESHC_OUT:-meshc-plan}
STORE=${MESHC_STORE:-meshc-store}

status=0
# Runs a command; a failure is kept for the exit status, not an end to the job.
keep_going() {
  "$@" || {
    failed=$?
    if [ "$status" = 0 ]; then status=$failed; fi
  }
}

pr() {
  # Not stopping here: a head that does not validate still needs its plan (which says so), or the
  # pull request keeps the comment about its previous head, which a reviewer could approve by.
  # shellcheck disable=SC2086 # MESHC is a command with its arguments (e.g. "npx meshc")
  keep_going $MESHC validate "$SPEC" --format "$FORMAT"
  mkdir -p "$OUT"
  fail_on=''
  if [ "${MESHC_FAIL_ON_RISK:-0}" = 1 ]; then fail_on='--fail-on risk'; fi
  # shellcheck disable=SC2086 # MESHC, and fail_on, two words or none
  $MESHC plan --base "$BASE" "$SPEC" --format markdown $fail_on >"$OUT/plan.md" || planned=$?
  # Exit 2: nothing could be planned (the base ref not fetched, a bad option); the reason is in the
  # log. An empty plan.md would be posted as an empty comment: none is left to post.
  if [ "${planned:-0}" -ge 2 ]; then rm -f "$OUT/plan.md"; fi
  if [ "${planned:-0}" != 0 ] && [ "$status" = 0 ]; then status=$planned; fi
  # shellcheck disable=SC2086
  keep_going $MESHC plan --base "$BASE" "$SPEC" --format json $fail_on >"$OUT/plan.json"
  exit "$status"
}

merge() {
  if [ -z "${MESHC_SIGNING_KEY:-}" ]; then
    echo 'recipe.sh merge: set MESHC_SIGNING_KEY to the bundle-signing key (file or PEM)' >&2
    exit 2
  fi
  $MESHC validate "$SPEC" --format "$FORMAT"
  $MESHC compile "$SPEC" --ref HEAD --out "$STORE"
  if [ -n "${MESHC_PUBLISH:-}" ]; then
    # shellcheck disable=SC2086 # MESHC_PUBLISH is a command with its arguments
    $MESHC_PUBLISH "$STORE"
  fi
}

case "${1:-}" in
  pr) pr ;;
  merge) merge ;;
  *)
    echo 'usage: recipe.sh pr|merge' >&2
    exit 2
    ;;
esac
