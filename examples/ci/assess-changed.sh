#!/bin/sh
# Assess the community profiles changed on a branch and write a pull-request comment in Markdown.
#
#   examples/ci/assess-changed.sh [BASE]          (run from the root of a repository of profiles)
#
# Needs only POSIX sh, git and the installed `assess` command. BASE is the commit or branch the
# change is compared with (default: $ASSESS_BASE, else origin/main); profiles are the .yaml/.yml
# files under $ASSESS_PROFILES (default: profiles) added, copied, modified or renamed since the
# merge base. Settings, all optional:
#
#   ASSESS_COMMENT      the Markdown file to write (default: assess-comment.md)
#   ASSESS_LANG         zh (default) or en
#   ASSESS_FAIL_UNDER   a total below this fails the job (assess --fail-under)
#   ASSESS_ARGS         more options for assess, e.g. "--pack rules/community --fail-on-veto"
#
# Exit status: 0 every changed profile was assessed (and none fell below the threshold);
# 1 a profile fell below --fail-under (or a veto applied with --fail-on-veto);
# 2 a profile could not be assessed (invalid profile or pack: the comment shows why);
# 3 the job itself went wrong (no git repository, unknown BASE, assess not installed).
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
  failed_word="could not be assessed"
  below_word="below the threshold"
else
  title="变更档案的考核评估"
  none="没有变更的档案。"
  failed_word="无法评估"
  below_word="低于要求分数"
fi

status=0
mkdir "$work" || exit 3
trap 'rm -rf "$work"' EXIT HUP INT TERM

{
  echo "<!-- community-assess -->"
  echo "## $title"
  echo
} > "$work/comment"

if [ -z "$changed" ]; then
  echo "$none" >> "$work/comment"
else
  old_ifs=$IFS
  IFS='
'
  for profile in $changed; do
    IFS=$old_ifs
    set -- "$profile" --format markdown --lang "$lang" --output "$work/report.md"
    if [ -n "${ASSESS_FAIL_UNDER:-}" ]; then
      set -- "$@" --fail-under "$ASSESS_FAIL_UNDER"
    fi
    # ASSESS_ARGS is split into words on purpose (several options)
    # shellcheck disable=SC2086
    assess "$@" ${ASSESS_ARGS:-} 2> "$work/errors"
    code=$?
    case $code in
      0|1)
        cat "$work/report.md" >> "$work/comment"
        if [ "$code" -eq 1 ]; then
          printf '\n**%s** `%s`\n' "$below_word" "$profile" >> "$work/comment"
          [ "$status" -lt 1 ] && status=1
        fi
        ;;
      *)
        {
          printf '### `%s` %s\n\n' "$profile" "$failed_word"
          echo '```text'
          cat "$work/errors"
          echo '```'
        } >> "$work/comment"
        if [ "$code" -eq 2 ]; then
          [ "$status" -lt 2 ] && status=2
        else
          status=3
        fi
        ;;
    esac
    cat "$work/errors" >&2
    rm -f "$work/report.md"
    echo >> "$work/comment"
  done
  IFS=$old_ifs
fi

mv "$work/comment" "$out" || exit 3
echo "assess-changed: wrote $out" >&2
exit "$status"
