"""``ask``: one-shot, --json, --sentences, exit codes, and the REPL fed a transcript."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.repl import HELP, Session, main, repl
from bot.repl_input import MAX_LINE_CHARS, LineTooLong, read_bounded_line
from bot.render import NO_TERMS, NO_TERMS_MANY, NOT_FOUND

from .support import CORPUS, SEED_DOC, FullStdout, UnwritableStdout, write_corpus

BELOUSOV = (
    "Accompanying Putin on this trip are several key officials, including Defence Minister "
    "Andrei Belousov, Foreign Minister Sergei Lavrov, and Deputy Prime Minister Alexander "
    "Novak, who oversees energy matters."
)
TITLE = "Putin arrives in North Korea for first visit in 24 years"


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    monkeypatch.delenv("ASK_CORPUS", raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env; the corpus is given explicitly


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_one_shot_prints_the_sentence_and_its_source(capsys):
    code, out, err = run(capsys, "--corpus", str(CORPUS), "Who accompanied Putin?")
    assert code == 0 and err == ""
    assert out == f"“{BELOUSOV}” [1]\n\nSources:\n[1] {TITLE} — paragraph 4, sentence 5\n"


def test_question_words_without_quotes_are_joined(capsys):
    code, out, _ = run(capsys, "--corpus", str(CORPUS), "who", "accompanied", "Putin?")
    assert code == 0 and BELOUSOV in out


def test_json_output(capsys):
    code, out, _ = run(capsys, "--corpus", str(CORPUS), "--json", "Who accompanied Putin?")
    assert code == 0
    payload = json.loads(out)
    assert payload["question"] == "Who accompanied Putin?"
    assert payload["answered"] is True
    (first,) = payload["answers"]
    assert first["text"] == BELOUSOV
    assert first["citation"] == {
        "doc_id": SEED_DOC,
        "title": TITLE,
        "section": None,
        "paragraph": 4,
        "sentence": 5,
        "start": 576,
        "end": 782,
    }
    assert first["score"] == pytest.approx(2.428336540418092)


def test_json_abstention_has_no_answers(capsys):
    code, out, _ = run(capsys, "--corpus", str(CORPUS), "--json", "What is the capital of France?")
    assert code == 0
    assert json.loads(out) == {
        "question": "What is the capital of France?",
        "answered": False,
        "reason": "not_found",
        "confidence": None,  # nothing in the article matches: no model decided
        "answers": [],
    }


def test_abstention_and_no_terms_messages(capsys):
    assert run(capsys, "--corpus", str(CORPUS), "Who won the 2022 World Cup?")[1] == NOT_FOUND + "\n"
    assert run(capsys, "--corpus", str(CORPUS), "???")[1] == NO_TERMS + "\n"


TWO_ARTICLES = {"storm.txt": "Storm hits the coast.", "rain.txt": "Rain falls inland."}


def test_abstention_with_one_article_says_the_article(capsys, tmp_path, engine):
    write_corpus(tmp_path / "c", {"storm.txt": "Storm hits the coast."})
    code, out, _ = run(capsys, "--corpus", str(tmp_path / "c"), "Who won the 2022 World Cup?")
    assert (code, out) == (0, "I couldn't find that in the article.\n")
    assert Session(engine).handle("Who won the 2022 World Cup?") == "I couldn't find that in the article."


def test_abstention_with_several_articles_says_the_articles(capsys, tmp_path):
    from retrieval import Engine

    corpus = write_corpus(tmp_path / "c", TWO_ARTICLES)
    code, out, _ = run(capsys, "--corpus", str(corpus), "Who won the 2022 World Cup?")
    assert (code, out) == (0, "I couldn't find that in the articles.\n")
    session = Session(Engine.load(corpus, index_dir=False))
    assert session.handle("Who won the 2022 World Cup?") == "I couldn't find that in the articles."
    assert session.handle("???") == NO_TERMS_MANY
    assert session.handle(":explain ?!") == NO_TERMS_MANY


def test_wordless_question_with_several_articles_says_the_articles(capsys, tmp_path):
    corpus = write_corpus(tmp_path / "c", TWO_ARTICLES)
    code, out, _ = run(capsys, "--corpus", str(corpus), "???")
    assert (code, out) == (
        0,
        "Please ask a question about the articles in words: who, what, when, where, how many …?\n",
    )
    code, out, _ = run(capsys, "--corpus", str(corpus), "--explain", "???")
    assert (code, out) == (0, NO_TERMS_MANY + "\n")
    single = write_corpus(tmp_path / "one", {"storm.txt": "Storm hits the coast."})
    code, out, _ = run(capsys, "--corpus", str(single), "???")
    assert (code, out) == (
        0,
        "Please ask a question about the article in words: who, what, when, where, how many …?\n",
    )


def test_explain_of_an_unmatched_question_says_article_or_articles(capsys, tmp_path):
    single = write_corpus(tmp_path / "one", {"storm.txt": "Storm hits the coast."})
    code, out, _ = run(capsys, "--corpus", str(single), "--explain", "capital of France?")
    assert (code, out) == (
        0,
        "I couldn't find that in the article.\n\nNothing in the article matches the words of: capital of France?\n",
    )
    several = write_corpus(tmp_path / "two", TWO_ARTICLES)
    code, out, _ = run(capsys, "--corpus", str(several), "--explain", "capital of France?")
    assert (code, out) == (
        0,
        "I couldn't find that in the articles.\n\nNothing in the articles matches the words of: capital of France?\n",
    )


def test_repl_from_a_pipe_with_several_articles(capsys, monkeypatch, tmp_path):
    import io

    corpus = write_corpus(tmp_path / "c", TWO_ARTICLES)
    monkeypatch.setattr("sys.stdin", io.StringIO("Who won the 2022 World Cup?\n"))
    code, out, err = run(capsys, "--corpus", str(corpus))
    assert (code, out, err) == (0, "I couldn't find that in the articles.\n\n\n", "")


def test_sentences_json_lists_every_citable_sentence(capsys):
    code, out, _ = run(capsys, "--corpus", str(CORPUS), "--sentences", "--json")
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(lines) == 23
    assert lines[4] == {
        "doc_id": SEED_DOC,
        "paragraph": 4,
        "sentence": 5,
        "start": 576,
        "end": 782,
        "text": BELOUSOV,
    }


# each opens with a byte-order mark: curly quotes, an accent and Windows line endings;
# front matter (a Unix file)
BOM_ARTICLES = {
    "storm.txt": "\ufeffStorm hits the coast. Markets \u201crally\u201d on Friday.\r\nCaf\u00e9 owners cheered.\r\n",
    "calm.md": "\ufeff---\ntitle: Calm\n---\nThe sea calmed. Boats left.\n",
}


def test_offsets_index_the_text_read_as_utf_8_sig_with_line_endings_kept(capsys, tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    for name, text in BOM_ARTICLES.items():
        (corpus / name).write_bytes(text.encode("utf-8"))
    code, out, _ = run(capsys, "--corpus", str(corpus), "--sentences", "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [(r["doc_id"], r["start"], r["end"], r["text"]) for r in rows] == [
        ("calm", 0, 15, "The sea calmed."),
        ("calm", 16, 27, "Boats left."),
        ("storm", 0, 21, "Storm hits the coast."),
        ("storm", 22, 48, "Markets \u201crally\u201d on Friday."),
        ("storm", 50, 70, "Caf\u00e9 owners cheered."),
    ]

    def read(name, **how):
        with open(corpus / name, **how) as f:
            text = f.read()
        return text.split("---\n", 2)[2] if name.endswith(".md") else text  # the body: no front matter

    # as the README says: "utf-8-sig" (the byte-order mark dropped), line endings kept
    exact = {Path(name).stem: read(name, encoding="utf-8-sig", newline="") for name in BOM_ARTICLES}
    assert [exact[r["doc_id"]][r["start"] : r["end"]] for r in rows] == [r["text"] for r in rows]
    # otherwise the offsets are off: by the mark ("utf-8") or by the \r of each line before
    assert read("storm.txt", encoding="utf-8", newline="")[0:21] == "\ufeffStorm hits the coast"
    assert read("storm.txt", encoding="utf-8-sig")[50:70] == "af\u00e9 owners cheered.\n"

    code, out, _ = run(capsys, "--corpus", str(corpus), "--json", "Who cheered?")
    citation = json.loads(out)["answers"][0]["citation"]
    assert (citation["doc_id"], citation["start"], citation["end"]) == ("storm", 50, 70)


def test_sentences_text(capsys):
    code, out, _ = run(capsys, "--corpus", str(CORPUS), "--sentences")
    assert out.splitlines()[4] == f"{SEED_DOC} ¶4 s5\t{BELOUSOV}"


def test_explain_flag(capsys):
    code, out, _ = run(capsys, "--corpus", str(CORPUS), "--explain", "Who accompanied Putin?")
    assert code == 0
    assert "Why these sentences rank first for: Who accompanied Putin?" in out
    assert "accompani        +2.222" in out


TOO_LONG_2001 = "That question is too long (2,001 characters; the limit is 2,000). Please ask it more briefly."
LONG_QUESTION = "Who accompanied Putin?".ljust(2001, "?")


@pytest.mark.parametrize("argv", [[], ["--explain"]])
def test_one_shot_question_over_the_limit_is_one_line(capsys, argv):
    assert run(capsys, "--corpus", str(CORPUS), *argv, LONG_QUESTION) == (0, TOO_LONG_2001 + "\n", "")


def test_json_question_over_the_limit_has_reason_too_long(capsys):
    code, out, err = run(capsys, "--corpus", str(CORPUS), "--json", "--explain", LONG_QUESTION)
    assert (code, err) == (0, "")
    assert json.loads(out) == {
        "question": LONG_QUESTION,
        "answered": False,
        "reason": "too_long",
        "confidence": None,
        "answers": [],
        "explain": [],
    }


def test_repl_question_over_the_limit_is_one_line_and_the_session_goes_on(engine):
    session = Session(engine)
    code, written = feed(session.handle, [LONG_QUESTION, f":explain {LONG_QUESTION}", ":explain", "who accompanied Putin?"])
    assert code == 0
    assert written[:3] == [TOO_LONG_2001] * 3
    assert written[3].startswith(f"“{BELOUSOV}” [1]")


def test_too_long_message_counts_with_thousands_separators():
    from bot.render import too_long_text

    assert too_long_text(1_234_567) == (
        "That question is too long (1,234,567 characters; the limit is 2,000). Please ask it more briefly."
    )


def test_repl_from_a_pipe_answers_each_over_long_line_once(capsys, monkeypatch):
    import io

    piped = "x" * 10**6 + "\nwho accompanied Putin?\n" + "y" * (MAX_LINE_CHARS + 1) + "\n" + "z" * 5000
    monkeypatch.setattr("sys.stdin", io.StringIO(piped))
    code, out, err = run(capsys, "--corpus", str(CORPUS))
    replies = out.split("\n\n")
    assert (code, err) == (0, "")
    assert replies[0] == "That question is too long (1,000,000 characters; the limit is 2,000). Please ask it more briefly."
    assert replies[1] == f"“{BELOUSOV}” [1]"
    assert replies[3:] == [
        "That question is too long (4,001 characters; the limit is 2,000). Please ask it more briefly.",
        "That question is too long (5,000 characters; the limit is 2,000). Please ask it more briefly.",
        "\n",
    ]


class EndlessLine:
    """A pipe holding one line of ``length`` characters, then "next\n"; records how
    much each read asked for."""

    def __init__(self, length):
        self.left = length
        self.sizes = []
        self.rest = ["next\n"]

    def readline(self, size=-1):
        self.sizes.append(size)
        if self.left:
            piece = min(self.left, size)
            self.left -= piece
            return "x" * piece + ("\n" if not self.left and piece < size else "")
        return self.rest.pop() if self.rest else ""


def test_an_over_long_line_is_read_in_bounded_pieces():
    from bot.repl_input import DISCARD_CHARS

    stream = EndlessLine(10**7)
    with pytest.raises(LineTooLong) as info:
        read_bounded_line(stream)
    assert info.value.length == 10**7
    assert stream.sizes[0] == MAX_LINE_CHARS + 1 and set(stream.sizes[1:]) == {DISCARD_CHARS}
    assert read_bounded_line(stream) == "next"
    with pytest.raises(EOFError):
        read_bounded_line(stream)


@pytest.mark.parametrize(
    ("piped", "lines"),
    [
        ("a" * MAX_LINE_CHARS + "\nb\n", ["a" * MAX_LINE_CHARS, "b"]),
        ("a" * MAX_LINE_CHARS, ["a" * MAX_LINE_CHARS]),
        ("\n\nlast", ["", "", "last"]),
    ],
)
def test_lines_up_to_the_read_limit_are_read_whole(piped, lines):
    import io

    stream = io.StringIO(piped)
    assert [read_bounded_line(stream) for _ in lines] == lines
    with pytest.raises(EOFError):
        read_bounded_line(stream)


@pytest.mark.parametrize(
    ("piped", "length"),
    [("a" * (MAX_LINE_CHARS + 1) + "\nb\n", MAX_LINE_CHARS + 1), ("a" * 200_000, 200_000)],
)
def test_lines_over_the_read_limit_are_thrown_away(piped, length):
    import io

    stream = io.StringIO(piped)
    with pytest.raises(LineTooLong) as info:
        read_bounded_line(stream)
    assert info.value.length == length
    rest = "b" if "\nb" in piped else None
    if rest:
        assert read_bounded_line(stream) == rest
    with pytest.raises(EOFError):
        read_bounded_line(stream)


def test_repl_over_long_lines_do_not_count_as_read_failures():
    too_long = LineTooLong(5000)
    code, written = feed(lambda line: f"ok {line}", [too_long, too_long, too_long, too_long, "a"])
    assert code == 0
    assert written == [
        "That question is too long (5,000 characters; the limit is 2,000). Please ask it more briefly."
    ] * 4 + ["ok a", ""]


def test_corpus_from_environment(capsys, monkeypatch, tmp_path):
    write_corpus(tmp_path / "c", {"storm.txt": "Storm hits the coast. Markets rally on Friday."})
    monkeypatch.setenv("ASK_CORPUS", str(tmp_path / "c"))
    code, out, _ = run(capsys, "What hit the coast?")
    assert code == 0 and out.startswith("“Storm hits the coast.” [1]")


def test_default_corpus_is_dot_corpus(capsys, tmp_path):
    write_corpus(tmp_path / "corpus", {"storm.txt": "Storm hits the coast."})
    code, out, _ = run(capsys, "storm")
    assert code == 0 and "“Storm hits the coast.” [1]\n" in out  # answered or hedged: the corpus read is the point


@pytest.mark.parametrize(
    "setup, message",
    [
        (lambda d: None, "does not exist"),
        (lambda d: d.mkdir(), "has no articles"),
        (lambda d: (d.mkdir(), (d / "bad.txt").write_bytes(b"\xff\xfe\x00bad")), "bad.txt"),
    ],
)
def test_corpus_errors_exit_2_with_one_line(capsys, tmp_path, setup, message):
    corpus = tmp_path / "c"
    setup(corpus)
    code, out, err = run(capsys, "--corpus", str(corpus), "anything")
    assert code == 2 and out == ""
    assert err.startswith("ask: error: ") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_corpus_file_with_no_text_is_one_line_and_exit_2(capsys, tmp_path):
    draft = "---\ntitle: Draft\n---\n"
    corpus = write_corpus(tmp_path / "c", {"storm.txt": "Storm hits the coast.", "draft.md": draft})
    code, out, err = run(capsys, "--corpus", str(corpus), "storm")
    assert (code, out, err) == (
        2,
        "",
        f"ask: error: {corpus / 'draft.md'}: no text to index (nothing after the front matter)\n",
    )


@pytest.mark.parametrize("index_dir", ["off", "idx"])
def test_corpus_file_of_headings_is_one_line_and_exit_2(capsys, monkeypatch, tmp_path, index_dir):
    monkeypatch.setenv("ASK_INDEX_DIR", str(tmp_path / index_dir) if index_dir != "off" else "off")
    corpus = write_corpus(tmp_path / "c", {"storm.txt": "Storm hits the coast.", "h.txt": "Just a heading\nAnother heading\n"})
    assert run(capsys, "--corpus", str(corpus), "--sentences") == (
        2,
        "",
        f"ask: error: {corpus / 'h.txt'}: no citable sentence (every line is empty, has no words, "
        "or is a heading or boilerplate: no sentence-ending punctuation)\n",
    )


def test_usage_errors_exit_2(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", _Terminal())  # from a pipe, --json alone reads JSON Lines
    with pytest.raises(SystemExit) as exc:
        main(["--json"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["--sentences", "a question"])
    assert exc.value.code == 2


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (["-x"], "unrecognized arguments: -x"),
        (
            ["--json"],
            "--json and --explain need a question (or --sentences for --json, or questions on standard input)",
        ),
    ],
)
def test_usage_error_is_the_usage_line_then_the_error(capsys, monkeypatch, argv, error):
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setattr("sys.stdin", _Terminal())  # from a pipe, --json alone reads JSON Lines  # argparse wraps the usage line to the terminal width
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert capsys.readouterr() == (
        "",
        "usage: ask [-h] [--corpus DIR] [--json] [--sentences] [--explain]\n"
        "           [--semantic VALUE]\n"
        "           [question ...]\n"
        f"ask: error: {error}\n",
    )


@pytest.mark.parametrize("value", ["many", "\u0661\u0662"])  # Arabic-Indic digits: int() reads them, a reader of the file may not
def test_bad_setting_in_environment_exits_2(capsys, monkeypatch, value):
    monkeypatch.setenv("ASK_TOP_K", value)
    code, _, err = run(capsys, "--corpus", str(CORPUS), "x")
    assert code == 2 and err == f"ask: error: ASK_TOP_K must be a whole number, got {value!r}\n"


# ----------------------------------------------------------------------- the REPL
def feed(handle, lines):
    """Run the REPL over ``lines``; return what it printed."""
    pending = list(lines)
    written: list[str] = []

    def read_line(prompt):
        if not pending:
            raise EOFError
        item = pending.pop(0)
        if isinstance(item, BaseException):
            raise item
        return item

    code = repl(handle, read_line, written.append)
    return code, written


def test_repl_transcript(engine):
    session = Session(engine)
    code, written = feed(
        session.handle,
        ["who accompanied Putin?", "", ":sources", ":bogus", "?", ":help", ":quit", "never read"],
    )
    assert code == 0
    assert written[0].startswith(f"“{BELOUSOV}” [1]")
    assert written[1] == f"- {TITLE}, 2024-06-18 — 23 sentences ({SEED_DOC})"
    assert written[2] == "Unknown command :bogus. Type :help for the commands."
    assert written[3] == NO_TERMS
    assert written[4] == HELP
    assert len(written) == 5


@pytest.mark.parametrize("line", ["quit", "exit", "q", "  Quit  ", "EXIT", "\tQ ", ":quit", ":q", ":EXIT"])
def test_repl_quits_on_quit_words_alone(engine, line):
    code, written = feed(Session(engine).handle, [line, "who accompanied Putin?"])
    assert (code, written) == (0, [])  # left at once: the question after it is never read


@pytest.mark.parametrize("line", ["quit smoking?", "exit poll", "q?", "quitting"])
def test_repl_answers_questions_that_merely_contain_a_quit_word(engine, line):
    assert Session(engine).handle(line) == "I couldn't find that in the article."


def test_repl_help_lists_the_commands_that_work():
    assert HELP == (
        "Ask a question about the articles, e.g.  who accompanied Putin?\n"
        "Commands:\n"
        "  :help (:h, :?)       this help\n"
        "  :sources             the loaded articles\n"
        "  :explain [QUESTION]  how each question term scored for the top sentences\n"
        "                       (the last question when none is given)\n"
        "  :quit (:q, :exit)    leave; so do quit, exit or q alone, Ctrl-D and Ctrl-C\n"
        "                       (Ctrl-C on a half-typed line throws the line away;\n"
        "                       while an answer is computed it cancels that answer)"
    )


def test_repl_help_aliases(engine):
    session = Session(engine)
    assert session.handle(":h") == session.handle(":?") == session.handle(":HELP") == HELP


def test_readme_lists_the_repl_commands():
    from .support import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert ":quit (:q, :exit)              leave; so do quit, exit or q typed alone, Ctrl-D and Ctrl-C\n" in readme


def test_repl_explain_uses_the_last_question(engine):
    session = Session(engine)
    _, written = feed(session.handle, [":explain", "who accompanied Putin?", ":explain"])
    assert written[0] == "Ask a question first, or give one: :explain who accompanied Putin?"
    assert written[2].startswith("Why these sentences rank first for: who accompanied Putin?")


@pytest.mark.parametrize("stop", [EOFError(), KeyboardInterrupt()])
def test_repl_exits_cleanly_on_ctrl_d_and_ctrl_c(engine, stop):
    code, written = feed(Session(engine).handle, ["who accompanied Putin?", stop])
    assert code == 0 and written[-1] == ""


def test_repl_ctrl_c_while_answering_cancels_that_answer_only():
    def handle(line):
        if line == "slow question":
            raise KeyboardInterrupt
        return f"ok {line}"

    code, written = feed(handle, ["slow question", "next", KeyboardInterrupt()])
    assert (code, written) == (0, ["(interrupted)", "ok next", ""])


def test_repl_ctrl_c_while_answering_in_a_real_session(capsys, monkeypatch):
    import io

    def interrupted(self, question):
        raise KeyboardInterrupt

    monkeypatch.setattr("retrieval.Engine.answer", interrupted)
    monkeypatch.setattr("sys.stdin", io.StringIO("who accompanied Putin?\n:explain who accompanied Putin?\n"))
    code, out, err = run(capsys, "--corpus", str(CORPUS))
    assert (code, err) == (0, "")
    assert out.startswith("(interrupted)\n\nWhy these sentences rank first for: who accompanied Putin?\n")


@pytest.mark.parametrize(
    ("argv", "target"),
    [
        (["Who accompanied Putin?"], "retrieval.Engine.answer"),
        (["--json", "Who accompanied Putin?"], "retrieval.Engine.answer"),
        (["--explain", "Who accompanied Putin?"], "retrieval.Engine.answer"),
        (["--json", "--explain", "Who accompanied Putin?"], "retrieval.Engine.explain"),
        (["--sentences"], "bot.repl.render_sentence"),
        (["--sentences", "--json"], "bot.repl.sentence_dict"),
    ],
)
def test_one_shot_ctrl_c_before_the_answer_is_exit_130(capsys, monkeypatch, argv, target):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(target, interrupted)
    assert run(capsys, "--corpus", str(CORPUS), *argv) == (130, "", "\n")


@pytest.mark.parametrize(
    "argv",
    [
        ["Who accompanied Putin?"],
        ["--json", "Who accompanied Putin?"],
        ["--explain", "Who accompanied Putin?"],
        ["--json", "--explain", "Who accompanied Putin?"],
        ["--sentences"],
        ["--sentences", "--json"],
    ],
)
def test_one_shot_ctrl_c_as_the_answer_is_out_is_exit_0(capsys, monkeypatch, argv):
    import signal
    import sys

    import bot.repl

    code, out, err = run(capsys, "--corpus", str(CORPUS), *argv)
    assert (code, err) == (0, "")
    real_print = bot.repl._print

    def print_then_ctrl_c(text, end="\n"):
        real_print(text, end=end)
        if sys.stdout.getvalue() == out:  # the answer's last byte is out
            signal.raise_signal(signal.SIGINT)  # Ctrl-C as it is written

    monkeypatch.setattr("bot.repl._print", print_then_ctrl_c)
    assert run(capsys, "--corpus", str(CORPUS), *argv) == (0, out, "")
    signal.raise_signal(signal.SIGINT)  # Ctrl-C after it: ignored (no KeyboardInterrupt)
    assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN


def test_repl_ctrl_c_at_the_prompt_still_leaves_with_0_and_sigint_is_kept(capsys, monkeypatch):
    import io
    import signal

    handlers = []

    def handle(self, line):
        handlers.append(signal.getsignal(signal.SIGINT))
        return "ok"

    monkeypatch.setattr("bot.repl.Session.handle", handle)
    monkeypatch.setattr("sys.stdin", io.StringIO("first\nsecond\n"))
    assert run(capsys, "--corpus", str(CORPUS)) == (0, "ok\n\nok\n\n\n", "")
    assert handlers == [signal.default_int_handler] * 2  # Ctrl-C still cancels an answer


def test_repl_survives_a_line_that_cannot_be_read(engine):
    bad = UnicodeDecodeError("utf-8", b"caf\xe9", 3, 4, "invalid continuation byte")
    code, written = feed(Session(engine).handle, [bad, "who accompanied Putin?"])
    assert code == 0
    assert written[0] == (
        "Sorry, that line could not be read (UnicodeDecodeError: 'utf-8' codec can't decode "
        "byte 0xe9 in position 3: invalid continuation byte)."
    )
    assert written[1].startswith(f"“{BELOUSOV}” [1]")


def test_repl_gives_up_when_reading_keeps_failing(capsys, monkeypatch):
    class BrokenStdin:
        def isatty(self):
            return False

        def readline(self, size=-1):
            raise OSError(5, "Input/output error")

    monkeypatch.setattr("sys.stdin", BrokenStdin())
    code, out, err = run(capsys, "--corpus", str(CORPUS))
    sorry = "Sorry, that line could not be read (OSError: [Errno 5] Input/output error).\n\n"
    assert (code, out, err) == (2, sorry * 2, "ask: error: cannot read input: OSError: [Errno 5] Input/output error\n")


def test_repl_read_failures_must_come_in_a_row():
    failure = OSError(5, "Input/output error")
    code, written = feed(lambda line: f"ok {line}", [failure, failure, "a", failure, failure, "b"])
    assert code == 0
    assert [w for w in written if w.startswith("ok")] == ["ok a", "ok b"]


def test_repl_input_not_valid_in_stdins_encoding_is_replaced(tmp_path):
    import os
    import subprocess
    import sys

    from .support import ROOT

    env = {**os.environ, "PYTHONIOENCODING": "utf-8:strict", "ASK_INDEX_DIR": "off", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "bot.repl", "--corpus", str(CORPUS)],
        input=b"caf\xe9 Putin?\nWho accompanied Putin?\n",
        capture_output=True,
        env=env,
        cwd=tmp_path,
    )
    assert (done.returncode, done.stderr) == (0, b"")
    first, second = done.stdout.decode("utf-8").split("\n\n", 1)
    assert first == NOT_FOUND
    assert second.startswith(f"“{BELOUSOV}” [1]")


def test_repl_survives_a_failing_question():
    calls = []

    def handle(line):
        calls.append(line)
        if line == "boom":
            raise RuntimeError("index exploded")
        return f"ok {line}"

    code, written = feed(handle, ["boom", "next"])
    assert code == 0
    assert written[:2] == [
        "Sorry, something went wrong with that question (RuntimeError: index exploded).",
        "ok next",
    ]


def test_repl_from_a_pipe(capsys, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("who accompanied Putin?\n:quit\n"))
    code, out, err = run(capsys, "--corpus", str(CORPUS))
    assert code == 0 and BELOUSOV in out and err == ""


def test_empty_question_is_a_question_not_the_repl(capsys):
    code, out, _ = run(capsys, "--corpus", str(CORPUS), "")
    assert (code, out) == (0, NO_TERMS + "\n")
    code, out, _ = run(capsys, "--corpus", str(CORPUS), "--json", "")
    assert code == 0 and json.loads(out)["reason"] == "no_terms"


@pytest.mark.parametrize(
    "argv",
    [["--corpus", "", "x"], ["--sentences", "--explain"], ["--explain"]],
)
def test_more_usage_errors_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1].startswith("ask: error: ")


@pytest.mark.parametrize(
    "key, value, message",
    [
        ("BM25_K1", "inf", "BM25_K1 must be a finite number, got 'inf'"),
        ("BM25_K1", "0", "BM25_K1: k1 must be a number > 0 and <= 1000, got 0.0"),
        ("BM25_K1", "1e308", "BM25_K1: k1 must be a number > 0 and <= 1000, got 1e+308"),
        ("BM25_B", "2", "BM25_B: b must be between 0 and 1, got 2.0"),
        ("BM25_EPSILON", "-1", "BM25_EPSILON: epsilon must be a number >= 0 and <= 1000, got -1.0"),
        ("BM25_EPSILON", "nan", "BM25_EPSILON must be a finite number, got 'nan'"),
        ("ASK_ENGINE", "foo", "ASK_ENGINE: engine must be one of auto, rank_bm25, sparse, xapian, got 'foo'"),
        ("ASK_TOP_K", "0", "ASK_TOP_K must be >= 1, got 0"),
    ],
)
def test_bad_retrieval_settings_exit_2(capsys, monkeypatch, key, value, message):
    monkeypatch.setenv(key, value)
    code, out, err = run(capsys, "--corpus", str(CORPUS), "x")
    assert (code, out, err) == (2, "", f"ask: error: {message}\n")


def test_top_k_bounds_explain(capsys, monkeypatch):
    monkeypatch.setenv("ASK_TOP_K", "1")
    _, out, _ = run(capsys, "--corpus", str(CORPUS), "--explain", "Who accompanied Putin?")
    assert "#1 " in out and "#2 " not in out


def test_dotenv_is_read(capsys, tmp_path):
    write_corpus(tmp_path / "c", {"storm.txt": "Storm hits the coast."})
    (tmp_path / ".env").write_text(f"ASK_CORPUS={tmp_path / 'c'}\n", encoding="utf-8")
    code, out, _ = run(capsys, "storm")
    assert code == 0 and "“Storm hits the coast.” [1]\n" in out  # answered or hedged: the corpus read is the point


def test_dotenv_not_utf8_is_one_line_exit_2(capsys, tmp_path):
    (tmp_path / ".env").write_bytes(b"ASK_TOP_K=3\n\xff\xfe\n")
    code, out, err = run(capsys, "--corpus", str(CORPUS), "x")
    assert code == 2 and out == ""
    assert err == f"ask: error: env file {tmp_path / '.env'} is not UTF-8 text (bad byte at offset 12)\n"


@pytest.mark.parametrize(
    ("text", "line"),
    [("this is not a setting\n", 1), ("# settings\nASK_TOP_K=3\nASK_CORPUS='unclosed\n", 3)],
)
def test_dotenv_that_cannot_be_parsed_is_one_line_naming_the_file(capsys, tmp_path, text, line):
    (tmp_path / ".env").write_text(text, encoding="utf-8")
    code, out, err = run(capsys, "--corpus", str(CORPUS), "x")
    assert (code, out) == (2, "")
    assert err == f"ask: error: env file {tmp_path / '.env'}: cannot parse line {line} (expected KEY=VALUE)\n"


def test_dotenv_unreadable_is_one_line_exit_2(capsys, tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("ASK_TOP_K=3\n", encoding="utf-8")

    def deny(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("dotenv.main.open", deny, raising=False)
    monkeypatch.setattr("builtins.open", deny)
    code, out, err = run(capsys, "--corpus", str(CORPUS), "x")
    assert (code, out) == (2, "")
    assert err == f"ask: error: cannot read env file {tmp_path / '.env'}: Permission denied\n"


def test_ctrl_c_while_loading_exits_quietly(capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("retrieval.Engine.load", interrupted)
    code, out, err = run(capsys, "--corpus", str(CORPUS), "x")
    assert (code, out, err) == (130, "", "\n")


def test_explain_of_a_wordless_question(engine):
    assert Session(engine).handle(":explain ?!") == NO_TERMS


def test_index_dir_setting(capsys, monkeypatch, tmp_path):
    write_corpus(tmp_path / "c", {"storm.txt": "Storm hits the coast."})
    monkeypatch.setenv("ASK_INDEX_DIR", str(tmp_path / "idx"))
    code, out, _ = run(capsys, "--corpus", str(tmp_path / "c"), "storm")
    assert code == 0 and "“Storm hits the coast.” [1]\n" in out  # answered or hedged: the corpus read is the point
    assert (tmp_path / "idx" / "manifest.json").is_file()
    assert not (tmp_path / "c" / ".index").exists()


def test_engine_setting_is_case_insensitive(capsys, monkeypatch):
    monkeypatch.setenv("ASK_ENGINE", "Sparse")
    code, out, _ = run(capsys, "--corpus", str(CORPUS), "Who accompanied Putin?")
    assert code == 0 and BELOUSOV in out


def test_repl_with_stdin_closed_ends_at_once(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", None)
    code, out, err = run(capsys, "--corpus", str(CORPUS))
    assert (code, out, err) == (0, "\n", "")


def test_output_a_terminal_cannot_encode_is_replaced_not_a_crash(tmp_path):
    import os
    import subprocess
    import sys

    from .support import ROOT

    env = {**os.environ, "PYTHONIOENCODING": "ascii", "ASK_INDEX_DIR": "off", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "bot.repl", "--corpus", str(CORPUS), "Who accompanied Putin?"],
        capture_output=True,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 0 and done.stderr == b""
    assert done.stdout.startswith(b"?Accompanying Putin on this trip")


def test_home_is_expanded_in_paths_from_dotenv(monkeypatch, tmp_path):
    from bot import config

    monkeypatch.setenv("HOME", str(tmp_path))
    env = {"ASK_CORPUS": "~/articles", "ASK_INDEX_DIR": "~/idx"}
    assert config.corpus_dir(env) == str(tmp_path / "articles")
    assert config.index_dir(env) == str(tmp_path / "idx")
    assert config.index_dir({"ASK_INDEX_DIR": "off"}) is False
    assert config.index_dir({}) is None


def test_bare_explain_uses_the_question_last_explained(engine):
    session = Session(engine)
    session.handle("who accompanied Putin?")
    session.handle(":explain How many containers?")
    assert session.handle(":explain").startswith("Why these sentences rank first for: How many containers?")


# ------------------------------------------------------------ output that cannot be written


def test_full_disk_is_one_line_exit_2(capsys, monkeypatch):
    import errno

    monkeypatch.setattr("sys.stdout", UnwritableStdout(OSError(errno.ENOSPC, "No space left on device")))
    code, _, err = run(capsys, "--corpus", str(CORPUS), "Who accompanied Putin?")
    assert (code, err) == (2, "ask: error: cannot write output: No space left on device\n")


@pytest.mark.parametrize("argv", [["--json", "Who accompanied Putin?"], ["--sentences"], []])
def test_every_output_path_reports_an_unwritable_stdout(capsys, monkeypatch, argv):
    import errno
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(":sources\n"))  # the REPL reads a pipe
    monkeypatch.setattr("sys.stdout", UnwritableStdout(OSError(errno.EIO, "Input/output error")))
    code, _, err = run(capsys, "--corpus", str(CORPUS), *argv)
    assert (code, err) == (2, "ask: error: cannot write output: Input/output error\n")


def test_closed_stdout_is_one_line_exit_2_before_loading(capsys, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("the corpus is not loaded when the answer cannot be shown")

    monkeypatch.setattr("retrieval.Engine.load", never)
    monkeypatch.setattr("sys.stdout", None)
    code, _, err = run(capsys, "--corpus", str(CORPUS), "Who accompanied Putin?")
    assert (code, err) == (2, "ask: error: cannot write output: standard output is closed\n")


@pytest.mark.parametrize("stderr", [None, "full"])
def test_an_unwritable_stderr_does_not_change_the_exit_code(capsys, monkeypatch, tmp_path, stderr):
    import errno

    if stderr == "full":
        stderr = UnwritableStdout(OSError(errno.ENOSPC, "No space left on device"))
    monkeypatch.setattr("sys.stderr", stderr)
    assert run(capsys, "--corpus", str(tmp_path / "nowhere"), "x") == (2, "", "")
    monkeypatch.setattr("retrieval.Engine.answer", lambda self, q: 1 / 0)
    assert run(capsys, "--corpus", str(CORPUS), "x") == (1, "", "")


@pytest.mark.skipif(not __import__("os").path.exists("/dev/full"), reason="needs /dev/full")
def test_error_to_a_full_stderr_in_a_real_process_is_still_exit_2(tmp_path):
    import os
    import subprocess
    import sys

    from .support import ROOT

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    script = 'exec "$0" -m bot.repl --corpus "$1" x 2>/dev/full'
    done = subprocess.run(
        ["sh", "-c", script, sys.executable, str(tmp_path / "nowhere")], capture_output=True, env=env, cwd=tmp_path
    )
    assert (done.returncode, done.stdout, done.stderr) == (2, b"", b"")


def test_a_reader_leaving_early_is_no_error(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdout", UnwritableStdout(BrokenPipeError(32, "Broken pipe")))
    code, _, err = run(capsys, "--corpus", str(CORPUS), "Who accompanied Putin?")
    assert (code, err) == (0, "")


@pytest.mark.parametrize("option", ["--help", "-h"])
def test_help_is_printed_and_exits_0(capsys, option):
    from bot.repl import build_parser

    with pytest.raises(SystemExit) as exc:
        main([option])
    out, err = capsys.readouterr()
    assert (exc.value.code, out, err) == (0, build_parser().format_help(), "")
    assert out.startswith("usage: ask [-h] [--corpus DIR] [--json] [--sentences] [--explain]\n")


@pytest.mark.parametrize(
    "stdout",
    [
        lambda: FullStdout(),
        lambda: UnwritableStdout(OSError(__import__("errno").ENOSPC, "No space left on device")),
    ],
    ids=["flush-fails", "write-fails"],
)
def test_help_that_cannot_be_written_is_one_line_exit_2(capsys, monkeypatch, stdout):
    monkeypatch.setattr("sys.stdout", stdout())
    code, _, err = run(capsys, "--help")
    assert (code, err) == (2, "ask: error: cannot write output: No space left on device\n")


def test_help_with_stdout_closed_goes_to_stderr_and_exits_0(capsys, monkeypatch):
    from bot.repl import build_parser

    monkeypatch.setattr("sys.stdout", None)
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert (exc.value.code, capsys.readouterr().err) == (0, build_parser().format_help())


def test_help_to_a_reader_leaving_early_is_no_error(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdout", UnwritableStdout(BrokenPipeError(32, "Broken pipe")))
    code, _, err = run(capsys, "--help")
    assert (code, err) == (0, "")


@pytest.mark.skipif(not __import__("os").path.exists("/dev/full"), reason="needs /dev/full")
def test_help_to_dev_full_in_a_real_process(tmp_path):
    import os
    import subprocess
    import sys

    from .support import ROOT

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    script = 'exec "$0" -m bot.repl --help >/dev/full'
    done = subprocess.run(["sh", "-c", script, sys.executable], capture_output=True, env=env, cwd=tmp_path)
    assert (done.returncode, done.stderr) == (2, b"ask: error: cannot write output: No space left on device\n")


def run_ask_in_shell(redirect: str, tmp_path):
    """``ask --corpus CORPUS "Who accompanied Putin?" <redirect>`` in a real process."""
    import os
    import subprocess
    import sys

    from .support import ROOT

    env = {**os.environ, "ASK_INDEX_DIR": "off", "PYTHONPATH": str(ROOT)}
    script = f'exec "$0" -m bot.repl --corpus "$1" "Who accompanied Putin?" {redirect}'
    return subprocess.run(
        ["sh", "-c", script, sys.executable, str(CORPUS)], capture_output=True, env=env, cwd=tmp_path
    )


@pytest.mark.skipif(not __import__("os").path.exists("/dev/full"), reason="needs /dev/full")
def test_ask_to_dev_full_in_a_real_process(tmp_path):
    done = run_ask_in_shell(">/dev/full", tmp_path)
    assert (done.returncode, done.stderr) == (2, b"ask: error: cannot write output: No space left on device\n")


def test_ask_with_stdout_closed_in_a_real_process(tmp_path):
    done = run_ask_in_shell(">&-", tmp_path)
    assert (done.returncode, done.stderr) == (2, b"ask: error: cannot write output: standard output is closed\n")


class _Terminal:
    """A stand-in for a terminal's stdin/stdout: only ``isatty`` is asked."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def prompt_history(monkeypatch):
    """Run ``bot.repl._line_reader`` as on a terminal; return the history it gave prompt_toolkit."""
    import prompt_toolkit

    from bot import repl as repl_module

    given = {}

    class FakePromptSession:
        def __init__(self, history, key_bindings):
            given["history"] = history

        def prompt(self, message):  # pragma: no cover - never called
            raise EOFError

    monkeypatch.setattr(prompt_toolkit, "PromptSession", FakePromptSession)
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)  # a test sets it when it wants one

    def history():
        # patched here, in the test's call: pytest's output capture resets sys.stdout
        # between fixture set-up and the test
        monkeypatch.setattr("sys.stdin", _Terminal())
        monkeypatch.setattr("sys.stdout", _Terminal())
        repl_module._line_reader()
        return given["history"]

    return history


def test_repl_history_is_kept_under_an_existing_home(monkeypatch, tmp_path, prompt_history):
    from prompt_toolkit.history import FileHistory

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    history = prompt_history()
    assert isinstance(history, FileHistory)
    assert history.filename == str(tmp_path / "home" / ".local" / "state" / "ask" / "history")
    assert (tmp_path / "home" / ".local" / "state" / "ask").is_dir()


def test_repl_never_creates_a_missing_home(monkeypatch, tmp_path, prompt_history):
    from prompt_toolkit.history import InMemoryHistory

    monkeypatch.setenv("HOME", str(tmp_path / "gone"))
    history = prompt_history()
    assert type(history) is InMemoryHistory
    assert list(tmp_path.iterdir()) == []


def test_repl_history_in_memory_when_its_folder_cannot_be_made(monkeypatch, tmp_path, prompt_history):
    from prompt_toolkit.history import InMemoryHistory

    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".local").write_text("a file where the folder should be", encoding="utf-8")
    assert type(prompt_history()) is InMemoryHistory
    assert sorted(p.name for p in tmp_path.iterdir()) == [".local"]


def test_repl_history_under_xdg_state_home(monkeypatch, tmp_path, prompt_history):
    from prompt_toolkit.history import FileHistory

    (tmp_path / "home").mkdir()
    (tmp_path / "state").mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    history = prompt_history()
    assert isinstance(history, FileHistory)
    assert history.filename == str(tmp_path / "state" / "ask" / "history")
    assert (tmp_path / "state" / "ask").is_dir()
    assert list((tmp_path / "home").iterdir()) == []  # nothing under ~/.local


@pytest.mark.parametrize("value", ["relative/state", "", "~/state"])
def test_repl_history_ignores_a_relative_xdg_state_home(monkeypatch, tmp_path, prompt_history, value):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "home").mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_STATE_HOME", value)
    history = prompt_history()
    assert history.filename == str(tmp_path / "home" / ".local" / "state" / "ask" / "history")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]


def test_repl_never_creates_a_missing_xdg_state_home(monkeypatch, tmp_path, prompt_history):
    from prompt_toolkit.history import InMemoryHistory

    (tmp_path / "home").mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "gone"))
    assert type(prompt_history()) is InMemoryHistory
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]
    assert list((tmp_path / "home").iterdir()) == []  # no fallback to ~/.local/state either


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, None),
        ({"XDG_STATE_HOME": ""}, None),
        ({"XDG_STATE_HOME": "state"}, None),
        ({"XDG_STATE_HOME": "~/state"}, None),
        ({"XDG_STATE_HOME": "/var/lib/me/state"}, "/var/lib/me/state"),
    ],
)
def test_state_home_is_xdg_state_home_only_when_absolute(env, expected):
    from pathlib import Path

    from bot.config import state_home

    assert state_home(env) == (Path(expected) if expected else None)


def test_repl_history_file_that_cannot_be_used_is_skipped(monkeypatch, tmp_path, prompt_history):
    # the history "file" is a directory: reading and writing it fail, the REPL goes on
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".local" / "state" / "ask" / "history").mkdir(parents=True)
    history = prompt_history()
    assert list(history.load_history_strings()) == []
    history.store_string("Who accompanied Putin?")  # no OSError
    assert (tmp_path / ".local" / "state" / "ask" / "history").is_dir()


def test_article_text_cannot_drive_the_terminal(capsys, tmp_path):
    # an escape sequence (recolour) and a bidi override inside an article's sentence
    write_corpus(tmp_path / "c", {"storm.txt": "Storm hits the coast \x1b[31m(red)\x1b[0m \u202etoday.\n"})
    code, out, _ = run(capsys, "--corpus", str(tmp_path / "c"), "What hit the coast?")
    assert code == 0
    assert out.startswith("“Storm hits the coast  [31m(red) [0m  today.” [1]")
    assert "\x1b" not in out and "\u202e" not in out
    code, out, _ = run(capsys, "--corpus", str(tmp_path / "c"), "--sentences")
    assert out == "storm ¶1 s1\tStorm hits the coast  [31m(red) [0m  today.\n"


def test_repl_unknown_command_is_echoed_printable(engine):
    code, written = feed(Session(engine).handle, [":\x1b[2Jbogus"])
    assert written[0] == "Unknown command :[2jbogus. Type :help for the commands."


def test_explain_json_names_the_related_words(capsys):
    code, out, _ = run(capsys, "--corpus", str(CORPUS), "--json", "--explain", "Who escorted Putin?")
    assert code == 0
    first = json.loads(out)["explain"][0]
    assert first["sentence_id"] == f"{SEED_DOC}:5"
    assert first["related_words"] == [["escort", "accompani", "related"]]


def test_error_line_cannot_drive_the_terminal(capsys, tmp_path):
    corpus = tmp_path / "c"
    write_corpus(corpus, {"good.txt": "Storm hits the coast.", "bad\x1b[31mname.txt": "Heading only"})
    code, out, err = run(capsys, "--corpus", str(corpus), "What hit the coast?")
    assert (code, out) == (2, "")
    assert "\x1b" not in err
    assert err == f"ask: error: {corpus}/bad [31mname.txt: no citable sentence (every line is empty, has no words, or is a heading or boilerplate: no sentence-ending punctuation)\n"


def test_an_unexpected_error_while_loading_is_one_internal_error_line(monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise RuntimeError("index\nbroken")

    monkeypatch.setattr("retrieval.Engine.load", broken)
    assert run(capsys, "--corpus", str(CORPUS), "Who accompanied Putin?") == (
        1,
        "",
        "ask: internal error: RuntimeError: index broken\n",
    )


def test_ctrl_c_on_a_half_typed_line_prompts_again():
    lines = iter(["Who accompanied Putin?"])
    calls = []

    def read_line(prompt):
        calls.append(prompt)
        if len(calls) == 1:
            from bot.repl_input import LineDiscarded

            raise LineDiscarded
        if len(calls) == 2:
            return next(lines)
        raise KeyboardInterrupt

    written = []
    assert repl(lambda line: f"answer to {line}", read_line, written.append) == 0
    assert written == ["answer to Who accompanied Putin?", ""]


def test_ctrl_c_key_binding_discards_a_typed_line_and_leaves_on_an_empty_one():
    from prompt_toolkit import PromptSession
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from bot.repl_input import LineDiscarded, ctrl_c_bindings

    with create_pipe_input() as keys:
        session = PromptSession(input=keys, output=DummyOutput(), key_bindings=ctrl_c_bindings())
        keys.send_text("who accomp\x03")
        with pytest.raises(LineDiscarded):
            session.prompt("ask> ")
        keys.send_text("who\r")
        assert session.prompt("ask> ") == "who"
        keys.send_text("\x03")
        with pytest.raises(KeyboardInterrupt):
            session.prompt("ask> ")


def test_colour_codes_typed_at_the_prompt_are_dropped_not_a_traceback():
    import threading

    from prompt_toolkit import PromptSession
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from bot.repl_input import ctrl_c_bindings

    typed = []
    with create_pipe_input() as keys:
        session = PromptSession(input=keys, output=DummyOutput(), key_bindings=ctrl_c_bindings())

        def read_two() -> None:
            typed.append(session.prompt("ask> "))
            typed.append(session.prompt("ask> "))

        keys.send_text("Who \x1b[1;33mhighlighted\x1b[0m?\r\x1b[31mred question?\r")
        reader = threading.Thread(target=read_two, daemon=True)
        reader.start()
        reader.join(30)  # only a failure waits: prompt_toolkit's own mouse handler stops at "Press ENTER"
    assert typed == ["Who highlighted?", "red question?"]


def test_what_other_threads_print_while_prompting_goes_above_the_prompt():
    import sys

    from prompt_toolkit.patch_stdout import StdoutProxy

    from bot.repl_input import above_the_prompt

    seen = []

    def prompt(text):
        seen.append((text, isinstance(sys.stdout, StdoutProxy), isinstance(sys.stderr, StdoutProxy)))
        return "who"

    assert above_the_prompt(prompt)("ask> ") == "who"
    assert seen == [("ask> ", True, True)]
    assert not isinstance(sys.stdout, StdoutProxy) and not isinstance(sys.stderr, StdoutProxy)


def test_long_lines_are_wrapped_between_words_on_a_terminal():
    from bot.render import wrap_for_terminal

    text = "“Defence Minister Andrei Belousov and Sergei Lavrov.” [1]\n\n   indented words here and there"
    assert wrap_for_terminal(text, 24) == (
        "“Defence Minister Andrei\nBelousov and Sergei\nLavrov.” [1]\n\n   indented words here\n   and there"
    )
    assert wrap_for_terminal("a " + "x" * 30 + " b", 20) == "a\n" + "x" * 30 + "\nb"  # never split
    assert wrap_for_terminal("short line", 20) == "short line"
    assert wrap_for_terminal("[1] Putin arrives in North Korea — paragraph 4", 24) == (
        "[1] Putin arrives in\n    North Korea —\n    paragraph 4"
    )


def test_the_repl_wraps_replies_only_on_a_terminal(monkeypatch, capsys):
    from bot import repl as repl_module

    monkeypatch.setattr(repl_module, "_terminal_width", lambda: 30)
    repl_module._print_block("one two three four five six seven eight nine")
    monkeypatch.setattr(repl_module, "_terminal_width", lambda: None)
    repl_module._print_block("one two three four five six seven eight nine")
    assert capsys.readouterr().out == (
        "one two three four five six\nseven eight nine\n\n"
        "one two three four five six seven eight nine\n\n"
    )


@pytest.mark.parametrize(
    ("question", "foreign"),
    [
        ("Wer hat Putin begleitet?", True),
        ("Qui a accompagné Poutine ?", True),
        ("¿Quién acompañó a Putin?", True),
        ("Chi ha accompagnato Putin?", True),
        ("Кто сопровождал Путина?", True),
        ("普京和谁一起去的？", True),
        ("Who accompanied Putin?", False),
        ("Who is Jose de la Cruz?", False),
        ("What did Ségolène Royal say?", False),
        ("Putin visit Pyongyang", False),
        ("???", False),
    ],
)
def test_a_question_in_another_language_is_recognised(question, foreign):
    from bot.language import looks_non_english

    assert looks_non_english(question) is foreign


def test_a_question_in_another_language_gets_a_hint_when_nothing_is_found(capsys):
    from bot.render import LANGUAGE_HINT

    assert run(capsys, "--corpus", str(CORPUS), "Wer hat den Präsidenten begleitet?") == (
        0,
        f"{NOT_FOUND} {LANGUAGE_HINT}\n",
        "",
    )
    assert run(capsys, "--corpus", str(CORPUS), "What is the capital of France?")[1] == NOT_FOUND + "\n"


def test_the_language_hint_follows_the_article_count(engine):
    from bot.render import LANGUAGE_HINT_MANY, NOT_FOUND_MANY, abstention_text

    result = engine.answer("Qui a accompagné le président ?")
    assert abstention_text(result, articles=2) == f"{NOT_FOUND_MANY} {LANGUAGE_HINT_MANY}"


@pytest.mark.parametrize("text", ["ASK_TOP_K=1\x002\n", "# fine\nA\x00B=1\n"])
def test_a_nul_in_the_env_file_is_one_error_line(capsys, tmp_path, text):
    """Found by benchmarks/fuzz.py: os.environ cannot hold a NUL (ValueError, exit 1)."""
    (tmp_path / ".env").write_text(text, encoding="utf-8")
    line = text.count("\n", 0, text.index("\x00")) + 1
    assert run(capsys, "--corpus", str(CORPUS), "Who accompanied Putin?") == (
        2,
        "",
        f"ask: error: env file {tmp_path / '.env'}: line {line} holds a NUL character\n",
    )


def test_a_usage_error_cannot_drive_the_terminal(capsys):
    """Found by benchmarks/fuzz.py: argparse printed the argument's control characters."""
    with pytest.raises(SystemExit) as exc:
        main(["--corpus", str(CORPUS), "--bogus\x1b[2J\x1e"])
    assert exc.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.endswith("\nask: error: unrecognized arguments: --bogus [2J \n")
    assert err.startswith("usage: ask ")
