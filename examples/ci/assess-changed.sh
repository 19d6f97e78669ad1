#!/bin/sh
# Assess the community profiles changed on a branch and write a pull-request comment in Markdown.
#
#   examples/ci/assess-changed.sh [BASE]          (run from the root of a repository of profiles)
#
# Needs only POSIX sh, git and the installed `assess` command. BASE is the commit or branch the
# change is compared with (default: $ASSESS_BASE, else origin/main); profiles are the .yaml/.yml
# files under $ASSESS_PROFILES (default: profiles) added, copied, modified or renamed since the
# merge base. They are assessed in one batch call of `assess` (worker processes, the packs
# compiled once per worker), which writes each profile's Markdown report; the comment is those
# reports, then what `assess` said about the profiles that failed. Settings, all optional:
#
#   ASSESS_COMMENT      the Markdown file to write (default: assess-comment.md)
#   ASSESS_LANG         zh (default) or en
#   ASSESS_FAIL_UNDER   a total below this fails the job (assess --fail-under)
#   ASSESS_ARGS         more options for assess, e.g. "--pack rules/community --fail-on-veto --jobs 2"
#
# Exit status, that of the batch (the most severe wins): 0 every changed profile was assessed (and
# none fell below the threshold); 1 a profile fell below --fail-under (or a veto applied with
# --fail-on-veto); 2 a profile could not be assessed (invalid profile or pack: the comment shows
# why, file:line:col); 3 a profile crashed or hung the engine, or the job itself went wrong (no
# git repository, unknown BASE, assess not installed).
#
# Posting the comment is up to the CI platform, e.g. on GitHub (see github-actions.yml beside
# this script):  gh pr comment "$PR_NUMBER" --edit-last --body-file assess-comment.md
# The comment starts with the marker <!-- community-assess --> so a bot can find and update it.

set -u

base=${1:-${ASSESS_BASE:-origin/main}}
dir=${ASSESS_PROFILES:-profiles}
out=${ASSESS_COMMENT:-assess-comment.md}
lang=${ASSESS_LANG:-zh}
work="$out.parts.$$"

if ! command -v assess >/dev/null 2>&1; then
  echo "assess-changed: the 'assess' command is not installed (pip install community-assess)" >&2
  exit 3
fi
if ! git rev-parse --verify --quiet "$base^{commit}" >/dev/null; then
  echo "assess-changed: unknown base '$base' (fetch it first, e.g. git fetch origin main)" >&2
  exit 3
fi

# Non-ASCII file names (Chinese names are common) stay readable: no quoting by git.
changed=$(git -c core.quotePath=false diff --name-only --diff-filter=ACMR "$base"...HEAD -- "$dir" |
  grep -E '\.ya?ml$' | LC_ALL=C sort) || changed=""

if [ "$lang" = en ]; then
  title="Assessment of the changed profiles"
  none="No profile changed."
  heading_1="Profiles below the threshold"
  heading_2="Profiles that could not be assessed"
  heading_3="The assessment went wrong"
  heading_0="Messages"
else
  title="变更档案的考核评估"
  none="没有变更的档案。"
  heading_1="低于要求的档案"
  heading_2="无法评估的档案"
  heading_3="评估出错"
  heading_0="提示"
fi

mkdir "$work" || exit 3
trap 'rm -rf "$work"' EXIT HUP INT TERM

{
  echo "<!-- community-assess -->"
  echo "## $title"
  echo
} > "$work/comment"

status=0
if [ -z "$changed" ]; then
  echo "$none" >> "$work/comment"
else
  # the changed files become the arguments, one per line of $changed (no globbing of their names)
  set -f
  old_ifs=$IFS
  IFS='
'
  # shellcheck disable=SC2086
  set -- $changed
  IFS=$old_ifs
  set +f
  # one batch: every profile's Markdown report in $work/reports, the ranked summary in $work/summary
  set -- "$@" --lang "$lang" --format markdown --output-dir "$work/reports" --output "$work/summary"
  if [ -n "${ASSESS_FAIL_UNDER:-}" ]; then
    set -- "$@" --fail-under "$ASSESS_FAIL_UNDER"
  fi
  # ASSESS_ARGS is split into words on purpose (several options)
  # shellcheck disable=SC2086
  assess "$@" ${ASSESS_ARGS:-} 2> "$work/errors"
  status=$?
  for report in "$work/reports"/*.md; do
    [ -f "$report" ] || continue
    cat "$report" >> "$work/comment"
    echo >> "$work/comment"
  done
  if [ -s "$work/errors" ]; then
    case $status in
      0) heading=$heading_0 ;;
      1) heading=$heading_1 ;;
      2) heading=$heading_2 ;;
      *) heading=$heading_3 ;;
    esac
    {
      printf '### %s\n\n' "$heading"
      echo '```text'
      cat "$work/errors"
      echo '```'
    } >> "$work/comment"
    cat "$work/errors" >&2
  fi
  [ -f "$work/summary" ] && cat "$work/summary" >&2
fi

mv "$work/comment" "$out" || exit 3
echo "assess-changed: wrote $out" >&2
exit "$status"
