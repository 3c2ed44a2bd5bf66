"""The instructor's commands: `python -m graders demo | grade | ci | new-question | points`.

demo   the whole run on the demo class: release, submissions, grading, feedback,
       exports and the class report, with a sqlite gradebook in this folder
grade  grade what is in submitted/ (all students, or --student ...)
ci     grade and write every result file under one folder; exit 0 when every
       submission was graded, whatever the scores; 1 when one could not be; 2 when
       there is nothing to grade
feedback  after marking by hand: feedback pages and result files again, from the gradebook
classroom-template  the students' GitHub Classroom repository: the release, no grader
new-question  scaffold a question: graders/questions/ID.py and its cells in a source notebook
points        check (or --write) each test cell's points against its question's
"""

import argparse
import os
import re
import shutil
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from graders.instructor.question_kinds import KIND_OPTIONS, KINDS

# Heavy imports (nbgrader, torch, the questions) are made where a command needs them, so that
# `--help` and argument errors answer at once.
if TYPE_CHECKING:
    from graders.autograde.registry import Registry
    from graders.instructor.course import Course
    from graders.instructor.grading import Speed
    from graders.instructor.results import SubmissionResult


def _generate(course: "Course", assignment: str) -> None:
    from graders.instructor import authoring
    from graders.instructor.course import CourseError

    mismatches = authoring.point_mismatches(course, assignment)
    if mismatches:
        listed = "\n  ".join(mismatches)
        raise CourseError(
            f"the source notebooks disagree with the questions:\n  {listed}\n"
            "the questions hold the points: run `python -m graders points --write`"
        )
    outcome = course.api().generate_assignment(assignment, force=True, create=True)
    if not outcome["success"]:
        raise CourseError(f"generate_assignment {assignment} failed:\n{outcome.get('error', '')}")


def _ensure_generated(course: "Course", assignment: str) -> None:
    """autograde needs the assignment in the gradebook: generate it if it is not there yet."""
    with course.gradebook() as gb:
        if any(a.name == assignment for a in gb.assignments):
            return
    print(f"{assignment} is not in the gradebook yet: running generate_assignment first", file=sys.stderr)
    _generate(course, assignment)


def _report(course: "Course", fresh: "list[SubmissionResult]", out: Path, assignment: str) -> list:
    """Write every result file from the whole class in the gradebook: this run's results for
    the students just graded, the gradebook's (hand marks included) for everyone else."""
    from graders.instructor import class_report, copied_work, exports, lms_export
    from graders.instructor.results import keep, whole_class

    for result in fresh:
        keep(course, result)
    results = whole_class(course, assignment, fresh, course.questions.labels())
    copies = copied_work.find(course, assignment, results)
    written = exports.write_all(course, results, out, copies)
    page = out / "report.html"
    class_report.write_html(results, page, f"{assignment}: class report", course.folder("feedback"), copies)
    print(class_report.as_text(results))
    print(f"\nfeedback: {course.folder('feedback')}/<student>/{assignment}/ (HTML and notebook)")
    print(f"results:  {out}/ (report.html, {', '.join(p.name for p in written.values())})")
    blank = [r.student for r in results if not lms_export.exportable(r)]
    if blank:
        print(
            f"LMS files: no grade yet for {', '.join(blank)} (not graded, or awaiting a grader): "
            "left blank, so the LMS keeps what it has",
            file=sys.stderr,
        )
    return results


def _honest_exit(results: "list[SubmissionResult]") -> int:
    """0 when every submission was graded; 1, with the reasons, when some could not be (their
    results say "not graded", never a 0 they did not earn)."""
    failed = [r for r in results if not r.graded]
    for result in failed:
        print(f"error: {result.student} was not graded: {result.why_zero()}", file=sys.stderr)
    if failed and len(failed) == len(results):
        print(f"error: none of the {len(results)} submission(s) could be graded", file=sys.stderr)
    elif failed:
        print(f"error: {len(failed)} of {len(results)} submission(s) could not be graded", file=sys.stderr)
    return 1 if failed else 0


def demo(course: "Course", out: Path, speed: "Speed") -> int:
    from graders.instructor import demo_class

    assignment = course.default_assignment()
    print(f"demo: releasing {assignment} and handing in the demo class, generated from the course:")
    _generate(course, assignment)
    with course.gradebook() as gb:
        gb.update_or_create_assignment(assignment, duedate=demo_class.DUE)
    submitted = course.folder("submitted")
    for scenario in demo_class.scenarios():
        shutil.rmtree(submitted / scenario.student, ignore_errors=True)
    print(demo_class.describe())
    students = demo_class.write(
        course.folder("release") / assignment, course.folder("source") / assignment, submitted, assignment
    )
    results = _grade(course, assignment, students, speed)
    _report(course, results, out, assignment)
    return _honest_exit(results)


def grade_command(
    course: "Course",
    assignment: str | None,
    students: list[str] | None,
    out: Path,
    speed: "Speed",
    archive: Path | None = None,
) -> int:
    from graders.instructor import lms_zip
    from graders.instructor.course import CourseError
    from graders.instructor.grading import students_in

    assignment = course.assignment(assignment)
    if archive is not None:
        _ensure_generated(course, assignment)  # zip_collect checks names against the release
        collected = lms_zip.collect(course, assignment, archive)
        names = ", ".join(collected.students)
        print(f"collected {len(collected.students)} student(s) from {archive.name}: {names}")
        if collected.unmatched:
            print(
                f"warning: {len(collected.unmatched)} file(s) in {archive.name} name no student and were not "
                f"graded: {', '.join(collected.unmatched)} (expected Canvas's naming, "
                "name_userid_submissionid_file.ipynb; see c.FileNameCollectorPlugin.named_regexp)",
                file=sys.stderr,
            )
        if collected.replaced:
            print(
                f"{len(collected.replaced)} file(s) of submitted/ replaced by newer ones from {archive.name} "
                f"(the old ones kept in {collected.folder}/replaced/): {', '.join(collected.replaced)}"
            )
        if collected.late:
            print(f"marked late by the LMS: {', '.join(collected.late)} (kept in each one's lms_late.txt)")
        students = students or collected.students
    students = students or students_in(course, assignment)
    if not students:
        raise CourseError(f"nothing to grade: no {course.folder('submitted')}/<student>/{assignment}/")
    _ensure_generated(course, assignment)
    results = _grade(course, assignment, students, speed)
    _report(course, results, out, assignment)
    return _honest_exit(results)


def feedback(course: "Course", assignment: str | None, students: list[str] | None, out: Path) -> int:
    """After marking by hand: the feedback pages again from the gradebook (scores and comments)
    and every result file, without grading again. Then `nbgrader release_feedback`."""
    from graders.instructor.grading import regenerate_feedback

    assignment = course.assignment(assignment)
    done = regenerate_feedback(course, assignment, students)
    print(f"feedback: {len(done)} submission(s) of {assignment} made again from the gradebook")
    results = _report(course, [], out, assignment)
    return 0 if results else 1


def ci(
    course: "Course", assignment: str | None, students: list[str] | None, out: Path, speed: "Speed"
) -> int:
    """Grade what is present; 0 when everything was graded, whatever the scores; 1 when a
    submission could not be graded or the pipeline broke; 2 when there is nothing to grade."""
    from graders.instructor import exports
    from graders.instructor.course import CourseError
    from graders.instructor.grading import students_in

    assignment = course.assignment(assignment)
    students = students or students_in(course, assignment)
    if not students:
        raise CourseError(
            f"nothing to grade: no {course.folder('submitted')}/<student>/{assignment}/ (was the work "
            "handed in under submitted/?)"
        )
    try:
        _generate(course, assignment)
        results = _report(course, _grade(course, assignment, students, speed), out, assignment)
    except CourseError:
        raise
    except Exception:
        traceback.print_exc()
        print("error: the grading pipeline itself failed (see above)", file=sys.stderr)
        return 1
    results = [r for r in results if r.student in students]
    for result in results:
        print(f"{result.student}: {exports.points_line(result) if result.graded else 'not graded'}")
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if step_summary:
        with open(step_summary, "a") as f:
            f.write(exports.markdown(results))
    return _honest_exit(results)


WORKERS_HELP = "submissions graded side by side (default: one more than the cores)"
FRESH_HELP = "start every kernel from scratch instead of forking it from the warm kernel factory"
CLUSTER_HELP = "grade on a Dask cluster: the scheduler's address (tcp://host:8786), or local"
UNSANDBOXED_HELP = "on a cluster, let workers without bubblewrap grade unsandboxed"


def _grade(
    course: "Course", assignment: str, students: list[str], speed: "Speed"
) -> "list[SubmissionResult]":
    """Grade here (a pool of processes) or on a Dask cluster, as `speed` says."""
    from graders.instructor.cluster import grade_on_cluster
    from graders.instructor.grading import grade

    if speed.cluster:
        return grade_on_cluster(
            course, assignment, students, speed.cluster, allow_unsandboxed=speed.allow_unsandboxed
        )
    return grade(course, assignment, students, speed=speed)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def new_question(course: "Course", args: argparse.Namespace) -> int:
    from graders.instructor import authoring
    from graders.instructor.course import CourseError

    assignment = course.assignment(args.assignment)
    given = {o: getattr(args, o) for o in KIND_OPTIONS.values() if getattr(args, o) not in (None, False)}
    wrong = [o for o in given if KIND_OPTIONS.get(args.kind) != o]
    if wrong:
        kind = next(k for k, o in KIND_OPTIONS.items() if o == wrong[0])
        raise CourseError(f"--{wrong[0]} is an option of --kind {kind}, not of --kind {args.kind}")
    written = authoring.new_question(
        course, assignment, args.name, args.notebook, args.title, args.kind, args.student_name, **given
    )
    print(
        f"new question {args.name} ({args.kind}): wrote {written[0]} and appended its cells to {written[1]}"
    )
    print(
        "next: replace the TODOs in both (givens, reference, probes, mistakes; the task text and solution),"
    )
    print("then `python -m graders points --write` if you changed its points, and `python -m graders demo`.")
    return 0


def points(course: "Course", assignment: str | None, write: bool) -> int:
    from graders.instructor import authoring

    assignment = course.assignment(assignment)
    if write:
        for line in authoring.write_points(course, assignment) or [
            "every test cell has its question's points"
        ]:
            print(line)
        return 0
    mismatches = authoring.point_mismatches(course, assignment)
    for line in mismatches or ["every test cell has its question's points"]:
        print(line)
    return 1 if mismatches else 0


VARIANT_SETTING = "c.InjectProbes.variant_assignments"


def _variant_exams(course_root: Path) -> list[str]:
    """The course config's variant exams (InjectProbes.variant_assignments); [] without one."""
    from traitlets.config.loader import ConfigFileNotFound, PyFileConfigLoader

    try:
        config = PyFileConfigLoader("nbgrader_config.py", path=str(course_root)).load_config()
    except ConfigFileNotFound:
        return []
    return [str(name) for name in config.InjectProbes.get("variant_assignments", [])]


def _course_questions(root: Path) -> "Registry":
    """The questions of the course in `root` (the package its config names), or the default
    package's where `root` is no course (an author's checkout)."""
    from graders.autograde.registry import registry
    from graders.instructor.course import Course

    return Course.open(root).questions if (root / "nbgrader_config.py").is_file() else registry()


def variant_exam(course_root: Path, assignment: str) -> int:
    """Write a variant exam's source notebook and turn its grading on in the course config."""
    from graders.practice import notebook
    from graders.practice.state import ASSIGNMENT

    if assignment == ASSIGNMENT or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}", assignment):
        print(
            f"error: {assignment!r} cannot be a variant exam's name (letters, digits, _ . -)", file=sys.stderr
        )
        return 2
    print(f"wrote {notebook.write(course_root, assignment, _course_questions(course_root))}")
    exams = _variant_exams(course_root)
    if assignment not in exams:
        with (course_root / "nbgrader_config.py").open("a") as f:
            f.write("\n# Graded on each student's own numbers; its numbers served, no checks.\n")
            f.write(f"{VARIANT_SETTING} = {[*exams, assignment]!r}\n")
        print(f"nbgrader_config.py: {VARIANT_SETTING} = {[*exams, assignment]!r}")
    print(
        f"next: nbgrader generate_assignment {assignment}; restart the practice service "
        "(it serves the exam's numbers, never checks)"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Every command and its options (the docs' commands are checked against it)."""
    parser = argparse.ArgumentParser(prog="python -m graders", description=__doc__.split("\n\n")[0])
    parser.add_argument("--course", type=Path, default=Path.cwd(), help="the course folder (default: here)")
    sub = parser.add_subparsers(dest="command", required=True)
    demo_p = sub.add_parser("demo", help="the whole instructor run on the demo class")
    demo_p.add_argument("--out", type=Path, default=Path("results"), help="where result files go")
    demo_p.add_argument("--workers", type=_positive, help=WORKERS_HELP)
    demo_p.add_argument("--fresh-kernels", action="store_true", help=FRESH_HELP)
    demo_p.add_argument("--cluster", help=CLUSTER_HELP)
    demo_p.add_argument("--allow-unsandboxed", action="store_true", help=UNSANDBOXED_HELP)
    for name, help_text in [("grade", "grade submitted/"), ("ci", "grade submitted/ and write result files")]:
        p = sub.add_parser(name, help=help_text)
        p.add_argument("assignment", nargs="?", help="the assignment (default: the only one)")
        p.add_argument("--student", action="append", help="grade only this student (repeatable)")
        p.add_argument("--out", type=Path, default=Path("results"), help="where result files go")
        p.add_argument("--workers", type=_positive, help=WORKERS_HELP)
        p.add_argument("--fresh-kernels", action="store_true", help=FRESH_HELP)
        p.add_argument("--cluster", help=CLUSTER_HELP)
        p.add_argument("--allow-unsandboxed", action="store_true", help=UNSANDBOXED_HELP)
        if name == "grade":
            p.add_argument(
                "--zip", type=Path, help="collect an LMS download (Canvas's zip) first, then grade it"
            )
    new_p = sub.add_parser("new-question", help="scaffold a question: its module and its notebook cells")
    new_p.add_argument(
        "name", help="the question's id: its module's name, and its grade id's (a Python name)"
    )
    new_p.add_argument("--notebook", required=True, help="the source notebook to append its cells to")
    new_p.add_argument("--assignment", help="the assignment (default: the only one)")
    new_p.add_argument("--title", default="", help="the part's title in feedback and reports")
    new_p.add_argument(
        "--kind", choices=list(KINDS), default="function", help="what the student gives (default: function)"
    )
    new_p.add_argument(
        "--student-name",
        help="the name the student defines (default: the id for a function or a plot; in capitals for a "
        "value); a text answer has none",
    )
    new_p.add_argument("--signature", help='a function\'s parameters (default: "x")')
    new_p.add_argument("--integer", action="store_true", help="a number: an exact whole number")
    new_p.add_argument("--multiple", action="store_true", help="a choice: several right letters")
    points_p = sub.add_parser("points", help="check the test cells' points against the questions")
    points_p.add_argument("assignment", nargs="?", help="the assignment (default: the only one)")
    points_p.add_argument("--write", action="store_true", help="rewrite the points from the questions")
    service_p = sub.add_parser("practice-service", help="serve the practice assignment's instant checks")
    service_p.add_argument(
        "--host", default="127.0.0.1", help="the address to listen on (default: %(default)s)"
    )
    service_p.add_argument("--port", type=int, default=8790, help="the port (default: %(default)s)")
    service_p.add_argument(
        "--socket", type=Path, help="listen on this Unix socket instead (the hub classroom's)"
    )
    service_p.add_argument(
        "--log", type=Path, default=Path("results/practice_log.jsonl"), help="one line per check"
    )
    service_p.add_argument(
        "--hub", action="store_true", help="run as a JupyterHub service: students known by their hub token"
    )
    sub.add_parser("practice-notebook", help="write source/cv_practice/ from the exam and the questions")
    sub.add_parser("check", help="every question module, with what is wrong in any (file and field)")
    variant_p = sub.add_parser(
        "variant-exam", help="an exam on each student's own numbers (no checks), from the practised questions"
    )
    variant_p.add_argument("assignment", help="the new exam's name")
    template_p = sub.add_parser(
        "classroom-template", help="the students' GitHub Classroom repository: release only, no grader"
    )
    template_p.add_argument("out", type=Path, help="a new folder for the template")
    template_p.add_argument("--assignment", help="the assignment (default: the only one)")
    feedback_p = sub.add_parser(
        "feedback", help="after marking by hand: feedback and result files again, from the gradebook"
    )
    feedback_p.add_argument("assignment", nargs="?", help="the assignment (default: the only one)")
    feedback_p.add_argument("--student", action="append", help="only this student (repeatable)")
    feedback_p.add_argument("--out", type=Path, default=Path("results"), help="where result files go")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return _run(args)


def _run(args: argparse.Namespace) -> int:
    if args.command == "practice-notebook":
        from graders.practice import notebook

        print(f"wrote {notebook.write(args.course.resolve(), questions=_course_questions(args.course))}")
        return 0
    if args.command == "check":
        lines, broken = _course_questions(args.course).report()
        print("\n".join(lines))
        print(f"{broken} question(s) with problems" if broken else "every question is well declared")
        return 1 if broken else 0
    if args.command == "variant-exam":
        return variant_exam(args.course.resolve(), args.assignment)
    if args.command == "practice-service":
        from graders.practice import service
        from graders.practice.state import course_secret

        args.log.parent.mkdir(parents=True, exist_ok=True)
        secret = course_secret(args.course.resolve())
        exams = frozenset(_variant_exams(args.course))
        questions = _course_questions(args.course)
        service.serve(args.host, args.port, secret, args.log, args.hub, args.socket, exams, questions)
        return 0
    import warnings

    from sqlalchemy.exc import SAWarning

    from graders.instructor.course import Course, CourseError
    from graders.instructor.grading import Speed

    # nbgrader 0.9's gradebook trips SQLAlchemy's autoflush warnings on every submission.
    warnings.filterwarnings("ignore", category=SAWarning)
    try:
        course = Course.open(args.course)
        if args.command == "new-question":
            return new_question(course, args)
        if args.command == "points":
            return points(course, args.assignment, args.write)
        if args.command == "classroom-template":
            from graders.instructor import classroom_template

            files = classroom_template.write(course, course.assignment(args.assignment), args.out.resolve())
            print(
                f"wrote the students' repository template in {args.out}: {', '.join(p.name for p in files)}"
            )
            return 0
        out = args.out if args.out.is_absolute() else course.root / args.out
        if args.command == "feedback":
            try:
                return feedback(course, args.assignment, args.student, out)
            finally:
                course.hand_back()
        speed = Speed(args.workers, not args.fresh_kernels, args.cluster, args.allow_unsandboxed)
        try:
            if args.command == "demo":
                return demo(course, out, speed)
            if args.command == "ci":
                return ci(course, args.assignment, args.student, out, speed)
            lms_zip = getattr(args, "zip", None)
            return grade_command(course, args.assignment, args.student, out, speed, lms_zip)
        finally:
            course.hand_back()
    except CourseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
