"""Item analysis: each figure against a hand-computed class and Cronbach's alpha against two
published worked examples."""

import numpy as np
import pytest

from graders.autograde.record import ItemRecord, VerdictRecord
from graders.instructor.item_analysis import analyse, cronbach_alpha, cronbach_alpha_of
from graders.instructor.results import PartResult, SubmissionResult


def test_cronbach_alpha_matches_the_published_examples():
    # StatsBase.jl's documentation (cronbachalpha): this covariance matrix gives 0.8136.
    cov = np.array([[10, 6, 6, 6], [6, 11, 6, 6], [6, 6, 12, 6], [6, 6, 6, 13]], dtype=float)
    assert cronbach_alpha_of(cov) == pytest.approx(0.8136, abs=5e-5)
    # pingouin.cronbach_alpha on the three-question survey of its tutorials: 0.773 (0.7734375).
    survey = np.array(
        [[1, 2, 2, 3, 2, 2, 3, 3, 2, 3], [1, 1, 1, 2, 3, 3, 2, 3, 3, 3], [1, 1, 2, 1, 2, 3, 3, 3, 2, 3]]
    ).T
    assert cronbach_alpha(survey) == pytest.approx(0.7734375)


def _student(name: str, choice: str, p1: float, p2: float, p3: float) -> SubmissionResult:
    pick = VerdictRecord("q1", "1 pick", 1, p1, [ItemRecord("PICK", 1, p1, answer=f"'{choice}'")])
    return SubmissionResult(
        name,
        "exam",
        [
            PartResult("q1", "nb", "1 pick", p1, 1, verdict=pick),
            PartResult("q2", "nb", "2 compute", p2, 2),
            PartResult("q3", "nb", "3 odd one", p3, 1),
            PartResult("q4", "nb", "4 proof", 0, 2, graded_by_hand=True, pending=True),
        ],
    )


@pytest.fixture
def analysis():
    # Totals 3, 2, 2, 1: ann is the upper 27% (one of four), dan the lower.
    return analyse(
        [
            _student("ann", "b", 1, 2, 0),
            _student("bob", "b", 1, 1, 0),
            _student("cat", "a", 0, 1, 1),
            _student("dan", "c", 0, 0, 1),
        ]
    )


def test_each_part_against_hand_computed_figures(analysis):
    q1, q2, q3 = analysis.parts  # q4 awaits a grader: left out
    assert [p.facility for p in (q1, q2, q3)] == [0.5, 0.5, 0.5]
    assert q1.sd == pytest.approx(np.sqrt(1 / 3)) and q2.sd == pytest.approx(np.sqrt(2 / 3))
    assert q1.rest_correlation == pytest.approx(0.0)  # rest 2, 1, 2, 1
    assert q3.rest_correlation == pytest.approx(-2 / np.sqrt(5))  # rest 3, 2, 1, 0
    assert (q1.upper_lower, q2.upper_lower, q3.upper_lower) == (1.0, 1.0, -1.0)
    assert q3.flags == ["discriminates negatively"] and q1.flags == q2.flags == []


def test_the_test_as_a_whole(analysis):
    assert (analysis.n, analysis.k, analysis.mean) == (4, 3, 2.0)
    assert analysis.sd == pytest.approx(np.sqrt(2 / 3))
    # item variances 1/3, 2/3, 1/3; total variance 2/3: alpha = 3/2 (1 - 2) = -1.5
    assert analysis.alpha == pytest.approx(-1.5)
    assert analysis.sem == pytest.approx(np.sqrt(2 / 3) * np.sqrt(2.5))


def test_the_distractor_table_counts_each_answer_by_group(analysis):
    (table,) = analysis.distractors
    assert table.right == "'b'"
    assert table.answers == [
        {"answer": "'a'", "all": 1, "upper": 0, "lower": 0},
        {"answer": "'b'", "all": 2, "upper": 1, "lower": 0},
        {"answer": "'c'", "all": 1, "upper": 0, "lower": 1},
    ]


def test_a_part_everyone_gets_is_flagged():
    everyone = analyse([_student(n, "b", 1, 2, 1) for n in ("a", "b", "c")])
    assert everyone.parts[0].flags == ["everyone full marks"]
    assert everyone.parts[0].rest_correlation is None  # nothing varies
