#!/usr/bin/env bash
# GitHub Classroom, from the course's private grading repository (.github/workflows/classroom.yml).
#   fetch   each student's repository (CLASSROOM_ORG, named CLASSROOM_PREFIX-<student>) at its
#           latest commit: its notebooks (regular files only, never links) into
#           submitted/<student>/<assignment>/, the commit into .classroom/shas/<student>
#   report  each graded student's verdicts (results/classroom/<student>.md) as a comment on the
#           commit that was graded
# gh (GitHub's CLI) does the talking, with GH_TOKEN: a token of the grading repository's own,
# never given to the students' repositories.
set -euo pipefail
cd "$(dirname "$0")/.."
assignment=${ASSIGNMENT:-cv_exam}
: "${CLASSROOM_ORG:?set CLASSROOM_ORG, the organisation of the students repositories}"
: "${CLASSROOM_PREFIX:?set CLASSROOM_PREFIX, the assignment prefix of their names}"

fetch() {
    mkdir -p .classroom/checkouts .classroom/shas
    local repo student checkout target sha count=0
    while read -r repo; do
        case "$repo" in "$CLASSROOM_PREFIX"-*) ;; *) continue ;; esac
        student=${repo#"$CLASSROOM_PREFIX"-}
        if ! [[ "$student" =~ ^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$ ]]; then
            echo "classroom: skipped $repo: '$student' is not a student id" >&2
            continue
        fi
        checkout=.classroom/checkouts/$student
        rm -rf "$checkout"
        gh repo clone "$CLASSROOM_ORG/$repo" "$checkout" -- --quiet --depth 1
        sha=$(git -C "$checkout" rev-parse HEAD)
        target=submitted/$student/$assignment
        rm -rf "$target"
        mkdir -p "$target"
        find "$checkout" -maxdepth 1 -type f -name '*.ipynb' -size -100M -exec cp -- {} "$target/" \;
        echo "$sha" >".classroom/shas/$student"
        echo "classroom: fetched $repo at ${sha:0:7} ($(find "$target" -name '*.ipynb' | wc -l) notebook(s))"
        count=$((count + 1))
    done < <(gh repo list "$CLASSROOM_ORG" --limit 5000 --json name --jq '.[].name')
    echo "classroom: $count repositories fetched"
}

report() {
    local file student sha
    for file in results/classroom/*.md; do
        [ -e "$file" ] || continue
        student=$(basename "$file" .md)
        sha=$(cat ".classroom/shas/$student" 2>/dev/null) || continue
        gh api --method POST "repos/$CLASSROOM_ORG/$CLASSROOM_PREFIX-$student/commits/$sha/comments" \
            -F "body=@$file" >/dev/null
        echo "classroom: verdicts of $student commented on ${sha:0:7}"
    done
}

case "${1:-}" in
fetch) fetch ;;
report) report ;;
*)
    echo "usage: $0 fetch|report" >&2
    exit 2
    ;;
esac
