"""``python -m retrieval.evaluate qa.yaml``: each way the regression file cannot be read is
one exact line on standard error and exit 2, naming the file."""

from __future__ import annotations

import pytest

from retrieval import evaluate as ev

from .support import CORPUS


def run(capsys, *argv) -> tuple[int, str, str]:
    code = ev.main([*argv, "--corpus", str(CORPUS), "--no-progress"])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("question: one\n", "{path}: expected a YAML list of {{question, expect}} entries"),
        ("", "{path}: expected a YAML list of {{question, expect}} entries"),  # empty: null
        ("- {question: 3, expect: x}\n", "{path}: entry 1 needs 'question' and 'expect' or 'unanswerable: true'"),
        ("- {question: q}\n", "{path}: entry 1 needs 'question' and 'expect' or 'unanswerable: true'"),
        (
            '- {question: "a?", expect: "x"}\n- {question: "b?", unanswerable: yes}\n- just text\n',
            "{path}: entry 3 needs 'question' and 'expect' or 'unanswerable: true'",
        ),
        ('- {question: "a?", expect: "x", max_rank: 0}\n', "{path}: entry 1: max_rank must be a whole number >= 1"),
        ('- {question: "a?", expect: "x", max_rank: 1.5}\n', "{path}: entry 1: max_rank must be a whole number >= 1"),
    ],
)
def test_bad_structure_is_one_line(capsys, tmp_path, content, expected):
    path = tmp_path / "qa.yaml"
    path.write_text(content, encoding="utf-8")
    assert run(capsys, str(path)) == (2, "", "error: " + expected.format(path=path) + "\n")


def test_invalid_yaml_is_one_line_naming_the_file_and_the_place(capsys, tmp_path):
    path = tmp_path / "qa.yml"
    path.write_text("- {question: [unclosed\n", encoding="utf-8")
    assert run(capsys, str(path)) == (
        2,
        "",
        f"error: {path} is not valid YAML: expected ',' or ']', but got '<stream end>' (line 2, column 1)\n",
    )


def test_missing_file_is_one_line(capsys, tmp_path):
    path = tmp_path / "absent.yaml"
    assert run(capsys, str(path)) == (
        2,
        "",
        f"error: cannot read {path}: [Errno 2] No such file or directory: '{path}'\n",
    )


def test_directory_is_one_line(capsys, tmp_path):
    path = tmp_path / "cases.yaml"
    path.mkdir()
    assert run(capsys, str(path)) == (2, "", f"error: cannot read {path}: [Errno 21] Is a directory: '{path}'\n")


def test_file_not_in_utf8_is_one_line(capsys, tmp_path):
    path = tmp_path / "qa.yaml"
    path.write_bytes(b'- {question: "caf\xe9?", expect: "x"}\n')
    assert run(capsys, str(path)) == (
        2,
        "",
        f"error: cannot read {path}: 'utf-8' codec can't decode byte 0xe9 in position 17: invalid "
        "continuation byte\n",
    )


def test_missing_corpus_for_the_regression_file_is_one_line(capsys, tmp_path):
    path = tmp_path / "qa.yaml"
    path.write_text('- {question: "a?", expect: "x"}\n', encoding="utf-8")
    code = ev.main([str(path), "--corpus", str(tmp_path / "nowhere"), "--no-progress"])
    out, err = capsys.readouterr()
    assert (code, out, err) == (2, "", f"error: corpus directory {tmp_path / 'nowhere'} does not exist\n")


def test_yaml_with_a_control_character_is_one_line(capsys, tmp_path):
    path = tmp_path / "qa.yaml"
    path.write_text("- a\x01\n", encoding="utf-8")
    assert run(capsys, str(path)) == (
        2,
        "",
        f"error: {path} is not valid YAML: unacceptable character #x0001: special characters are not allowed\n",
    )
